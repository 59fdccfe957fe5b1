"""FastAPI dependencies: the request's unit of work and the signed-in account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from arq.connections import ArqRedis
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from janitor.accounts.models import Account
from janitor.accounts.repository import AccountRepository
from janitor.core.config import Settings
from janitor.core.errors import AppError, Unauthorized
from janitor.core.pagecache import AUTH_STATE_KEY, PageCache
from janitor.core.queue import JobBuffer
from janitor.core.ratelimit import RateLimiter
from janitor.core.security import InvalidToken, decode_access_token


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

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def authenticate(
    session: AsyncSession, settings: Settings, credentials: HTTPAuthorizationCredentials | None
) -> Account:
    """The account a bearer token signs in, or ``Unauthorized``: the token's signature and expiry,
    the account still existing, and the token issued after the account's last credentials change."""
    if credentials is None:
        raise Unauthorized()
    try:
        claims = decode_access_token(credentials.credentials, key=settings.secret_key.get_secret_value())
    except InvalidToken:
        raise Unauthorized("Your session is invalid or has expired. Sign in again.") from None
    account = await AccountRepository(session).get(claims.account_id)
    # Tokens issued before the last password change are dead (second precision, as in the token).
    if account is None or claims.issued_at < account.credentials_changed_at.replace(microsecond=0):
        raise Unauthorized("Your session is invalid or has expired. Sign in again.")
    return account


async def still_signed_in(ctx: AppContext, credentials: HTTPAuthorizationCredentials | None) -> bool:
    """``authenticate`` again in a transaction of its own: for a response that outlives its request
    (the live progress stream), which must end when its session does."""
    async with ctx.sessionmaker() as session:
        try:
            await authenticate(session, ctx.settings, credentials)
        except Unauthorized:
            return False
    return True


async def current_account(
    request: Request, session: SessionDep, settings: SettingsDep, credentials: BearerCredentials
) -> Account:
    account = await authenticate(session, settings, credentials)
    # For the report page cache (core/pagecache.py): the sign-in it may check on its own next time.
    setattr(request.state, AUTH_STATE_KEY, (account.id, int(account.credentials_changed_at.timestamp())))
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ClientIP = Annotated[str, Depends(client_ip)]
