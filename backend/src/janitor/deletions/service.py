"""The queue as the owner sees it: list, look at one row with its audit events, cancel (optionally
keeping the item forever), postpone.

Cancel and postpone are compare-and-sets on ``scheduled``: a row the deleter already took
(``executing``, or ``unknown`` while it checks what the server did) is not the owner's to change
any more and answers 409. Cancelling a scheduled row always works, whatever the kill switches and
dry-run say: stopping a deletion is never blocked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.errors import UnknownItems
from janitor.allowlists.models import ListName
from janitor.allowlists.schemas import AddEntries, ItemRef
from janitor.allowlists.service import AllowlistService
from janitor.connections.models import Connection
from janitor.deletions import audit
from janitor.deletions.errors import (
    AlreadyExecuting,
    AlreadyFinished,
    KeepForeverImpossible,
    PostponeInvalid,
    QueueRowNotFound,
    ServerNotFound,
)
from janitor.deletions.models import AuditEvent, DeletionEvent, DeletionStatus, QueuedDeletion
from janitor.deletions.queue import move
from janitor.deletions.repository import QueueRepository, RowFilters, utc
from janitor.deletions.schemas import (
    MAX_POSTPONE_HOURS,
    AuditEventOut,
    CancelIn,
    PostponeIn,
    QueuePage,
    QueueRowDetail,
    QueueRowOut,
)


def row_out(row: QueuedDeletion, server: str | None, waiting: tuple[str | None, datetime] | None = None) -> QueueRowOut:
    why = (row.details or {}).get("why")
    held = waiting if row.status == DeletionStatus.SCHEDULED else None
    return QueueRowOut(
        id=row.id,
        connection_id=row.connection_id,
        server=server,
        library_id=row.library_id,
        upstream_id=row.item_upstream_id,
        media_id=row.media_id or None,
        kind=row.kind,
        title=row.title,
        reason=row.reason,
        origin=row.origin,
        status=row.status,
        status_reason=row.status_reason,
        why=why if isinstance(why, str) else None,
        details=row.details or {},
        size_bytes=row.size_bytes,
        due_at=row.due_at,
        dry_run_at=row.dry_run_at,
        waiting=(held[0] or "held back") if held else None,
        waiting_at=held[1] if held else None,
        attempts=row.attempts,
        created_at=row.created_at,
        finished_at=row.finished_at,
    )


def event_out(event: DeletionEvent) -> AuditEventOut:
    return AuditEventOut(
        id=event.id,
        at=event.at,
        event=event.event,
        queue_id=event.queue_id,
        run_id=event.run_id,
        connection_id=event.connection_id,
        server=event.server_name,
        upstream_id=event.item_upstream_id,
        media_id=event.media_id,
        title=event.title,
        reason=event.deletion_reason,
        message=event.message,
        size_bytes=event.size_bytes,
        details=event.details or {},
    )


def still_scheduled(row: QueuedDeletion) -> None:
    """409 unless the row is still the owner's to change."""
    if row.status == DeletionStatus.EXECUTING:
        raise AlreadyExecuting()
    if row.status == DeletionStatus.UNKNOWN:
        raise AlreadyExecuting(
            "The server did not say whether this item was deleted; it is being checked again, so it can no longer "
            "be cancelled or postponed. Its outcome appears in the history."
        )
    if row.status != DeletionStatus.SCHEDULED:
        raise AlreadyFinished(f"This deletion is already {row.status}; see the history.")


def _words(action: str, note: str | None) -> str:
    return f"{action} by you: {note}" if note else f"{action} by you"


class QueueService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id
        self.rows = QueueRepository(session, account_id)

    async def page(self, filters: RowFilters, *, page: int, page_size: int) -> QueuePage:
        rows = await self.rows.page(filters, finished_first=False, offset=(page - 1) * page_size, limit=page_size)
        totals = await self.rows.totals(filters)
        waiting = await self.rows.waiting([r.id for r, _ in rows if r.status == DeletionStatus.SCHEDULED])
        return QueuePage(
            items=[row_out(r, s, waiting.get(r.id)) for r, s in rows],
            total=totals.count,
            total_bytes=totals.size_bytes,
            page=page,
            page_size=page_size,
        )

    async def of_item(self, connection_id: uuid.UUID, upstream_id: str) -> list[QueueRowOut]:
        """What of a movie or show (itself, its seasons, its episodes) is in the queue now."""
        owned = await self.session.scalar(
            select(Connection.id).where(Connection.id == connection_id, Connection.account_id == self.account_id)
        )
        if owned is None:
            raise ServerNotFound()
        return [row_out(r, s) for r, s in await self.rows.of_item(connection_id, upstream_id)]

    async def _get(self, row_id: uuid.UUID) -> tuple[QueuedDeletion, str | None]:
        found = await self.rows.get(row_id)
        if found is None:
            raise QueueRowNotFound()
        return found

    async def detail(self, row_id: uuid.UUID) -> QueueRowDetail:
        row, server = await self._get(row_id)
        events = await self.rows.events(row.id)
        last = events[-1] if events else None
        waiting = (last.message, last.at) if last is not None and last.event == AuditEvent.SKIPPED else None
        return QueueRowDetail(
            **row_out(row, server, waiting).model_dump(),
            fingerprint=row.fingerprint,
            events=[event_out(e) for e in events],
        )

    async def _moved(self, row_id: uuid.UUID, moved: bool) -> tuple[QueuedDeletion, str | None]:
        """The row after a compare-and-set; a lost race answers as if the row had been found so."""
        row, server = await self._get(row_id)
        if not moved:
            still_scheduled(row)  # raises: something else moved it first
        return row, server

    async def cancel(self, row_id: uuid.UUID, body: CancelIn) -> QueueRowOut:
        row, server = await self._get(row_id)
        still_scheduled(row)
        message = _words("Cancelled", body.note)
        if body.keep_forever:
            await self._protect(row, body.note)
            message += "; added to the Protected list"
        moved = await move(
            self.session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.CANCELLED, reason=message
        )
        row, server = await self._moved(row.id, moved)
        await audit.record(
            self.session,
            row,
            AuditEvent.CANCELLED,
            server_name=server,
            message=message,
            details={"by": "owner", "keep_forever": body.keep_forever, "note": body.note},
        )
        return row_out(row, server)

    async def _protect(self, row: QueuedDeletion, note: str | None) -> None:
        entry = AddEntries.model_validate(
            {
                "list": ListName.PROTECTED,
                "items": [ItemRef(connection_id=row.connection_id, upstream_id=row.item_upstream_id)],
                "note": note or "Kept forever from the deletion queue",
            }
        )
        try:
            await AllowlistService(self.session, self.account_id).add(entry)
        except UnknownItems:
            raise KeepForeverImpossible() from None

    async def run_now(self, row_id: uuid.UUID) -> QueueRowOut:
        """Due now (a row already due keeps its time): the owner skips the rest of the wait. Nothing
        else changes: the deleter checks everything at the run, dry-run included."""
        row, server = await self._get(row_id)
        still_scheduled(row)
        now = datetime.now(UTC)
        before = row.due_at
        moved = await move(
            self.session,
            row.id,
            expected=DeletionStatus.SCHEDULED,
            to=DeletionStatus.SCHEDULED,
            due_at=min(before, now),
        )
        row, server = await self._moved(row.id, moved)
        await audit.record(
            self.session,
            row,
            AuditEvent.RUN_NOW,
            server_name=server,
            message="Run now by you: the rest of the wait was skipped",
            details={"from": before.isoformat(), "to": row.due_at.isoformat()},
        )
        return row_out(row, server)

    async def postpone(self, row_id: uuid.UUID, body: PostponeIn) -> QueueRowOut:
        row, server = await self._get(row_id)
        still_scheduled(row)
        now = datetime.now(UTC)
        until = utc(body.until)
        due = until if until is not None else max(row.due_at, now) + timedelta(hours=body.hours or 0)
        if due <= max(row.due_at, now):
            raise PostponeInvalid("The new due time must be later than the current one (and in the future).")
        if due > now + timedelta(hours=MAX_POSTPONE_HOURS):
            raise PostponeInvalid("An item can be postponed to 90 days from now at most; cancel it to keep it.")
        before = row.due_at
        moved = await move(
            self.session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.SCHEDULED, due_at=due
        )
        row, server = await self._moved(row.id, moved)
        await audit.record(
            self.session,
            row,
            AuditEvent.POSTPONED,
            server_name=server,
            message=_words("Postponed", body.note),
            details={"from": before.isoformat(), "to": due.isoformat(), "note": body.note},
        )
        return row_out(row, server)
