"""Deletion runs: at most one per server at a time, ended even when their worker dies.

A run is a ``deletion_runs`` row; the database's unique "one running per server" index makes a
second start find the first and do nothing. A run whose worker stopped reporting itself alive (or,
with no worker, one older than the job time limit) is ended by the next start, and the rows it left
``executing`` — sent or about to be sent when it died — become ``unknown``: read back, never sent again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.deps import AppContext
from janitor.deletions import audit
from janitor.deletions.models import (
    AuditEvent,
    DeletionRun,
    DeletionRunStatus,
    DeletionStatus,
    QueuedDeletion,
    ServerDeletionState,
)
from janitor.deletions.queue import move
from janitor.sync.recovery import ALIVE_PREFIX

WORKER_STOPPED = "The worker running this deletion run stopped before it finished."
LEFT_EXECUTING = (
    "the worker stopped while this deletion was being sent: whether the server deleted it is not known; "
    "it is read back, never sent again"
)


@dataclass
class Tally:
    deleted: int = 0
    deleted_bytes: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: int = 0
    unknown: int = 0
    dry_run: int = 0
    sent: int = 0


async def start(
    app: AppContext,
    account_id: uuid.UUID,
    connection_id: uuid.UUID,
    *,
    dry_run: bool,
    worker_id: str | None,
    now: datetime,
) -> uuid.UUID | None:
    """Start the server's run, or None when another one is running (it is left alone)."""
    for _ in range(2):
        async with app.sessionmaker() as session, session.begin():
            run_id = await session.scalar(
                insert(DeletionRun)
                .values(
                    id=uuid.uuid4(),
                    account_id=account_id,
                    connection_id=connection_id,
                    status=DeletionRunStatus.RUNNING,
                    dry_run=dry_run,
                    worker_id=worker_id,
                    started_at=now,
                )
                # The partial index's predicate as a literal: a bound parameter there is unknown in the
                # generic plan Postgres uses from the sixth execution of a prepared statement on, and
                # the index can no longer be inferred ("no unique or exclusion constraint matching").
                .on_conflict_do_nothing(index_elements=["connection_id"], index_where=text("status = 'running'"))
                .returning(DeletionRun.id)
            )
        if isinstance(run_id, uuid.UUID):
            return run_id
        if not await end_dead_run(app, connection_id, now=now):
            return None
    return None


async def _alive(redis: Redis, worker_id: str) -> bool:
    return bool(await redis.exists(ALIVE_PREFIX + worker_id))


async def end_dead_run(app: AppContext, connection_id: uuid.UUID, *, now: datetime) -> bool:
    """End the server's running run if its worker is gone. True when one was ended."""
    async with app.sessionmaker() as session, session.begin():
        run = await session.scalar(
            select(DeletionRun).where(
                DeletionRun.connection_id == connection_id, DeletionRun.status == DeletionRunStatus.RUNNING
            )
        )
        if run is None:
            return True  # it ended meanwhile: try again
        if run.worker_id:
            dead = not await _alive(app.redis, run.worker_id)
        else:
            dead = now - run.started_at > timedelta(seconds=app.settings.worker_job_timeout_seconds)
        if not dead:
            return False
        ended = await session.execute(
            update(DeletionRun)
            .where(DeletionRun.id == run.id, DeletionRun.status == DeletionRunStatus.RUNNING)
            .values(status=DeletionRunStatus.FAILED, error=WORKER_STOPPED, finished_at=now)
            .returning(DeletionRun.id)
        )
        return ended.scalar_one_or_none() is not None


async def finish(app: AppContext, run_id: uuid.UUID, tally: Tally, *, error: str | None = None, now: datetime) -> None:
    """End the run with its counts (in its own transaction: a run that failed records it too)."""
    async with app.sessionmaker() as session, session.begin():
        await session.execute(
            update(DeletionRun)
            .where(DeletionRun.id == run_id, DeletionRun.status == DeletionRunStatus.RUNNING)
            .values(
                status=DeletionRunStatus.FAILED if error else DeletionRunStatus.FINISHED,
                error=error,
                deleted=tally.deleted,
                deleted_bytes=tally.deleted_bytes,
                skipped=tally.skipped,
                failed=tally.failed,
                finished_at=now,
            )
        )


async def count_live_run(session: AsyncSession, account_id: uuid.UUID, connection_id: uuid.UUID) -> None:
    """A real run sent at least one deletion: the server's first live run is behind it."""
    await session.execute(
        update(ServerDeletionState)
        .where(ServerDeletionState.account_id == account_id, ServerDeletionState.connection_id == connection_id)
        .values(live_runs=ServerDeletionState.live_runs + 1)
    )


async def orphans_to_unknown(
    session: AsyncSession, account_id: uuid.UUID, connection_id: uuid.UUID, *, run_id: uuid.UUID, server_name: str
) -> int:
    """Rows left ``executing`` by a run that is no longer running become ``unknown`` (audited)."""
    running = select(DeletionRun.id).where(DeletionRun.status == DeletionRunStatus.RUNNING)
    rows = (
        await session.scalars(
            select(QueuedDeletion).where(
                QueuedDeletion.account_id == account_id,
                QueuedDeletion.connection_id == connection_id,
                QueuedDeletion.status == DeletionStatus.EXECUTING,
                QueuedDeletion.run_id.is_(None) | QueuedDeletion.run_id.not_in(running),
            )
        )
    ).all()
    moved = 0
    for row in rows:
        if await move(
            session, row.id, expected=DeletionStatus.EXECUTING, to=DeletionStatus.UNKNOWN, reason=LEFT_EXECUTING
        ):
            await audit.record(
                session, row, AuditEvent.UNKNOWN, server_name=server_name, message=LEFT_EXECUTING, run_id=run_id
            )
            moved += 1
    return moved
