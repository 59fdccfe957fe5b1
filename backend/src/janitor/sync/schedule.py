"""The daily sync of every tenant, spread over the day by a stable offset per account."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.repository import AccountRepository
from janitor.connections.models import Connection
from janitor.core.queue import JobBuffer
from janitor.jobs.fanout import spread_offset
from janitor.sync.models import SyncRun
from janitor.sync.service import SyncService

DAY = 86_400


def due(account_id: uuid.UUID, now: datetime, window_seconds: int) -> bool:
    """True when the account's daily slot falls in the window that ends at ``now``."""
    second_of_day = now.hour * 3600 + now.minute * 60 + now.second
    slot = spread_offset(account_id, DAY)
    start = second_of_day - window_seconds
    return start <= slot < second_of_day if start >= 0 else slot >= DAY + start or slot < second_of_day


async def schedule_daily(session: AsyncSession, jobs: JobBuffer, *, now: datetime, window_seconds: int) -> int:
    """Start a scheduled run for every due account with a connection and no run in the last 20 hours."""
    started = 0
    recent = now - timedelta(hours=20)
    for account_id in await AccountRepository(session).all_ids():
        if not due(account_id, now, window_seconds):
            continue
        has_connection = await session.scalar(select(Connection.id).where(Connection.account_id == account_id).limit(1))
        ran_lately = await session.scalar(
            select(SyncRun.id).where(SyncRun.account_id == account_id, SyncRun.created_at >= recent).limit(1)
        )
        if has_connection is None or ran_lately is not None:
            continue
        _, created = await SyncService(session, account_id, jobs=jobs).start(trigger="schedule", full=True)
        started += created
    return started


def utcnow() -> datetime:
    return datetime.now(UTC)
