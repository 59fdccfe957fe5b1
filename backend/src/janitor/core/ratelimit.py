"""Fixed-window counters in Redis, shared by every API replica."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from janitor.core.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int


class RateLimiter:
    def __init__(self, redis: Redis, *, prefix: str = "rl") -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, limit: Limit, subject: str) -> str:
        return f"{self.prefix}:{limit.name}:{subject}"

    async def check(self, limit: Limit, subject: str) -> None:
        """Raise ``RateLimited`` if the subject already used up its window, without counting a hit."""
        key = self._key(limit, subject)
        hits = await self.redis.get(key)
        if hits is not None and int(hits) >= limit.max_hits:
            ttl = await self.redis.ttl(key)
            raise RateLimited(retry_after=max(int(ttl), 1))

    async def hit(self, limit: Limit, subject: str) -> int:
        key = self._key(limit, subject)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, limit.window_seconds, nx=True)
            hits, _ = await pipe.execute()
        return int(hits)

    async def consume(self, limit: Limit, subject: str) -> None:
        """Count a hit and raise ``RateLimited`` once the window holds more than allowed."""
        hits = await self.hit(limit, subject)
        if hits > limit.max_hits:
            ttl = await self.redis.ttl(self._key(limit, subject))
            raise RateLimited(retry_after=max(int(ttl), 1))

    async def reset(self, limit: Limit, subject: str) -> None:
        await self.redis.delete(self._key(limit, subject))
