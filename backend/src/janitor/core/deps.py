"""FastAPI dependencies: the process context and the request's unit of work (the signed-in account is
``janitor.accounts.deps``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from arq.connections import ArqRedis
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from janitor.core.audit import SecurityEvents
from janitor.core.config import Settings
from janitor.core.errors import AppError
from janitor.core.pagecache import PageCache
from janitor.core.queue import JobBuffer
from janitor.core.ratelimit import RateLimiter


@dataclass
class AppContext:
    """Process-wide resources, built the same way by the API and the worker."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    page_cache: PageCache

    @property
    def limiter(self) -> RateLimiter:
        return RateLimiter(self.redis)


async def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_settings_dep(ctx: ContextDep) -> Settings:
    return ctx.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


@dataclass
class UnitOfWork:
    session: AsyncSession
    jobs: JobBuffer


async def unit_of_work(ctx: ContextDep) -> AsyncIterator[UnitOfWork]:
    """One transaction per request: committed when the route returns, then its jobs are published.

    Runs with ``scope="function"`` so the commit happens before the response is sent: a failed
    commit becomes an error response, never a success the database does not hold.
    """
    jobs = JobBuffer()
    async with ctx.sessionmaker() as session:
        try:
            yield UnitOfWork(session=session, jobs=jobs)
            await session.commit()
        except AppError as exc:
            if exc.keeps_changes:
                await session.commit()
            else:
                await session.rollback()
            jobs.discard()
            raise
        except BaseException:
            await session.rollback()
            jobs.discard()
            raise
    await jobs.flush(ctx.redis)


UowDep = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]


async def get_session(uow: UowDep) -> AsyncSession:
    return uow.session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def client_ip(request: Request) -> str:
    # The trusted proxies' word is already applied (ProxyHeadersMiddleware in main.py).
    return request.client.host if request.client else "unknown"


ClientIP = Annotated[str, Depends(client_ip)]


async def security_events(request: Request) -> SecurityEvents:
    events: SecurityEvents = request.app.state.metrics.security
    return events


SecurityEventsDep = Annotated[SecurityEvents, Depends(security_events)]
