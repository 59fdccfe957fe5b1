"""Putting targets in the deletion queue and moving rows between statuses.

Every status change is a compare-and-set: ``UPDATE … WHERE id = :id AND status = :expected``. Two
jobs (a retry, a duplicate delivery, two workers) racing for the same row: one wins, the other
changes nothing and is told so (``moved`` is False). Nothing here commits (the unit of work does).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection
from janitor.deletions import audit, fingerprint
from janitor.deletions.models import ACTIVE_STATUSES, AuditEvent, DeletionStatus, QueuedDeletion
from janitor.library.models import MediaItem

ACTIVE_PREDICATE = "status IN (" + ", ".join(f"'{s.value}'" for s in ACTIVE_STATUSES) + ")"


def display_title(item: MediaItem) -> str:
    """How a person names the target: "Show · S01E02 · Title", "Artist · Album · Track", "Movie (1999)"."""
    if item.kind == "episode":
        code = f"S{item.parent_index or 0:02d}E{item.index or 0:02d}"
        return " · ".join(x for x in (item.grandparent_title, code, item.title) if x)
    if item.kind == "season":
        return " · ".join(x for x in (item.parent_title, item.title) if x)
    if item.kind == "track":
        return " · ".join(x for x in (item.grandparent_title, item.parent_title, item.title) if x)
    return f"{item.title} ({item.year})" if item.year else item.title


@dataclass(frozen=True)
class Target:
    """What to queue: an item as synced now, or one version of it (``media_id``)."""

    item: MediaItem
    media_id: str = ""


async def enqueue(
    session: AsyncSession,
    *,
    connection: Connection,
    target: Target,
    reason: str,
    origin: str,
    due_at: datetime,
    details: dict[str, Any] | None = None,
) -> QueuedDeletion | None:
    """Queue one target with its fingerprint taken now, and record it in the audit log. None when
    the target already has an active row (scheduled, executing or unknown): queuing twice is
    harmless. The caller has checked the target belongs to ``connection`` and its account."""
    item = target.item
    taken = fingerprint.take(item, server_id=connection.server_id, media_id=target.media_id)
    values = {
        "id": uuid.uuid4(),
        "account_id": connection.account_id,
        "connection_id": connection.id,
        "library_id": item.library_id,
        "item_upstream_id": item.upstream_id,
        "media_id": target.media_id,
        "kind": item.kind,
        "title": display_title(item),
        "reason": reason,
        "origin": origin,
        "details": details or {},
        "fingerprint": taken,
        "size_bytes": taken["size"],
        "due_at": due_at,
        "status": DeletionStatus.SCHEDULED,
    }
    stmt = (
        insert(QueuedDeletion)
        .values(values)
        .on_conflict_do_nothing(
            index_elements=["connection_id", "item_upstream_id", "media_id"],
            # Literal, not bound: Postgres infers the partial unique index only from a predicate it
            # can prove at planning time (bound values fail once a generic plan is used).
            index_where=text(ACTIVE_PREDICATE),
        )
        .returning(QueuedDeletion.id)
    )
    new_id = await session.scalar(stmt)
    if new_id is None:
        return None
    row = await session.get(QueuedDeletion, new_id)
    assert row is not None
    await audit.record(session, row, AuditEvent.QUEUED, server_name=connection.name, details=details)
    return row


async def active_row(
    session: AsyncSession, account_id: uuid.UUID, *, connection_id: uuid.UUID, item_upstream_id: str, media_id: str = ""
) -> QueuedDeletion | None:
    return await session.scalar(
        select(QueuedDeletion).where(
            QueuedDeletion.account_id == account_id,
            QueuedDeletion.connection_id == connection_id,
            QueuedDeletion.item_upstream_id == item_upstream_id,
            QueuedDeletion.media_id == media_id,
            QueuedDeletion.status.in_(ACTIVE_STATUSES),
        )
    )


TERMINAL = (DeletionStatus.DELETED, DeletionStatus.FAILED, DeletionStatus.CANCELLED)


async def move(
    session: AsyncSession,
    row_id: uuid.UUID,
    *,
    expected: DeletionStatus,
    to: DeletionStatus,
    reason: str | None = None,
    **values: Any,
) -> bool:
    """Compare-and-set a row from ``expected`` to ``to`` (with ``reason`` and any other columns).
    True when this call moved it; False when the row was not in ``expected`` any more (another job
    got there first): the caller then does nothing."""
    changes: dict[str, Any] = {"status": to, "updated_at": func.now(), **values}
    if reason is not None:
        changes["status_reason"] = reason
    if to in TERMINAL:
        changes.setdefault("finished_at", datetime.now(UTC))
    moved = await session.execute(
        update(QueuedDeletion)
        .where(QueuedDeletion.id == row_id, QueuedDeletion.status == expected)
        .values(changes)
        .returning(QueuedDeletion.id)
    )
    return moved.scalar_one_or_none() is not None
