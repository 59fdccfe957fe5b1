"""Starting, following and cancelling sync runs. Never two active runs for a tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.errors import ConnectionNotFound
from janitor.connections.repository import ConnectionRepository
from janitor.core.queue import BACKGROUND_QUEUE, FIRST_SYNC_QUEUE, INTERACTIVE_QUEUE, JobBuffer
from janitor.jobs.names import JobName, dedupe_id
from janitor.sync.errors import NothingToSync, SyncRunNotFound
from janitor.sync.models import ACTIVE, SyncRun, SyncStatus, SyncTrigger
from janitor.sync.repository import SyncRunRepository
from janitor.sync.schemas import SyncRunOut


def to_out(run: SyncRun) -> SyncRunOut:
    out = SyncRunOut.model_validate(run)
    # JSONB keeps no key order: the servers go out in the order the run reads them.
    out.sources = dict(sorted(out.sources.items(), key=lambda kv: (kv[1].position, kv[1].name, kv[0])))
    if run.status not in ACTIVE:
        out.percent = 100
    if run.started_at:
        out.duration_seconds = round(((run.finished_at or datetime.now(UTC)) - run.started_at).total_seconds(), 1)
    return out


class SyncService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID, *, jobs: JobBuffer | None = None) -> None:
        self.session = session
        self.account_id = account_id
        self.jobs = jobs
        self.runs = SyncRunRepository(session, account_id)

    async def start(
        self, *, trigger: SyncTrigger = SyncTrigger.MANUAL, full: bool = False, trigger_server: str | None = None
    ) -> tuple[SyncRun, bool]:
        """Start a run, or return the active one. The bool says whether a new run was created.
        With no server connected there is nothing to read: ``NothingToSync`` (a run would end at once,
        "complete" with nothing in it, which reads as if the servers were empty)."""
        interactive = trigger != SyncTrigger.SCHEDULE  # someone is waiting for it (core/queue.py)
        queue = (
            FIRST_SYNC_QUEUE
            if trigger == SyncTrigger.CONNECTION
            else INTERACTIVE_QUEUE
            if interactive
            else BACKGROUND_QUEUE
        )
        active = await self.runs.active()
        if active is not None:
            if interactive and active.status == SyncStatus.QUEUED and self.jobs is not None:
                # the account's daily run still waits behind other accounts': it goes ahead now
                self.jobs.promote(dedupe_id(JobName.SYNC, active.id))
            return active, False
        if await self.runs.servers() == 0:
            raise NothingToSync()
        run = SyncRun(
            id=uuid.uuid4(),
            trigger=trigger,
            trigger_server=trigger_server,
            full=full,
            status=SyncStatus.QUEUED,
            sources={},
        )
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
        self.jobs.enqueue(JobName.SYNC, str(self.account_id), dedupe_id=dedupe_id(JobName.SYNC, run.id), queue=queue)
        return run, True

    async def start_for_new_server(self, connection_id: uuid.UUID) -> tuple[SyncRun, bool]:
        """A server was just added: read it now, recorded as started by adding it. A run already
        going is returned as it is (it reads the new server too if it has not started yet)."""
        connection = await ConnectionRepository(self.session, self.account_id).get(connection_id)
        if connection is None:
            raise ConnectionNotFound()
        return await self.start(trigger=SyncTrigger.CONNECTION, trigger_server=connection.name)

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
