"""Putting targets in the deletion queue and moving rows between statuses.

Every status change is a compare-and-set: ``UPDATE … WHERE id = :id AND status = :expected``. Two
jobs (a retry, a duplicate delivery, two workers) racing for the same row: one wins, the other
changes nothing and is told so (``moved`` is False). Nothing here commits (the unit of work does).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection
from janitor.deletions import audit, fingerprint
from janitor.deletions.models import ACTIVE_STATUSES, AuditEvent, DeletionStatus, QueuedDeletion
from janitor.library.models import MediaItem

# The predicate of the queue's "one active row per target" index (models.py), as SQL.
ACTIVE_PREDICATE = "status IN (" + ", ".join(f"'{s.value}'" for s in ACTIVE_STATUSES) + ")"


class TitledItem(fingerprint.FileItem, Protocol):
    """What queueing reads of a synced item (a ``MediaItem``, or ``QueueItem``)."""

    @property
    def library_id(self) -> uuid.UUID: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def parent_title(self) -> str | None: ...
    @property
    def grandparent_title(self) -> str | None: ...
    @property
    def parent_index(self) -> int | None: ...
    @property
    def index(self) -> int | None: ...
    @property
    def year(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class QueueItem:
    """The columns of a synced item queueing reads, read in bulk without ORM objects (``QUEUE_ITEM_COLUMNS``)."""

    id: int
    library_id: uuid.UUID
    upstream_id: str
    kind: str
    title: str
    parent_title: str | None
    grandparent_title: str | None
    parent_index: int | None
    index: int | None
    year: int | None
    added_at: datetime | None
    size_bytes: int | None
    parts: list[dict[str, Any]]


QUEUE_ITEM_COLUMNS = (
    MediaItem.id,
    MediaItem.library_id,
    MediaItem.upstream_id,
    MediaItem.kind,
    MediaItem.title,
    MediaItem.parent_title,
    MediaItem.grandparent_title,
    MediaItem.parent_index,
    MediaItem.index,
    MediaItem.year,
    MediaItem.added_at,
    MediaItem.size_bytes,
    MediaItem.parts,
)


def display_title(item: TitledItem) -> str:
    """How a person names the target: "Show · S01E02 · Title", "Artist · Album · Track", "Movie (1999)"."""
    if item.kind == "episode":
        code = f"S{item.parent_index or 0:02d}E{item.index or 0:02d}"
        return " · ".join(x for x in (item.grandparent_title, code, item.title) if x)
    if item.kind == "season":
        return " · ".join(x for x in (item.parent_title, item.title) if x)
    if item.kind == "track":
        return " · ".join(x for x in (item.grandparent_title, item.parent_title, item.title) if x)
    return f"{item.title} ({item.year})" if item.year else item.title


def _two_digits_sql(expr: str) -> str:
    """``f"{n or 0:02d}"`` in SQL."""
    n = f"coalesce({expr}, 0)"
    return f"(CASE WHEN {n} BETWEEN 0 AND 9 THEN '0' || {n} ELSE {n}::text END)"


def display_title_sql(alias: str) -> str:
    """``display_title`` of the ``media_items`` row ``alias`` in SQL (a test holds the two to the same text)."""
    a = alias
    code = f"'S' || {_two_digits_sql(f'{a}.parent_index')} || 'E' || {_two_digits_sql(f'{a}.index')}"
    return f"""(CASE {a}.kind
    WHEN 'episode' THEN concat_ws(' · ', NULLIF({a}.grandparent_title, ''), {code}, NULLIF({a}.title, ''))
    WHEN 'season' THEN concat_ws(' · ', NULLIF({a}.parent_title, ''), NULLIF({a}.title, ''))
    WHEN 'track' THEN concat_ws(' · ', NULLIF({a}.grandparent_title, ''), NULLIF({a}.parent_title, ''),
                                NULLIF({a}.title, ''))
    ELSE CASE WHEN coalesce({a}.year, 0) <> 0 THEN {a}.title || ' (' || {a}.year || ')' ELSE {a}.title END
END)"""


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
            # A literal predicate: a bound one is unknown in the generic plan of a prepared statement
            # (from its sixth execution on) and the partial index could no longer be inferred.
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


@dataclass(frozen=True)
class Queueing:
    """One target for ``enqueue_many`` (an item as synced now, or one version of it: ``media_id``), when
    it is due and why (the row's and its audit event's details)."""

    item: TitledItem
    due_at: datetime
    details: dict[str, Any]
    media_id: str = ""


# The ``queued`` audit event (``:event``, on server ``:server``) of each row a data-modifying CTE ``added``
# put in the queue (``INSERT INTO deletion_queue … RETURNING QUEUED_RETURNING``), from the row itself.
QUEUED_RETURNING = (
    "id, account_id, connection_id, run_id, item_upstream_id, media_id, title, reason, size_bytes, details"
)
QUEUED_EVENTS_SQL = """INSERT INTO deletion_events (account_id, event, queue_id, run_id, connection_id, server_name,
                             item_upstream_id, media_id, title, deletion_reason, message, size_bytes, details)
SELECT account_id, :event, id, run_id, connection_id, :server, item_upstream_id, NULLIF(media_id, ''), title, reason,
       NULL, size_bytes, details
FROM added
RETURNING queue_id"""

# Many targets at once, each as ``enqueue`` queues one: inserted unless the target already has an
# active row (the partial unique index decides, as for one), and an audit event ``queued`` for each
# row inserted, written from the row itself in the same statement.
ENQUEUE_MANY_SQL = f"""
WITH v AS (
    SELECT * FROM unnest(CAST(:libraries AS uuid[]), CAST(:items AS text[]), CAST(:media AS text[]),
                         CAST(:kinds AS text[]), CAST(:titles AS text[]), CAST(:details AS text[]),
                         CAST(:fingerprints AS text[]), CAST(:sizes AS bigint[]), CAST(:due AS timestamptz[]))
        AS v(library_id, item, media_id, kind, title, details, fingerprint, size_bytes, due_at)
), added AS (
    INSERT INTO deletion_queue (id, account_id, connection_id, library_id, item_upstream_id, media_id, kind, title,
                                reason, origin, details, fingerprint, size_bytes, due_at, status)
    SELECT gen_random_uuid(), :a, :c, v.library_id, v.item, v.media_id, v.kind, v.title, :reason, :origin,
           CAST(v.details AS jsonb), CAST(v.fingerprint AS jsonb), v.size_bytes, v.due_at, 'scheduled'
    FROM v
    ON CONFLICT (connection_id, item_upstream_id, media_id) WHERE {ACTIVE_PREDICATE} DO NOTHING
    RETURNING {QUEUED_RETURNING}
)
{QUEUED_EVENTS_SQL}
"""  # noqa: S608 (the statuses come from code; values are bound)


async def enqueue_many(
    session: AsyncSession, *, connection: Connection, queueings: Sequence[Queueing], reason: str, origin: str
) -> list[uuid.UUID]:
    """``enqueue`` for many targets in one statement: each with its fingerprint taken now and its
    ``queued`` audit event; a target that already has an active row is left alone (queuing twice is
    harmless). Returns the ids of the rows queued. The caller has checked that the targets belong to
    ``connection`` and its account."""
    if not queueings:
        return []
    columns: dict[str, list[Any]] = {k: [] for k in ("libraries", "items", "media", "kinds", "titles")}
    columns |= {k: [] for k in ("details", "fingerprints", "sizes", "due")}
    for q in queueings:
        item = q.item
        taken = fingerprint.take(item, server_id=connection.server_id, media_id=q.media_id)
        columns["libraries"].append(item.library_id)
        columns["items"].append(item.upstream_id)
        columns["media"].append(q.media_id)
        columns["kinds"].append(item.kind)
        columns["titles"].append(display_title(item))
        columns["details"].append(orjson.dumps(q.details).decode())
        columns["fingerprints"].append(orjson.dumps(taken).decode())
        columns["sizes"].append(taken["size"])
        columns["due"].append(q.due_at)
    added = await session.scalars(
        text(ENQUEUE_MANY_SQL),
        {
            **columns,
            "a": connection.account_id,
            "c": connection.id,
            "reason": reason,
            "origin": origin,
            "event": AuditEvent.QUEUED.value,
            "server": connection.name,
        },
    )
    return list(added)


@dataclass(frozen=True)
class Cancelling:
    """One row for ``cancel_many``: why, in words (its status reason and its audit event's message),
    and what was found (the audit event's details)."""

    row_id: uuid.UUID
    reason: str
    details: dict[str, Any]


# Rows moved from ``scheduled`` to ``cancelled`` by compare-and-set (a row another job moved first is
# left alone), each with its audit event ``cancelled``, in one statement.
CANCEL_MANY_SQL = """
WITH v AS (
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:reasons AS text[]), CAST(:details AS text[]))
        AS v(id, reason, details)
), moved AS (
    UPDATE deletion_queue q
    SET status = :to, status_reason = v.reason, updated_at = now(), finished_at = :finished
    FROM v
    WHERE q.id = v.id AND q.account_id = :a AND q.status = :expected
    RETURNING q.id, q.account_id, q.connection_id, q.run_id, q.item_upstream_id, q.media_id, q.title, q.reason,
              q.size_bytes, v.reason AS message, v.details
)
INSERT INTO deletion_events (account_id, event, queue_id, run_id, connection_id, server_name, item_upstream_id,
                             media_id, title, deletion_reason, message, size_bytes, details)
SELECT account_id, :event, id, run_id, connection_id, :server, item_upstream_id, NULLIF(media_id, ''), title, reason,
       message, size_bytes, CAST(details AS jsonb)
FROM moved
RETURNING queue_id
"""


async def cancel_many(
    session: AsyncSession, account_id: uuid.UUID, cancellings: Sequence[Cancelling], *, server_name: str | None
) -> list[uuid.UUID]:
    """Cancel many ``scheduled`` rows of the account at once, each as ``move`` and ``audit.record``
    would one by one: compare-and-set (a row no longer ``scheduled`` is left alone and gets no
    event), its reason, ``finished_at``, and a ``cancelled`` audit event. Returns the ids moved."""
    if not cancellings:
        return []
    moved = await session.scalars(
        text(CANCEL_MANY_SQL),
        {
            "ids": [c.row_id for c in cancellings],
            "reasons": [c.reason for c in cancellings],
            "details": [orjson.dumps(c.details).decode() for c in cancellings],
            "a": account_id,
            "to": DeletionStatus.CANCELLED.value,
            "expected": DeletionStatus.SCHEDULED.value,
            "finished": datetime.now(UTC),
            "event": AuditEvent.CANCELLED.value,
            "server": server_name,
        },
    )
    return list(moved)


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
