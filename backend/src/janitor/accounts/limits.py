"""The accounts' rate limits: the keys they count under, and a 429 recorded as a security event."""

from __future__ import annotations

import hashlib
import uuid

from janitor.core.audit import SecurityEvent, SecurityEvents
from janitor.core.errors import RateLimited
from janitor.core.ratelimit import Limit, RateLimiter


def subject(*parts: str) -> str:
    # Keys in Redis never hold an email in clear.
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


async def consume(
    limiter: RateLimiter,
    events: SecurityEvents,
    limit: Limit,
    key: str,
    *,
    ip: str,
    account_id: uuid.UUID | None = None,
) -> None:
    """Count one attempt under ``limit`` for ``key`` (an already hashed subject); past it, record
    the refusal and raise ``RateLimited`` (a 429 with Retry-After)."""
    try:
        await limiter.consume(limit, key)
    except RateLimited:
        events.record(SecurityEvent.RATE_LIMITED, client=ip, account_id=account_id, limit=limit.name)
        raise
