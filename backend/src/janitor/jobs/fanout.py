"""Cron fan-out: one small job per tenant, spread over the interval."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.repository import AccountRepository
from janitor.jobs.names import JobName, dedupe_id


def spread_offset(account_id: object, window_seconds: int) -> int:
    """A stable offset per tenant, so tenants' jobs do not all start at the same second."""
    if window_seconds <= 0:
        return 0
    digest = hashlib.sha256(str(account_id).encode()).digest()
    return int.from_bytes(digest[:4], "big") % window_seconds


async def fan_out(session: AsyncSession, redis: ArqRedis, name: JobName, *, spread_seconds: int) -> int:
    ids = await AccountRepository(session).all_ids()
    queued = 0
    for account_id in ids:
        job = await redis.enqueue_job(
            name.value,
            str(account_id),
            _job_id=dedupe_id(name, account_id),
            _defer_by=timedelta(seconds=spread_offset(account_id, spread_seconds)),
        )
        queued += job is not None
    return queued
