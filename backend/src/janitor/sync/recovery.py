"""Runs left ``running`` by a worker that died are marked failed, never left stuck; so are sync runs
that stopped making progress (the stall watchdog) and queued runs whose job was lost."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix
from redis.asyncio import Redis
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.queue import QUEUES
from janitor.jobs.models import JobRun, RunStatus
from janitor.jobs.names import JobName, dedupe_id
from janitor.sync.freshness import NOT_REBUILT
from janitor.sync.models import SyncRun, SyncStatus

log = structlog.get_logger(__name__)

ALIVE_PREFIX = "worker:alive:"
ALIVE_TTL_SECONDS = 30
# One key per machine (container) with a live worker: the container's health check reads it alone
# (no KEYS/SCAN over a shared Redis). A worker id starts with its host name.
HOST_PREFIX = "worker:host:"


async def mark_alive(redis: Redis, worker_id: str) -> None:
    host = worker_id.split(":", 1)[0]
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(ALIVE_PREFIX + worker_id, "1", ex=ALIVE_TTL_SECONDS)
        pipe.set(HOST_PREFIX + host, "1", ex=ALIVE_TTL_SECONDS)
        await pipe.execute()


async def mark_gone(redis: Redis, worker_id: str) -> None:
    await redis.delete(ALIVE_PREFIX + worker_id)


REPORTS_CHANGED = "reports_changed"  # session.info key: accounts whose report pages changed
RUNS_ENDED = "runs_ended"  # session.info key: (account, run) of sync runs ended here, to announce once committed


async def _fail_syncs(
    session: AsyncSession, *conditions: ColumnElement[bool], status: SyncStatus, **values: Any
) -> set[uuid.UUID]:
    """Fail the sync runs in ``status`` that match (compare-and-set: a run that ended meanwhile keeps
    its end) and note them for the caller, who announces them and moves their accounts' report pages
    on once committed. Returns their accounts."""
    ended = (
        await session.execute(
            update(SyncRun)
            .where(SyncRun.status == status, *conditions)
            .values(status=SyncStatus.FAILED, finished_at=datetime.now(UTC), **values)
            .returning(SyncRun.id, SyncRun.account_id)
        )
    ).all()
    session.info.setdefault(RUNS_ENDED, []).extend((account, run) for run, account in ended)
    accounts = {account for _, account in ended}
    session.info.setdefault(REPORTS_CHANGED, set()).update(accounts)
    return accounts


def _sync_run_of(job_name: str, job_id: str) -> uuid.UUID | None:
    """The sync run a sync job ran (its job id is ``dedupe_id(SYNC, run id)``)."""
    prefix = dedupe_id(JobName.SYNC, "")
    if job_name != JobName.SYNC.value or not job_id.startswith(prefix):
        return None
    try:
        return uuid.UUID(job_id[len(prefix) :])
    except ValueError:
        return None


async def forget_jobs(redis: Redis, job_ids: list[str]) -> None:
    """Leave nothing of these jobs in arq for a worker to run again: their in-progress marks (which a
    killed worker never cleared; arq would run the job again once they expire), their queued copies and
    retry counts. Their runs are ended in the database."""
    if not job_ids:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.delete(in_progress_key_prefix + job_id, job_key_prefix + job_id, retry_key_prefix + job_id)
            for queue in QUEUES:
                pipe.zrem(queue, job_id)
        await pipe.execute()


async def fail_orphaned_runs(session: AsyncSession, redis: Redis) -> int:
    """End every running job run whose worker no longer reports itself alive, as what it really came to:
    a sync job whose sync run had finished succeeded (the worker died after the run's end, before the
    job's), any other failed; nothing of them is left in arq to run again. Returns how many."""
    running = (
        await session.execute(
            select(JobRun.id, JobRun.worker_id, JobRun.job_name, JobRun.job_id).where(
                JobRun.status == RunStatus.RUNNING
            )
        )
    ).all()
    dead = [r for r in running if not await redis.exists(ALIVE_PREFIX + r.worker_id)]
    syncs = {r.id: run for r in dead if (run := _sync_run_of(r.job_name, r.job_id)) is not None}
    ended = dict(
        (
            await session.execute(
                select(SyncRun.id, SyncRun.finished_at).where(
                    SyncRun.id.in_(list(syncs.values())),
                    SyncRun.status.not_in([SyncStatus.QUEUED, SyncStatus.RUNNING, SyncStatus.FAILED]),
                    SyncRun.finished_at.is_not(None),
                )
            )
        ).all()
    )
    done = [r.id for r in dead if syncs.get(r.id) in ended]
    for run_id in done:
        await session.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.status == RunStatus.RUNNING)
            .values(status=RunStatus.SUCCEEDED, finished_at=ended[syncs[run_id]])
        )
    failed = [r.id for r in dead if r.id not in done]
    if failed:
        await session.execute(
            update(JobRun)
            .where(JobRun.id.in_(failed), JobRun.status == RunStatus.RUNNING)
            .values(
                status=RunStatus.FAILED,
                error="The worker running this job stopped before it finished.",
                finished_at=datetime.now(UTC),
            )
        )
    if dead:
        await forget_jobs(redis, sorted({r.job_id for r in dead}))
        log.warning("orphaned_runs_ended", failed=len(failed), succeeded=len(done))
    running_syncs = (
        await session.execute(select(SyncRun.id, SyncRun.worker_id).where(SyncRun.status == SyncStatus.RUNNING))
    ).all()
    dead_syncs = [
        run_id for run_id, worker in running_syncs if not worker or not await redis.exists(ALIVE_PREFIX + worker)
    ]
    if dead_syncs:
        await _fail_syncs(
            session,
            SyncRun.id.in_(dead_syncs),
            status=SyncStatus.RUNNING,
            phase="stopped",
            error="The worker running this sync stopped before it finished; nothing it left unfinished was "
            "marked missing. Start a new sync.",
            derived_stale=True,
            derived_error=NOT_REBUILT,
        )
        log.warning("orphaned_syncs_failed", count=len(dead_syncs))
    return len(dead) + len(dead_syncs)


def _minutes(minutes: float) -> str:
    return f"{minutes:g} minute{'' if minutes == 1 else 's'}"


async def fail_stalled_runs(session: AsyncSession, redis: Redis, *, stall_minutes: float) -> int:
    """The stall watchdog (every minute, from the worker's cron). Returns how many runs it ended.

    * A ``running`` sync whose row has not moved for ``stall_minutes`` (``progress_at``, written on
      the database's clock by every progress write, in the background while pages are read) is
      failed. Its worker may be alive (waiting on a server that never answers, a lock, a bug): the
      run is also asked to stop, and it does within a second (sync/progress.py) without writing
      anything more over this verdict.
    * A ``queued`` sync older than that whose arq job exists neither queued nor in progress was lost
      (Redis emptied, or unreachable when the run was started): it would block the account's next
      refresh forever (one active run per account), so it is failed too.
    """
    cutoff = func.now() - timedelta(minutes=stall_minutes)
    stalled = await _fail_syncs(
        session,
        func.coalesce(SyncRun.progress_at, SyncRun.started_at, SyncRun.created_at) < cutoff,
        status=SyncStatus.RUNNING,
        phase="stopped",
        cancel_requested=True,
        error=f"No progress for {_minutes(stall_minutes)}: the sync was stopped. A server may have stopped "
        "answering, or the worker is stuck. What it read is kept; nothing it left unfinished was marked missing. "
        "Start a new sync.",
        derived_stale=True,
        derived_error=NOT_REBUILT,
    )
    waiting = await session.scalars(
        select(SyncRun.id).where(SyncRun.status == SyncStatus.QUEUED, SyncRun.created_at < cutoff)
    )
    lost_jobs = [
        run_id
        for run_id in waiting.all()
        if not await redis.exists(
            job_key_prefix + dedupe_id(JobName.SYNC, run_id), in_progress_key_prefix + dedupe_id(JobName.SYNC, run_id)
        )
    ]
    lost: set[uuid.UUID] = set()
    if lost_jobs:
        lost = await _fail_syncs(
            session,
            SyncRun.id.in_(lost_jobs),
            status=SyncStatus.QUEUED,
            phase="never started",
            error="The job that was to run this sync was lost before it started (the job queue was emptied or "
            "unreachable). Start a new sync.",
        )
    if stalled or lost:
        log.warning("stalled_syncs_failed", stalled=len(stalled), lost=len(lost))
    # One active run per account: as many runs as accounts.
    return len(stalled) + len(lost)
