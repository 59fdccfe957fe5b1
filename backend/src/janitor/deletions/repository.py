"""Queries of the queue, the history and the audit log, every one scoped to the account."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection
from janitor.core.search import like_literal
from janitor.deletions.models import ACTIVE_STATUSES, AuditEvent, DeletionEvent, DeletionStatus, QueuedDeletion
from janitor.library.models import MediaItem

FINISHED_STATUSES = (DeletionStatus.DELETED, DeletionStatus.FAILED, DeletionStatus.CANCELLED)


def utc(moment: datetime | None) -> datetime | None:
    """A date from a query string, in UTC (one without a zone is read as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # the first or last representable day in a zone off UTC
        return (datetime.min if moment.year < 5000 else datetime.max).replace(tzinfo=UTC)


def _ended_at() -> ColumnElement[datetime | None]:
    """When a history row happened: its end, or (still queued) when a dry run recorded it."""
    return func.coalesce(QueuedDeletion.finished_at, QueuedDeletion.dry_run_at)


@dataclass(frozen=True)
class RowFilters:
    statuses: Sequence[str]
    connection_id: uuid.UUID | None = None
    reason: str | None = None
    q: str | None = None
    since: datetime | None = None  # history: finished (or recorded by a dry run) at or after
    until: datetime | None = None  # history: finished (or recorded by a dry run) before
    # History: also the rows a dry run recorded it would delete (still scheduled, ``dry_run_at`` set).
    dry_runs: bool = False


@dataclass(frozen=True)
class EventFilters:
    event: str | None = None
    connection_id: uuid.UUID | None = None
    reason: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Totals:
    count: int
    size_bytes: int
    by_status: dict[str, int]
    bytes_by_status: dict[str, int]

    @property
    def deleted_bytes(self) -> int:
        return self.bytes_by_status.get(DeletionStatus.DELETED, 0)


class QueueRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    def _where(self, filters: RowFilters) -> list[ColumnElement[bool]]:
        status: ColumnElement[bool] = QueuedDeletion.status.in_(filters.statuses)
        if filters.dry_runs:
            recorded = and_(QueuedDeletion.status == DeletionStatus.SCHEDULED, QueuedDeletion.dry_run_at.is_not(None))
            status = or_(status, recorded) if filters.statuses else recorded
        where = [QueuedDeletion.account_id == self.account_id, status]
        if filters.connection_id is not None:
            where.append(QueuedDeletion.connection_id == filters.connection_id)
        if filters.reason is not None:
            where.append(QueuedDeletion.reason == filters.reason)
        if filters.q:
            where.append(QueuedDeletion.title.ilike(f"%{like_literal(filters.q)}%", escape="\\"))
        if filters.since is not None:
            where.append(_ended_at() >= utc(filters.since))
        if filters.until is not None:
            where.append(_ended_at() < utc(filters.until))
        return where

    def _rows(self) -> Select[QueuedDeletion, str]:
        return (
            select(QueuedDeletion, Connection.name)
            .outerjoin(Connection, Connection.id == QueuedDeletion.connection_id)
            .execution_options(populate_existing=True)
        )

    async def get(self, row_id: uuid.UUID) -> tuple[QueuedDeletion, str | None] | None:
        found = (
            await self.session.execute(
                self._rows().where(QueuedDeletion.id == row_id, QueuedDeletion.account_id == self.account_id)
            )
        ).one_or_none()
        return (found[0], found[1]) if found is not None else None

    async def page(
        self, filters: RowFilters, *, finished_first: bool, offset: int, limit: int
    ) -> list[tuple[QueuedDeletion, str | None]]:
        """One page: the queue by due time (soonest first), the history by end (newest first)."""
        order = (
            (_ended_at().desc().nulls_last(), QueuedDeletion.id)
            if finished_first
            else (QueuedDeletion.due_at, QueuedDeletion.id)
        )
        rows = await self.session.execute(
            self._rows().where(*self._where(filters)).order_by(*order).offset(offset).limit(limit)
        )
        return [(r[0], r[1]) for r in rows]

    async def totals(self, filters: RowFilters) -> Totals:
        rows = (
            await self.session.execute(
                select(QueuedDeletion.status, func.count(), func.coalesce(func.sum(QueuedDeletion.size_bytes), 0))
                .where(*self._where(filters))
                .group_by(QueuedDeletion.status)
            )
        ).all()
        by_status: dict[str, int] = {status: int(n) for status, n, _ in rows}
        sizes: dict[str, int] = {status: int(size or 0) for status, _, size in rows}
        return Totals(
            count=sum(by_status.values()),
            size_bytes=sum(sizes.values()),
            by_status=by_status,
            bytes_by_status=sizes,
        )

    async def of_item(self, connection_id: uuid.UUID, upstream_id: str) -> list[tuple[QueuedDeletion, str | None]]:
        """The active rows of a movie or show and of its seasons and episodes (gone ones too: a row
        may still be executing), the soonest due first."""
        within = select(MediaItem.upstream_id).where(
            MediaItem.account_id == self.account_id,
            MediaItem.connection_id == connection_id,
            or_(MediaItem.parent_id == upstream_id, MediaItem.grandparent_id == upstream_id),
        )
        rows = await self.session.execute(
            self._rows()
            .where(
                QueuedDeletion.account_id == self.account_id,
                QueuedDeletion.connection_id == connection_id,
                QueuedDeletion.status.in_(ACTIVE_STATUSES),
                or_(QueuedDeletion.item_upstream_id == upstream_id, QueuedDeletion.item_upstream_id.in_(within)),
            )
            .order_by(QueuedDeletion.due_at, QueuedDeletion.title, QueuedDeletion.id)
        )
        return [(r[0], r[1]) for r in rows]

    async def events(self, queue_id: uuid.UUID) -> Sequence[DeletionEvent]:
        return (
            await self.session.scalars(
                select(DeletionEvent)
                .where(DeletionEvent.account_id == self.account_id, DeletionEvent.queue_id == queue_id)
                .order_by(DeletionEvent.at, DeletionEvent.id)
            )
        ).all()

    async def waiting(self, queue_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str | None, datetime]]:
        """For rows whose latest event is "skipped" (the deleter looked and the row waits): why, and when."""
        if not queue_ids:
            return {}
        latest = (
            select(DeletionEvent.queue_id, DeletionEvent.event, DeletionEvent.message, DeletionEvent.at)
            .where(DeletionEvent.account_id == self.account_id, DeletionEvent.queue_id.in_(queue_ids))
            .order_by(DeletionEvent.queue_id, DeletionEvent.at.desc(), DeletionEvent.id.desc())
            .ext(distinct_on(DeletionEvent.queue_id))
            .subquery()
        )
        rows = await self.session.execute(
            select(latest.c.queue_id, latest.c.message, latest.c.at).where(latest.c.event == AuditEvent.SKIPPED)
        )
        return {queue_id: (message, at) for queue_id, message, at in rows}

    # ------------------------------------------------------------------------------ the audit log
    def _event_where(self, filters: EventFilters) -> list[ColumnElement[bool]]:
        where = [DeletionEvent.account_id == self.account_id]
        if filters.event is not None:
            where.append(DeletionEvent.event == filters.event)
        if filters.connection_id is not None:
            where.append(DeletionEvent.connection_id == filters.connection_id)
        if filters.reason is not None:
            where.append(DeletionEvent.deletion_reason == filters.reason)
        if filters.q:
            pattern = f"%{like_literal(filters.q)}%"
            where.append(
                or_(
                    DeletionEvent.title.ilike(pattern, escape="\\"),
                    DeletionEvent.message.ilike(pattern, escape="\\"),
                    DeletionEvent.server_name.ilike(pattern, escape="\\"),
                )
            )
        if filters.since is not None:
            where.append(DeletionEvent.at >= utc(filters.since))
        if filters.until is not None:
            where.append(DeletionEvent.at < utc(filters.until))
        return where

    async def audit_page(
        self, filters: EventFilters, *, offset: int, limit: int
    ) -> tuple[Sequence[DeletionEvent], int]:
        where = self._event_where(filters)
        total = await self.session.scalar(select(func.count()).select_from(DeletionEvent).where(*where))
        rows = await self.session.scalars(
            select(DeletionEvent)
            .where(*where)
            .order_by(DeletionEvent.at.desc(), DeletionEvent.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return rows.all(), int(total or 0)

    async def audit_after(
        self, filters: EventFilters, *, after: tuple[datetime, int] | None, limit: int
    ) -> Sequence[DeletionEvent]:
        """The next events, newest first, after (older than) ``after``: a keyset page for exports."""
        where = self._event_where(filters)
        if after is not None:
            where.append(tuple_(DeletionEvent.at, DeletionEvent.id) < tuple_(*after))
        return (
            await self.session.scalars(
                select(DeletionEvent)
                .where(*where)
                .order_by(DeletionEvent.at.desc(), DeletionEvent.id.desc())
                .limit(limit)
            )
        ).all()

    # ------------------------------------------------------------------------------ the dashboard
    async def figures(self, now: datetime) -> dict[str, int]:
        """Bytes freed (all time, last 30 days), what is due within a week, and how many are queued."""
        deleted = QueuedDeletion.status == DeletionStatus.DELETED
        due = and_(QueuedDeletion.status == DeletionStatus.SCHEDULED, QueuedDeletion.due_at < now + timedelta(days=7))
        size = func.coalesce(QueuedDeletion.size_bytes, 0)
        row = (
            await self.session.execute(
                select(
                    func.coalesce(func.sum(size).filter(deleted), 0),
                    func.coalesce(
                        func.sum(size).filter(deleted, QueuedDeletion.finished_at >= now - timedelta(days=30)), 0
                    ),
                    func.count().filter(due),
                    func.coalesce(func.sum(size).filter(due), 0),
                    func.count().filter(QueuedDeletion.status.in_(ACTIVE_STATUSES)),
                ).where(QueuedDeletion.account_id == self.account_id)
            )
        ).one()
        keys = ("bytes_freed_total", "bytes_freed_30d", "due_this_week", "due_this_week_bytes", "queued")
        return {key: int(value) for key, value in zip(keys, row, strict=True)}
