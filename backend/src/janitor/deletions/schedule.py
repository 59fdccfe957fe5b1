"""The watch-based schedule: what every assigned person has watched goes in the deletion queue.

After every sync, and after the owner changes assignments (one job per account, coalesced), for each
server: every assigned movie and every present episode of every assigned show (or, with
``DeletionSettings.whole_seasons``, every season of them) is judged by the watch rule
(``deletions.watched``). An item that qualifies and is not in the queue yet is queued (``reason
watched``, ``origin schedule``) to go after the delay (the library's own, else the account's, else
24 h), with each person's evidence; a row the schedule queued that no longer qualifies (someone newly
assigned has not watched it, nobody is assigned any more, an answer became unknown, it was protected,
its file was replaced, it is gone) and is still only ``scheduled`` is cancelled with the reason.

**Frozen**: the schedule decides nothing (queues nothing, cancels nothing) while the account's data
may not feed deletions (``sync.freshness.data_may_feed_deletions``: a sync running, the latest one not
complete, its derived data stale), and for a server whose part of the latest sync was not complete (a
mass-vanish hold-back makes it incomplete). ``freeze_reasons`` says why, for the status endpoint.
Running it twice on the same data changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, ConnectionKind
from janitor.deletions import audit
from janitor.deletions.models import (
    ACTIVE_STATUSES,
    AuditEvent,
    DeletionReason,
    DeletionSettings,
    DeletionStatus,
    LibraryDeletionDelay,
    QueuedDeletion,
)
from janitor.deletions.queue import Target, enqueue, move
from janitor.deletions.watched import ITEM_COLUMNS, ItemRow, ServerFacts, Verdict, judge, load_facts
from janitor.library.models import MediaItem
from janitor.people.health import RunRead, watch_problems
from janitor.sync.freshness import data_may_feed_deletions
from janitor.sync.models import SyncRun, SyncStatus

log = structlog.get_logger(__name__)

ORIGIN = "schedule"
DEFAULT_DELAY_HOURS = 24
WATCH_KINDS = (ConnectionKind.PLEX, ConnectionKind.JELLYFIN)


@dataclass(frozen=True)
class Freeze:
    """Why the schedule decides nothing for the account (``connection_id`` None) or for one server."""

    connection_id: uuid.UUID | None
    server: str | None
    reason: str


@dataclass
class Outcome:
    queued: int = 0
    cancelled: int = 0
    judged: int = 0
    frozen: list[Freeze] = field(default_factory=list)


async def latest_run(session: AsyncSession, account_id: uuid.UUID) -> SyncRun | None:
    """The account's latest sync run that started and ended."""
    found: SyncRun | None = await session.scalar(
        select(SyncRun)
        .where(SyncRun.account_id == account_id, SyncRun.started_at.is_not(None), SyncRun.finished_at.is_not(None))
        .order_by(SyncRun.created_at.desc())
        .limit(1)
    )
    return found


def run_read(run: SyncRun) -> RunRead | None:
    if run.finished_at is None:
        return None
    return RunRead(id=run.id, finished_at=run.finished_at, sources=dict(run.sources or {}))


async def _account_freeze(session: AsyncSession, account_id: uuid.UUID, run: SyncRun | None) -> str | None:
    if await data_may_feed_deletions(session, account_id):
        return None
    running = await session.scalar(
        select(SyncRun.id).where(SyncRun.account_id == account_id, SyncRun.status == SyncStatus.RUNNING).limit(1)
    )
    if running is not None:
        return "a sync is running: the schedule waits for it to finish"
    if run is None:
        return "no sync has finished yet: there is nothing to decide from"
    if run.status != SyncStatus.COMPLETE:
        return f"the last sync did not complete ({run.status}): the schedule waits for a complete sync"
    return "the report figures of the last sync are out of date: the schedule waits for the next sync to rebuild them"


def _server_freeze(conn: Connection, run: SyncRun) -> str | None:
    source = (run.sources or {}).get(str(conn.id))
    if not isinstance(source, dict):
        return "the last sync did not read this server: its schedule waits for a complete sync"
    if source.get("status") != "complete":
        why = f" ({source['error']})" if source.get("error") else ""
        return f"the last sync did not read this server completely{why}: its schedule waits for a complete sync"
    return None


async def freeze_reasons(session: AsyncSession, account_id: uuid.UUID) -> list[Freeze]:
    """Why the schedule decides nothing now, for the account or per server (empty: it runs)."""
    run = await latest_run(session, account_id)
    account = await _account_freeze(session, account_id, run)
    if account is not None:
        return [Freeze(None, None, account)]
    assert run is not None
    out: list[Freeze] = []
    for conn in await _connections(session, account_id):
        reason = _server_freeze(conn, run)
        if reason is not None:
            out.append(Freeze(conn.id, conn.name, reason))
    return out


async def _connections(session: AsyncSession, account_id: uuid.UUID) -> list[Connection]:
    return list(
        (
            await session.scalars(
                select(Connection)
                .where(Connection.account_id == account_id, Connection.kind.in_(WATCH_KINDS))
                .order_by(Connection.created_at, Connection.id)
            )
        ).all()
    )


@dataclass(frozen=True)
class Delays:
    account_hours: int
    libraries: dict[uuid.UUID, int]
    whole_seasons: bool

    def due(self, library_id: uuid.UUID, now: datetime) -> datetime:
        return now + timedelta(hours=self.libraries.get(library_id, self.account_hours))


async def _delays(session: AsyncSession, account_id: uuid.UUID) -> Delays:
    settings = await session.get(DeletionSettings, account_id)
    rows = await session.execute(
        select(LibraryDeletionDelay.library_id, LibraryDeletionDelay.delay_hours).where(
            LibraryDeletionDelay.account_id == account_id
        )
    )
    return Delays(
        account_hours=settings.delay_hours if settings is not None else DEFAULT_DELAY_HOURS,
        libraries={library_id: hours for library_id, hours in rows},
        whole_seasons=bool(settings.whole_seasons) if settings is not None else False,
    )


def candidates(facts: ServerFacts, *, whole_seasons: bool) -> list[ItemRow]:
    """What the schedule judges on one server: the assigned movies, and the episodes (or the seasons)
    of the assigned shows, present now."""
    kinds = ("movie", "season") if whole_seasons else ("movie", "episode")
    return [
        item
        for item in facts.items.values()
        if item.kind in kinds and item.target is not None and item.target in facts.assignees
    ]


def mode_mismatch(kind: str, *, whole_seasons: bool) -> str | None:
    """A row queued under the other setting (episodes one by one, or whole seasons) no longer fits."""
    if whole_seasons and kind == "episode":
        return "whole seasons are queued now, not single episodes"
    if not whole_seasons and kind == "season":
        return "episodes are queued one by one now, not whole seasons"
    return None


async def run_schedule(session: AsyncSession, account_id: uuid.UUID, *, now: datetime) -> Outcome:
    """Queue what qualifies and cancel what no longer does (see the module's docstring). Nothing here
    commits; one schedule per account at a time (a transaction-scoped lock)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('deletion_schedule:' || :a))"), {"a": str(account_id)}
    )
    outcome = Outcome(frozen=await freeze_reasons(session, account_id))
    if any(f.connection_id is None for f in outcome.frozen):
        return outcome
    held = {f.connection_id for f in outcome.frozen}
    delays = await _delays(session, account_id)
    problems = await watch_problems(session, account_id, now=now)
    for conn in await _connections(session, account_id):
        if conn.id in held:
            continue
        await _schedule_server(session, account_id, conn, now=now, delays=delays, problems=problems, outcome=outcome)
    return outcome


async def _schedule_server(
    session: AsyncSession,
    account_id: uuid.UUID,
    conn: Connection,
    *,
    now: datetime,
    delays: Delays,
    problems: dict[tuple[uuid.UUID, str], str],
    outcome: Outcome,
) -> None:
    rows = list(
        (
            await session.scalars(
                select(QueuedDeletion).where(
                    QueuedDeletion.account_id == account_id,
                    QueuedDeletion.connection_id == conn.id,
                    QueuedDeletion.status.in_(ACTIVE_STATUSES),
                )
            )
        ).all()
    )
    # Whole items already in the queue, whoever queued them: nothing to add for them.
    busy = {r.item_upstream_id for r in rows if r.media_id == ""}
    ours = [r for r in rows if r.origin == ORIGIN and r.status == DeletionStatus.SCHEDULED]
    row_items = await _items(session, account_id, conn.id, [r.item_upstream_id for r in ours])
    extra = {t for found in row_items.values() if (t := found.target) is not None}
    facts = await load_facts(session, account_id, connection=conn, now=now, problems=problems, also=extra)
    for found in row_items.values():
        facts.items.setdefault(found.upstream_id, found)

    for row in ours:
        item = facts.items.get(row.item_upstream_id)
        if item is None:
            reason = "it is no longer on the server"
            verdict = Verdict(False, reason)
        else:
            reason = mode_mismatch(item.kind, whole_seasons=delays.whole_seasons) or ""
            verdict = judge(facts, item, now=now)
            if not reason and verdict.qualifies is True:
                continue
            reason = reason or (
                f"no longer qualifies: {verdict.why}" if verdict.qualifies is False else f"unknown now: {verdict.why}"
            )
        if await move(session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.CANCELLED, reason=reason):
            await audit.record(
                session, row, AuditEvent.CANCELLED, server_name=conn.name, message=reason, details=verdict.details()
            )
            outcome.cancelled += 1

    queue: list[tuple[ItemRow, Verdict]] = []
    for item in candidates(facts, whole_seasons=delays.whole_seasons):
        outcome.judged += 1
        if item.upstream_id in busy:
            continue
        verdict = judge(facts, item, now=now)
        if verdict.qualifies is True:
            queue.append((item, verdict))
    if not queue:
        return
    synced = await session.scalars(
        select(MediaItem).where(
            MediaItem.account_id == account_id,
            MediaItem.connection_id == conn.id,
            MediaItem.id.in_([item.id for item, _ in queue]),
        )
    )
    by_id = {m.id: m for m in synced}
    for item, verdict in queue:
        media = by_id.get(item.id)
        if media is None:
            continue
        queued = await enqueue(
            session,
            connection=conn,
            target=Target(media),
            reason=DeletionReason.WATCHED,
            origin=ORIGIN,
            due_at=delays.due(item.library_id, now),
            details=verdict.details(),
        )
        if queued is not None:
            outcome.queued += 1


async def _items(
    session: AsyncSession, account_id: uuid.UUID, connection_id: uuid.UUID, upstream_ids: list[str]
) -> dict[str, ItemRow]:
    if not upstream_ids:
        return {}
    rows = await session.execute(
        select(*ITEM_COLUMNS).where(
            MediaItem.account_id == account_id,
            MediaItem.connection_id == connection_id,
            MediaItem.upstream_id.in_(upstream_ids),
            MediaItem.gone.is_(False),
        )
    )
    return {r.upstream_id: ItemRow(*r) for r in rows}


def describe(outcome: Outcome) -> dict[str, Any]:
    return {
        "queued": outcome.queued,
        "cancelled": outcome.cancelled,
        "judged": outcome.judged,
        "frozen": [f.reason if f.server is None else f"{f.server}: {f.reason}" for f in outcome.frozen],
    }
