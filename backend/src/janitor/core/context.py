"""Builds the process context the same way for the API and the worker."""

from __future__ import annotations

from arq import create_pool
from arq.connections import RedisSettings

from janitor.core.config import Settings
from janitor.core.db import create_engine, create_sessionmaker
from janitor.core.deps import AppContext


async def build_context(settings: Settings) -> AppContext:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    return AppContext(settings=settings, engine=engine, sessionmaker=create_sessionmaker(engine), redis=redis)


async def close_context(ctx: AppContext) -> None:
    await ctx.redis.aclose()
    await ctx.engine.dispose()
