"""Builds the process context the same way for the API and the worker."""

from __future__ import annotations

from arq.connections import ArqRedis

from janitor.core.config import Settings
from janitor.core.db import create_engine, create_sessionmaker
from janitor.core.deps import AppContext
from janitor.core.pagecache import PageCache


async def build_context(settings: Settings) -> AppContext:
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    # No connection is made here: the API must start (and report not-ready) while Redis is down.
    redis = ArqRedis.from_url(settings.redis_url)
    page_cache = PageCache(
        redis,
        page_ttl=settings.report_cache_seconds,
        auth_ttl=settings.access_token_ttl_seconds,
        url=settings.redis_url,
    )
    return AppContext(
        settings=settings, engine=engine, sessionmaker=create_sessionmaker(engine), redis=redis, page_cache=page_cache
    )


async def close_context(ctx: AppContext) -> None:
    await ctx.page_cache.aclose()
    await ctx.redis.aclose()
    await ctx.engine.dispose()
