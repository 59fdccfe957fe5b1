"""The daily sync of every tenant, spread over the day by a stable offset per account.

Each account owes one scheduled run per day, due at its slot (``spread_offset`` of its id). A tick
(every 10 minutes, worker cron) starts the run of every account whose latest slot has passed and is
not served yet. A slot is served by any run created since ``SERVED_BEFORE_SLOT`` before it (a
refresh in the morning serves the evening's slot, as it always did). So a slot missed because the
worker was down or a tick was late is caught up at the next tick, once: only the latest slot is
owed, however many days were missed.

After an outage many slots are owed at once. Those whose slot fell in the last window are on time
and always start; the late ones start oldest slot first, at most ``catch_up_limit`` per tick, so a
backlog drains at about the pace of the normal schedule instead of starting every account at once.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.connections.models import Connection
from janitor.core.queue import JobBuffer
from janitor.jobs.fanout import spread_offset
from janitor.sync.models import SyncRun, SyncTrigger
from janitor.sync.service import SyncService

DAY = 86_400
# A run created at most this long before a slot serves it: no daily run within 20 hours of another.
SERVED_BEFORE_SLOT = timedelta(hours=20)
# Late slots started per tick, at least (see catch_up_limit).
CATCH_UP_FLOOR = 5


def latest_slot(account_id: uuid.UUID, now: datetime) -> datetime:
    """The latest moment at or before ``now`` at which the account's daily run was due."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    slot = midnight + timedelta(seconds=spread_offset(account_id, DAY))
    return slot if slot <= now else slot - timedelta(days=1)


def owed_slot(account_id: uuid.UUID, now: datetime, last_run: datetime | None) -> datetime | None:
    """The slot the account's scheduled run is owed for, or None when its latest slot is served: a run
    was created at or after ``SERVED_BEFORE_SLOT`` before it (exactly 20 hours before serves it)."""
    slot = latest_slot(account_id, now)
    if last_run is not None and last_run >= slot - SERVED_BEFORE_SLOT:
        return None
    return slot


def next_slot(account_id: uuid.UUID, now: datetime, last_run: datetime | None) -> datetime:
    """When the account's scheduled run is due next: its latest slot while that is owed (in the past:
    overdue, the next tick starts it), else the first later slot that no run made since serves."""
    slot = latest_slot(account_id, now)
    if owed_slot(account_id, now, last_run) is not None:
        return slot
    slot += timedelta(days=1)
    while last_run is not None and last_run >= slot - SERVED_BEFORE_SLOT:
        slot += timedelta(days=1)
    return slot


def catch_up_limit(accounts: int, window_seconds: int) -> int:
    """Late runs one tick may start: as many as a normal tick starts on average (accounts spread over
    the day's ticks), and never fewer than ``CATCH_UP_FLOOR``."""
    return max(CATCH_UP_FLOOR, math.ceil(accounts * window_seconds / DAY))


async def schedule_daily(session: AsyncSession, jobs: JobBuffer, *, now: datetime, window_seconds: int) -> int:
    """Start the scheduled run of every account with a connection whose latest slot is owed: all of
    those on time (slot in the last window), and the late ones oldest first up to the catch-up limit.
    Returns how many runs were started."""
    with_connection = (
        select(Connection.account_id)
        .join(Account, Account.id == Connection.account_id)
        .where(Account.disabled_at.is_(None))
        .distinct()
        .subquery()
    )
    rows = (
        await session.execute(
            select(with_connection.c.account_id, func.max(SyncRun.created_at))
            .outerjoin(SyncRun, SyncRun.account_id == with_connection.c.account_id)
            .group_by(with_connection.c.account_id)
        )
    ).all()
    window = timedelta(seconds=window_seconds)
    on_time: list[uuid.UUID] = []
    late: list[tuple[datetime, uuid.UUID]] = []
    for account_id, last_run in rows:
        slot = owed_slot(account_id, now, last_run)
        if slot is None:
            continue
        if now - slot < window:
            on_time.append(account_id)
        else:
            late.append((slot, account_id))
    late.sort()
    chosen = on_time + [account_id for _, account_id in late[: catch_up_limit(len(rows), window_seconds)]]
    started = 0
    for account_id in chosen:
        _, created = await SyncService(session, account_id, jobs=jobs).start(trigger=SyncTrigger.SCHEDULE, full=True)
        started += created
    return started


def utcnow() -> datetime:
    return datetime.now(UTC)
