"""Runs left ``running`` by a worker that died are marked failed, never left stuck."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.jobs.models import JobRun, RunStatus
from janitor.sync.models import SyncRun, SyncStatus

log = structlog.get_logger(__name__)

ALIVE_PREFIX = "worker:alive:"
ALIVE_TTL_SECONDS = 30


async def mark_alive(redis: Redis, worker_id: str) -> None:
    await redis.set(ALIVE_PREFIX + worker_id, "1", ex=ALIVE_TTL_SECONDS)


async def mark_gone(redis: Redis, worker_id: str) -> None:
    await redis.delete(ALIVE_PREFIX + worker_id)


REPORTS_CHANGED = "reports_changed"  # session.info key: accounts whose report pages changed


async def fail_orphaned_runs(session: AsyncSession, redis: Redis) -> int:
    """Fail every running run whose worker no longer reports itself alive. Returns how many."""
    running = (
        await session.execute(select(JobRun.id, JobRun.worker_id).where(JobRun.status == RunStatus.RUNNING))
    ).all()
    dead = [run_id for run_id, worker in running if not await redis.exists(ALIVE_PREFIX + worker)]
    if dead:
        await session.execute(
            update(JobRun)
            .where(JobRun.id.in_(dead), JobRun.status == RunStatus.RUNNING)
            .values(
                status=RunStatus.FAILED,
                error="The worker running this job stopped before it finished.",
                finished_at=datetime.now(UTC),
            )
        )
        log.warning("orphaned_runs_failed", count=len(dead))
    running_syncs = (
        await session.execute(select(SyncRun.id, SyncRun.worker_id).where(SyncRun.status == SyncStatus.RUNNING))
    ).all()
    dead_syncs = [
        run_id for run_id, worker in running_syncs if not worker or not await redis.exists(ALIVE_PREFIX + worker)
    ]
    if dead_syncs:
        accounts = await session.scalars(
            update(SyncRun)
            .where(SyncRun.id.in_(dead_syncs), SyncRun.status == SyncStatus.RUNNING)
            .values(
                status=SyncStatus.FAILED,
                phase="stopped",
                error="The worker running this sync stopped before it finished; nothing it left unfinished was "
                "marked missing. Start a new sync.",
                finished_at=datetime.now(UTC),
            )
            .returning(SyncRun.account_id)
        )
        # Their dashboards show the run's status: the caller bumps their page cache once committed.
        session.info.setdefault(REPORTS_CHANGED, set()).update(accounts)
        log.warning("orphaned_syncs_failed", count=len(dead_syncs))
    return len(dead) + len(dead_syncs)
