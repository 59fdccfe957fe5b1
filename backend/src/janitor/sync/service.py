"""Starting, following and cancelling sync runs. Never two active runs for a tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.queue import JobBuffer
from janitor.jobs.names import JobName, dedupe_id
from janitor.sync.errors import SyncRunNotFound
from janitor.sync.models import SyncRun, SyncStatus
from janitor.sync.repository import SyncRunRepository
from janitor.sync.schemas import SyncRunOut


def to_out(run: SyncRun) -> SyncRunOut:
    out = SyncRunOut.model_validate(run)
    if run.started_at:
        out.duration_seconds = round(((run.finished_at or datetime.now(UTC)) - run.started_at).total_seconds(), 1)
    return out


class SyncService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID, *, jobs: JobBuffer | None = None) -> None:
        self.session = session
        self.account_id = account_id
        self.jobs = jobs
        self.runs = SyncRunRepository(session, account_id)

    async def start(self, *, trigger: str = "manual", full: bool = False) -> tuple[SyncRun, bool]:
        """Start a run, or return the active one. The bool says whether a new run was created."""
        active = await self.runs.active()
        if active is not None:
            return active, False
        run = SyncRun(id=uuid.uuid4(), trigger=trigger, full=full, status=SyncStatus.QUEUED, sources={})
        try:
            async with self.session.begin_nested():
                await self.runs.add(run)
        except IntegrityError:  # another request won the race; the partial unique index held
            winner = await self.runs.active()
            if winner is None:
                raise
            return winner, False
        if self.jobs is None:
            raise RuntimeError("starting a run needs a job buffer")
        # One active run per tenant is the database's rule (a partial unique index); the job id is the
        # run's, so a run started after a crashed worker is never blocked by the dead job's keys.
        self.jobs.enqueue(JobName.SYNC, str(self.account_id), dedupe_id=dedupe_id(JobName.SYNC, run.id))
        return run, True

    async def get(self, run_id: uuid.UUID) -> SyncRun:
        run = await self.runs.get(run_id)
        if run is None:
            raise SyncRunNotFound()
        return run

    async def recent(self, limit: int = 30) -> Sequence[SyncRun]:
        return await self.runs.recent(limit)

    async def cancel_active(self) -> None:
        """Stop the account's queued or running run, if any (a connection it reads is being deleted:
        the run's writes for it would fail on rows that are gone)."""
        active = await self.runs.active()
        if active is not None:
            await self.cancel(active.id)

    async def cancel(self, run_id: uuid.UUID) -> SyncRun:
        run = await self.get(run_id)
        if run.status == SyncStatus.QUEUED:
            # Not started: nothing to stop, the worker will find nothing queued.
            await self.session.execute(
                update(SyncRun)
                .where(SyncRun.id == run.id, SyncRun.status == SyncStatus.QUEUED)
                .values(
                    status=SyncStatus.CANCELLED,
                    cancel_requested=True,
                    finished_at=datetime.now(UTC),
                    phase="cancelled before it started",
                )
            )
        else:
            await self.runs.request_cancel(run.id)
        await self.session.refresh(run)
        return run
