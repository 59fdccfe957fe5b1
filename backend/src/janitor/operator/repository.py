"""Reads across every tenant, for the operator only (every route of the console is behind the role).
This is the one place that queries without a tenant scope on purpose: the operator's job is to see
them all."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, func, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.core.search import like_literal
from janitor.deletions.models import DeletionStatus, QueuedDeletion
from janitor.sync.models import SyncRun, SyncStatus

USAGE_DAYS = 30


@dataclass
class TenantFigures:
    """One tenant's figures. ``row_bytes`` is the size of their rows as Postgres stores them: the sum
    of ``pg_column_size`` of each row in every table with an ``account_id`` column (values kept out
    of line, TOAST, count at their stored, compressed size); indexes, page headers and free space
    are not included, so the disk they take is somewhat more."""

    connections: int = 0
    items: int = 0
    row_bytes: int = 0
    last_sync_status: str | None = None
    last_sync_at: datetime | None = None
    syncs_30d: int = 0
    failed_syncs_30d: int = 0
    deletions_executed: int = 0
    rows: dict[str, int] = field(default_factory=dict)


# One tenant table's rows and their stored size, per account of the page.
_ROWS_OF = (
    "SELECT '{table}' AS t, account_id, count(*) AS n, coalesce(sum(pg_column_size(x.*)), 0) AS bytes "
    'FROM "{table}" x WHERE account_id = ANY(:ids) GROUP BY account_id'
)
_IDS = bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _matching(self, q: str | None) -> list[ColumnElement[bool]]:
        return [Account.email.ilike(f"%{like_literal(q.strip().lower())}%", escape="\\")] if q and q.strip() else []

    async def page(self, *, q: str | None, page: int, page_size: int) -> tuple[Sequence[Account], int]:
        """Accounts whose e-mail contains ``q`` (any case), newest first."""
        where = self._matching(q)
        total = await self.session.scalar(select(func.count()).select_from(Account).where(*where)) or 0
        rows = await self.session.scalars(
            select(Account)
            .where(*where)
            .order_by(Account.created_at.desc(), Account.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        return rows.all(), total

    async def every(self) -> Sequence[Account]:
        return (await self.session.scalars(select(Account).order_by(Account.created_at, Account.id))).all()

    async def get(self, account_id: uuid.UUID) -> Account | None:
        return await self.session.get(Account, account_id)

    async def _tenant_tables(self) -> list[str]:
        rows = await self.session.scalars(
            text(
                "SELECT c.table_name FROM information_schema.columns c "
                "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                "WHERE c.table_schema = current_schema() AND c.column_name = 'account_id' "
                "AND t.table_type = 'BASE TABLE' ORDER BY c.table_name"
            )
        )
        return list(rows.all())

    async def figures(self, ids: Sequence[uuid.UUID], *, now: datetime) -> dict[uuid.UUID, TenantFigures]:
        out = {i: TenantFigures() for i in ids}
        if not ids:
            return out
        # Table names come from the catalog, never from a request; quoted all the same.
        parts = [_ROWS_OF.format(table=t) for t in await self._tenant_tables()]
        counted = await self.session.execute(text(" UNION ALL ".join(parts)).bindparams(_IDS), {"ids": list(ids)})
        for table, account_id, n, size in counted:
            f = out[account_id]
            f.rows[table] = int(n)
            f.row_bytes += int(size)
        for f in out.values():
            f.connections = f.rows.get("connections", 0)
            f.items = f.rows.get("media_items", 0)
        latest = await self.session.execute(
            select(SyncRun.account_id, SyncRun.status, func.coalesce(SyncRun.finished_at, SyncRun.created_at))
            .where(SyncRun.account_id.in_(ids))
            .order_by(SyncRun.account_id, SyncRun.created_at.desc())
            .ext(distinct_on(SyncRun.account_id))
        )
        for account_id, status, at in latest:
            out[account_id].last_sync_status, out[account_id].last_sync_at = status, at
        since = now - timedelta(days=USAGE_DAYS)
        recent = await self.session.execute(
            select(
                SyncRun.account_id,
                func.count(),
                func.count().filter(SyncRun.status == SyncStatus.FAILED),
            )
            .where(SyncRun.account_id.in_(ids), SyncRun.created_at >= since)
            .group_by(SyncRun.account_id)
        )
        for account_id, n, failed in recent:
            out[account_id].syncs_30d, out[account_id].failed_syncs_30d = n, failed
        deleted = await self.session.execute(
            select(QueuedDeletion.account_id, func.count())
            .where(QueuedDeletion.account_id.in_(ids), QueuedDeletion.status == DeletionStatus.DELETED)
            .group_by(QueuedDeletion.account_id)
        )
        for account_id, n in deleted:
            out[account_id].deletions_executed = n
        return out

    async def failing_syncs(self, *, limit: int) -> Sequence[tuple[SyncRun, str]]:
        """The tenants whose latest finished sync failed or was partial, most recent first, with the
        account's e-mail: what needs a look across the service."""
        latest = (
            select(SyncRun.id)
            .where(SyncRun.status.not_in((SyncStatus.QUEUED, SyncStatus.RUNNING, SyncStatus.CANCELLED)))
            .order_by(SyncRun.account_id, SyncRun.created_at.desc())
            .ext(distinct_on(SyncRun.account_id))
            .subquery()
        )
        rows = await self.session.execute(
            select(SyncRun, Account.email)
            .join(Account, Account.id == SyncRun.account_id)
            .where(
                SyncRun.id.in_(select(latest.c.id)),
                or_(SyncRun.status == SyncStatus.FAILED, SyncRun.status == SyncStatus.PARTIAL),
            )
            .order_by(SyncRun.finished_at.desc().nulls_last())
            .limit(limit)
        )
        return [(run, email) for run, email in rows.all()]
