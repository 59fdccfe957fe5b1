"""The deleter: the one component through which every destructive upstream call goes.

``run_deletions`` makes one run over one server's queue. At the moment of each deletion it checks,
in this order, and records every check's verdict in the audit event (``details["checks"]``):

1. the kill switches: the operator's (``JANITOR_DELETIONS_DISABLED`` or the ``deletions_disabled``
   service flag) and the account's pause → the row waits;
2. the allowlists, read again now → cancelled, "protected (list …)";
3. the fingerprint taken when it was queued, against the item as synced now → cancelled with the
   difference ("no longer on the server", "the file was replaced", …);
4. a complete sync of the server, recent enough, whose derived data is fresh; a mass vanish held back
   on the server freezes it → the row waits;
5. for a watched item, that it still qualifies (every assigned person watched it) → else cancelled;
6. the caps per run and per day, by count and bytes (the first real run capped lower) → the row waits;
7. for a duplicate's copy, that its group keeps another present copy; a version delete never takes
   the item's last version → else cancelled;
8. that the server allows deletions (Plex "Allow media deletion", Jellyfin's acting user's right) →
   the row waits;
9. dry-run (on until the owner leaves it): the row is recorded once as what would be deleted, and
   stays queued.

A row that passes is sent (execute.py). A row that waits is recorded as skipped when its reason
changes, not on every run. Rows whose outcome is unknown are read back first, never sent again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, ConnectionKind
from janitor.core.crypto import CredentialError
from janitor.core.deps import AppContext, UnitOfWork
from janitor.core.events import Change, Events
from janitor.core.queue import JobBuffer
from janitor.deletions import audit, execute, guards, runs
from janitor.deletions.models import (
    AuditEvent,
    DeletionEvent,
    DeletionReason,
    DeletionStatus,
    QueuedDeletion,
)
from janitor.deletions.queue import move
from janitor.deletions.upstream import JELLYFIN_NO_VERSIONS, HttpFactory, Server, default_http, open_server
from janitor.deletions.watched import watched_verdict

log = structlog.get_logger(__name__)

# Rows looked at per run: the caps bound what is sent; this bounds what one run reads.
MAX_ROWS_PER_RUN = 5_000
DEFAULT_CONCURRENCY = 4


class Decision(StrEnum):
    SEND = "send"
    WAIT = "wait"
    CANCEL = "cancel"
    DRY_RUN = "dry_run"


@dataclass
class Verdict:
    decision: Decision
    reason: str | None
    checks: list[dict[str, Any]]


@dataclass
class RunOutcome:
    run_id: uuid.UUID
    tally: runs.Tally


@dataclass
class _Run:
    """What one run's rows share: the server, its caps, and its answer on whether it allows deletions."""

    app: AppContext
    connection: Connection
    server: Server
    budget: guards.Budget
    now: datetime
    run_id: uuid.UUID
    tally: runs.Tally
    may_delete: str | None = None
    asked: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def server_refusal(self) -> str | None:
        async with self.lock:  # asked once per run, by the first row that gets this far
            if not self.asked:
                self.may_delete = await self.server.may_delete()
                self.asked = True
        return self.may_delete


async def run_deletions(
    app: AppContext,
    account_id: uuid.UUID,
    connection_id: uuid.UUID,
    *,
    now: datetime,
    events: Events,
    http: HttpFactory | None = None,
    worker_id: str | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> RunOutcome | None:
    """One deletion run over one server's due rows (and its rows whose outcome is unknown). None when
    the server is not the account's, holds no media, or another run of it is running."""
    async with app.sessionmaker() as session:
        connection = await session.scalar(
            select(Connection).where(Connection.id == connection_id, Connection.account_id == account_id)
        )
        if connection is None or connection.kind not in (ConnectionKind.PLEX, ConnectionKind.JELLYFIN):
            return None
        dry_run, live_runs = await guards.in_dry_run(session, account_id, connection_id)
        settings = await guards.settings_of(session, account_id)
        budget = await guards.budget(session, settings, live_runs=live_runs, now=now)
        session.expunge(connection)
    run_id = await runs.start(app, account_id, connection_id, dry_run=dry_run, worker_id=worker_id, now=now)
    if run_id is None:
        log.info("deletion_run_already_running", connection_id=str(connection_id))
        return None
    tally = runs.Tally()
    factory = http or default_http(app.settings, concurrency=concurrency)
    error: str | None = None
    try:
        async with open_server(app.settings, connection, factory) as server:
            run = _Run(app, connection, server, budget, now, run_id, tally)
            work = execute.Work(
                app, server, factory, run_id, now, tally, settings.clear_jellyseerr, on_gone=_bump(app, account_id)
            )
            await _settle_unknown(run, work, concurrency)
            await _process_due(run, work, concurrency)
    except CredentialError:
        error = "the server's stored token can no longer be read; enter it again on the Connections page"
    except BaseException as exc:
        await runs.finish(app, run_id, tally, error=f"{type(exc).__name__}: {exc}"[:2000], now=now)
        await _announce(app, account_id, events, tally)
        raise
    async with app.sessionmaker() as session, session.begin():
        if tally.sent and not dry_run:
            await runs.count_live_run(session, account_id, connection_id)
    await runs.finish(app, run_id, tally, error=error, now=now)
    await _announce(app, account_id, events, tally)
    log.info("deletion_run_finished", connection_id=str(connection_id), **vars(tally))
    return RunOutcome(run_id, tally)


def _bump(app: AppContext, account_id: uuid.UUID) -> Callable[[], Awaitable[None]]:
    async def bump() -> None:
        await app.page_cache.bump_quietly(account_id)  # deleted items leave the reports at once

    return bump


async def _announce(app: AppContext, account_id: uuid.UUID, events: Events, tally: runs.Tally) -> None:
    """Something left the servers: what is derived from the present items is rebuilt (copies across
    servers, duplicate candidates, the dashboard), once per run."""
    if not tally.deleted:
        return
    jobs = JobBuffer()
    async with app.sessionmaker() as session:
        await events.publish(UnitOfWork(session=session, jobs=jobs), account_id, Change.PRESENT_ITEMS)
        await session.commit()
    await jobs.flush(app.redis)
    await app.page_cache.bump_quietly(account_id)


async def _bounded(concurrency: int, jobs: list[Callable[[], Awaitable[None]]]) -> None:
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(job: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await job()

    async with asyncio.TaskGroup() as group:
        for job in jobs:
            group.create_task(one(job))


async def _settle_unknown(run: _Run, work: execute.Work, concurrency: int) -> None:
    """Rows a killed run left executing become unknown; every unknown row is read back."""
    async with run.app.sessionmaker() as session, session.begin():
        await runs.orphans_to_unknown(
            session, run.connection.account_id, run.connection.id, run_id=run.run_id, server_name=run.server.name
        )
    async with run.app.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(QueuedDeletion)
                .where(
                    QueuedDeletion.account_id == run.connection.account_id,
                    QueuedDeletion.connection_id == run.connection.id,
                    QueuedDeletion.status == DeletionStatus.UNKNOWN,
                )
                .order_by(QueuedDeletion.updated_at)
                .limit(MAX_ROWS_PER_RUN)
            )
        ).all()
        session.expunge_all()

    def settle(row: QueuedDeletion) -> Callable[[], Awaitable[None]]:
        return lambda: execute.settle_unknown(work, row)

    await _bounded(concurrency, [settle(row) for row in rows])


async def _process_due(run: _Run, work: execute.Work, concurrency: int) -> None:
    async with run.app.sessionmaker() as session:
        due = (
            await session.scalars(
                select(QueuedDeletion.id)
                .where(
                    QueuedDeletion.account_id == run.connection.account_id,
                    QueuedDeletion.connection_id == run.connection.id,
                    QueuedDeletion.status == DeletionStatus.SCHEDULED,
                    QueuedDeletion.due_at <= run.now,
                )
                .order_by(QueuedDeletion.due_at, QueuedDeletion.created_at, QueuedDeletion.id)
                .limit(MAX_ROWS_PER_RUN)
            )
        ).all()

    # Rows are judged one after the other, oldest first, each just before it is sent: the caps go to
    # the oldest rows, and what a row was judged on is at most one send old. Up to ``concurrency``
    # sends (each a delete and a read back) are in flight meanwhile.
    gate = asyncio.Semaphore(max(1, concurrency))

    async def send(row_id: uuid.UUID, checks: list[dict[str, Any]]) -> None:
        try:
            await execute.send(work, row_id, checks)
        finally:
            gate.release()

    async with asyncio.TaskGroup() as group:
        for row_id in due:
            await gate.acquire()
            try:
                checks = await _judge(run, row_id)
            except BaseException:
                gate.release()
                raise
            if checks is None:
                gate.release()
            else:
                group.create_task(send(row_id, checks))


async def _judge(run: _Run, row_id: uuid.UUID) -> list[dict[str, Any]] | None:
    """Check one due row and record what the checks decided; the checks when it is to be sent."""
    async with run.app.sessionmaker() as session, session.begin():
        row = await session.get(QueuedDeletion, row_id, populate_existing=True)
        if row is None or row.status != DeletionStatus.SCHEDULED:
            return None
        verdict = await decide(session, run, row)
        name = run.server.name
        details = {"checks": verdict.checks}
        if verdict.decision == Decision.CANCEL:
            if await move(
                session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.CANCELLED, reason=verdict.reason
            ):
                await audit.record(
                    session,
                    row,
                    AuditEvent.CANCELLED,
                    server_name=name,
                    message=verdict.reason,
                    details=details,
                    run_id=run.run_id,
                )
                run.tally.cancelled += 1
        elif verdict.decision == Decision.WAIT:
            run.tally.skipped += 1
            if await _reason_changed(session, row, verdict.reason):
                await audit.record(
                    session,
                    row,
                    AuditEvent.SKIPPED,
                    server_name=name,
                    message=verdict.reason,
                    details=details,
                    run_id=run.run_id,
                )
        elif verdict.decision == Decision.DRY_RUN:
            run.tally.dry_run += 1
            stamped = await session.execute(
                update(QueuedDeletion)
                .where(
                    QueuedDeletion.id == row.id,
                    QueuedDeletion.status == DeletionStatus.SCHEDULED,
                    QueuedDeletion.dry_run_at.is_(None),
                )
                .values(dry_run_at=run.now)
                .returning(QueuedDeletion.id)
            )
            if stamped.scalar_one_or_none() is not None:
                await audit.record(
                    session,
                    row,
                    AuditEvent.DRY_RUN,
                    server_name=name,
                    message=verdict.reason,
                    details=details,
                    run_id=run.run_id,
                )
        else:
            return verdict.checks
    return None


async def _reason_changed(session: AsyncSession, row: QueuedDeletion, reason: str | None) -> bool:
    """A row waiting for the same reason as the last time is not logged again (a paused account's
    queue would otherwise fill the log every few minutes)."""
    last = (
        await session.execute(
            select(DeletionEvent.event, DeletionEvent.message)
            .where(DeletionEvent.account_id == row.account_id, DeletionEvent.queue_id == row.id)
            .order_by(DeletionEvent.at.desc(), DeletionEvent.id.desc())
            .limit(1)
        )
    ).one_or_none()
    return last is None or last.event != AuditEvent.SKIPPED or last.message != reason


async def decide(session: AsyncSession, run: _Run, row: QueuedDeletion) -> Verdict:
    """Every check, in order, for one due row; the first that fails decides."""
    checks: list[dict[str, Any]] = []

    def check(name: str, problem: str | None, passed: str) -> str | None:
        checks.append({"check": name, "ok": problem is None, "verdict": problem or passed})
        return problem

    def verdict(decision: Decision, reason: str | None) -> Verdict:
        return Verdict(decision, reason, checks)

    account = run.connection.account_id
    account_settings = await guards.settings_of(session, account)
    problem = check("kill_switch", await guards.kill_switch(session, run.app.settings, account_settings), "off")
    if problem:
        return verdict(Decision.WAIT, problem)
    problem = check("allowlist", await guards.protected_by(session, row), "not protected")
    if problem:
        return verdict(Decision.CANCEL, problem)
    problem = check("fingerprint", await guards.fingerprint_mismatch(session, row, run.connection), "unchanged")
    if problem:
        return verdict(Decision.CANCEL, problem)
    sync = await guards.sync_verdict(
        session, account, run.connection, max_age_hours=account_settings.sync_max_age_hours, now=run.now
    )
    if check("sync", sync, "a recent complete sync with fresh figures"):
        return verdict(Decision.WAIT, sync)
    if row.reason == DeletionReason.WATCHED:
        watch = await watched_verdict(
            session, account, connection_id=row.connection_id, item_upstream_id=row.item_upstream_id, now=run.now
        )
        # Unknown keeps the file, as "no": the row is dropped with the reason (the schedule queues it
        # again once it qualifies).
        problem = None if watch.qualifies is True else ("unknown: " if watch.qualifies is None else "") + watch.why
        check("watched", problem, watch.why)
        checks[-1]["people"] = watch.evidence
        if problem:
            return verdict(Decision.CANCEL, problem)
    dry_run, _ = await guards.in_dry_run(session, account, run.connection.id)
    size = int(row.size_bytes or 0)
    refusal = run.budget.refusal(size)
    if dry_run:
        # A dry run records everything that would go; the caps only say when it would.
        check("caps", None, f"in a real run: {refusal}" if refusal else "within the caps")
    elif check("caps", refusal, "within the caps"):
        return verdict(Decision.WAIT, refusal)
    if row.reason == DeletionReason.DUPLICATE:
        problem = check("keeps_a_copy", await guards.keeps_a_copy(session, row), "another copy is kept")
        if problem:
            return verdict(Decision.CANCEL, problem)
    if row.media_id:
        wait, problem = None, await guards.last_version(session, row)
        if problem is None:
            wait, problem = await _live_versions(run, row)
        if wait:
            check("version_only", wait, "")
            return verdict(Decision.WAIT, wait)
        if check("version_only", problem, "only this version goes; the item keeps another"):
            return verdict(Decision.CANCEL, problem)
    problem = check("server_allows", await run.server_refusal(), "the server allows deletions")
    if problem:
        return verdict(Decision.WAIT, problem)
    if dry_run:
        check("dry_run", None, "dry-run: recorded, nothing deleted")
        return verdict(Decision.DRY_RUN, "dry-run: this would have been deleted")
    check("dry_run", None, "off: deleting")
    run.budget.take(size)
    return verdict(Decision.SEND, None)


async def _live_versions(run: _Run, row: QueuedDeletion) -> tuple[str | None, str | None]:
    """Just before a version delete, the item as the server lists it now must keep another version.
    (reason to wait, reason to cancel)."""
    if run.server.plex is None:
        return None, JELLYFIN_NO_VERSIONS
    live = await run.server.versions(row)
    if live is None:
        return "the item's versions could not be read from the server", None
    if live and live - {row.media_id} == set():
        return None, "it is the item's last version on the server now: deleting it would delete the item"
    return None, None
