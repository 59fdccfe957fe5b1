"""Sending one deletion and learning what happened to it.

The row is moved ``scheduled → executing`` (compare-and-set) and that is **committed before the
request goes out**: a worker killed during the call leaves ``executing``, which the next run turns
into ``unknown`` and reads back. Whatever the server answers, the item is then read back:

=====================  ==================  ==============================================
answer                 read back           row
=====================  ==================  ==============================================
accepted (2xx)         gone                deleted (executed, verified)
accepted               still there / ?     unknown (read back again by the next run)
404                    gone                deleted ("already gone")
404                    still there         failed
timeout, 5xx, cut      (next run)          unknown
400, 401, 403          —                   failed, with what a person must do
=====================  ==================  ==============================================

An ``unknown`` row is never sent again: the next run reads it back (``settle_unknown``): gone →
deleted and verified; still there → failed ("the server did not delete it"); the read fails → it
stays unknown.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.deps import AppContext
from janitor.deletions import aftermath, audit
from janitor.deletions.models import AuditEvent, DeletionStatus, QueuedDeletion
from janitor.deletions.queue import move
from janitor.deletions.runs import Tally
from janitor.deletions.upstream import Answer, HttpFactory, Presence, SeerrTarget, Sent, Server, clear_seerr

NOT_DELETED = "the server did not delete it: it still lists it after the deletion was sent"
STILL_LISTED = "the server accepted the deletion but still listed the item when read back; it is read back again"
NOT_READ_BACK = "the server accepted the deletion, but reading it back failed; it is read back again"
ALREADY_GONE = "already gone: the server answered 404 and no longer lists it"
NOT_FOUND_BUT_THERE = "the server answered 404 to the deletion but still lists the item"


@dataclass
class Work:
    """What one run shares between its rows."""

    app: AppContext
    server: Server
    http: HttpFactory
    run_id: uuid.UUID
    now: datetime
    tally: Tally
    clear_jellyseerr: bool
    # Called once something left the reports (the page cache moves on).
    on_gone: Callable[[], Awaitable[None]]


async def send(work: Work, row_id: uuid.UUID, checks: list[dict[str, Any]]) -> None:
    """Move the row to ``executing`` (committed), send its one delete, read it back, record."""
    async with work.app.sessionmaker() as session, session.begin():
        if not await move(
            session,
            row_id,
            expected=DeletionStatus.SCHEDULED,
            to=DeletionStatus.EXECUTING,
            reason=None,
            run_id=work.run_id,
            attempts=QueuedDeletion.attempts + 1,
        ):
            return  # another job has it (or the owner cancelled it a moment ago): nothing to do
        row = await session.get(QueuedDeletion, row_id, populate_existing=True)
        assert row is not None
    work.tally.sent += 1
    answer = await work.server.delete(row)
    presence = None
    if answer.sent in (Sent.ACCEPTED, Sent.NOT_FOUND):
        presence = await work.server.read_back(row)
    await _record(work, row, answer, presence, checks)


async def _record(
    work: Work, row: QueuedDeletion, answer: Answer, presence: Presence | None, checks: list[dict[str, Any]]
) -> None:
    details: dict[str, Any] = {"checks": checks, "upstream": answer.details()}
    if presence is not None:
        details["read_back"] = presence.value
    name = work.server.name
    seerr: list[SeerrTarget] | None = None  # None: nothing went
    async with work.app.sessionmaker() as session, session.begin():
        if answer.sent == Sent.ACCEPTED and presence == Presence.GONE:
            if await _deleted(session, work, row, DeletionStatus.EXECUTING, details, message=None):
                await audit.record(
                    session, row, AuditEvent.EXECUTED, server_name=name, details=details, run_id=work.run_id
                )
                seerr = await _gone(session, work, row, details, message="read back: it is gone")
        elif answer.sent == Sent.NOT_FOUND and presence == Presence.GONE:
            if await _deleted(session, work, row, DeletionStatus.EXECUTING, details, message=ALREADY_GONE):
                seerr = await _gone(session, work, row, details, message=ALREADY_GONE)
        elif answer.sent == Sent.NOT_FOUND and presence == Presence.PRESENT:
            await _failed(session, work, row, DeletionStatus.EXECUTING, NOT_FOUND_BUT_THERE, details)
        elif answer.sent == Sent.REFUSED:
            await _failed(session, work, row, DeletionStatus.EXECUTING, answer.message, details)
        else:
            if answer.sent == Sent.ACCEPTED:
                await audit.record(
                    session, row, AuditEvent.EXECUTED, server_name=name, details=details, run_id=work.run_id
                )
                why = STILL_LISTED if presence == Presence.PRESENT else NOT_READ_BACK
            elif answer.sent == Sent.NOT_FOUND:
                why = "the server answered 404, and reading it back failed; it is read back again"
            else:
                why = f"{answer.message} Whether it was deleted is not known; it is read back, never sent again."
            if await move(session, row.id, expected=DeletionStatus.EXECUTING, to=DeletionStatus.UNKNOWN, reason=why):
                await audit.record(
                    session, row, AuditEvent.UNKNOWN, server_name=name, message=why, details=details, run_id=work.run_id
                )
                work.tally.unknown += 1
    await _after_commit(work, row, seerr)


async def settle_unknown(work: Work, row: QueuedDeletion) -> None:
    """Read an ``unknown`` row back: gone → deleted and verified; still there → failed."""
    presence = await work.server.read_back(row)
    if presence == Presence.UNKNOWN:
        return
    details: dict[str, Any] = {"read_back": presence.value}
    seerr: list[SeerrTarget] | None = None
    async with work.app.sessionmaker() as session, session.begin():
        if presence == Presence.GONE:
            if await _deleted(session, work, row, DeletionStatus.UNKNOWN, details, message=None):
                seerr = await _gone(
                    session, work, row, details, message="read back after an unknown outcome: it is gone"
                )
        else:
            await _failed(session, work, row, DeletionStatus.UNKNOWN, NOT_DELETED, details)
    await _after_commit(work, row, seerr)


async def _deleted(
    session: AsyncSession,
    work: Work,
    row: QueuedDeletion,
    expected: DeletionStatus,
    details: dict[str, Any],
    *,
    message: str | None,
) -> bool:
    moved = await move(
        session, row.id, expected=expected, to=DeletionStatus.DELETED, reason=message, finished_at=work.now
    )
    if moved:
        work.tally.deleted += 1
        work.tally.deleted_bytes += int(row.size_bytes or 0)
    return moved


async def _gone(
    session: AsyncSession, work: Work, row: QueuedDeletion, details: dict[str, Any], *, message: str
) -> list[SeerrTarget]:
    """Verified: audit it, take the item (and the same file elsewhere) out of the reports, and say
    which Jellyseerr records to clear once this is committed."""
    details["items_gone"] = await aftermath.record_gone(session, row, now=work.now)
    await audit.record(
        session,
        row,
        AuditEvent.VERIFIED,
        server_name=work.server.name,
        message=message,
        details=details,
        run_id=work.run_id,
    )
    return await aftermath.seerr_targets(session, row) if work.clear_jellyseerr else []


async def _failed(
    session: AsyncSession,
    work: Work,
    row: QueuedDeletion,
    expected: DeletionStatus,
    message: str,
    details: dict[str, Any],
) -> None:
    if await move(session, row.id, expected=expected, to=DeletionStatus.FAILED, reason=message, finished_at=work.now):
        await audit.record(
            session,
            row,
            AuditEvent.FAILED,
            server_name=work.server.name,
            message=message,
            details=details,
            run_id=work.run_id,
        )
        work.tally.failed += 1


async def _after_commit(work: Work, row: QueuedDeletion, seerr: list[SeerrTarget] | None) -> None:
    if seerr is None:
        return
    await work.on_gone()
    if not seerr:
        return
    outcomes = [await clear_seerr(work.app.settings, target, work.http) for target in seerr]
    cleared = all(o.get("cleared") for o in outcomes)
    message = (
        "Jellyseerr's record of the title was cleared: it can be requested again"
        if cleared
        else "Jellyseerr's record of the title could not be cleared: "
        + "; ".join(str(o.get("message")) for o in outcomes)
    )
    async with work.app.sessionmaker() as session, session.begin():
        await audit.record(
            session,
            row,
            AuditEvent.EXECUTED,
            server_name=work.server.name,
            message=message,
            details={"jellyseerr": outcomes},
            run_id=work.run_id,
        )
