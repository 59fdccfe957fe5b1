"""What happened: finished deletions with the bytes they freed, the audit log (read, filter, export)
and the dashboard's figures."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.core.csv_writer import to_csv
from janitor.core.deps import AppContext
from janitor.deletions.repository import EventFilters, QueueRepository, RowFilters
from janitor.deletions.schemas import (
    AuditPage,
    DeletionSummary,
    FrozenServer,
    HistoryPage,
    HistoryTotals,
)
from janitor.deletions.servers import ServerService
from janitor.deletions.service import event_out, row_out
from janitor.deletions.settings import SettingsService
from janitor.deletions.switches import global_switch

AUDIT_COLUMNS = (
    "at",
    "event",
    "server",
    "title",
    "reason",
    "size_bytes",
    "message",
    "upstream_id",
    "media_id",
    "queue_id",
    "run_id",
    "connection_id",
    "details",
)
# Events per query while the audit log is exported: memory holds one page, whatever the log's size.
EXPORT_PAGE = 2000


class HistoryService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id
        self.rows = QueueRepository(session, account_id)

    async def history(self, filters: RowFilters, *, page: int, page_size: int) -> HistoryPage:
        rows = await self.rows.page(filters, finished_first=True, offset=(page - 1) * page_size, limit=page_size)
        totals = await self.rows.totals(filters)
        return HistoryPage(
            items=[row_out(r, s) for r, s in rows],
            total=totals.count,
            page=page,
            page_size=page_size,
            totals=HistoryTotals(
                deleted=totals.by_status.get("deleted", 0),
                failed=totals.by_status.get("failed", 0),
                cancelled=totals.by_status.get("cancelled", 0),
                # In the history the only scheduled rows are those a dry run recorded.
                dry_run=totals.by_status.get("scheduled", 0),
                bytes_freed=totals.deleted_bytes,
                dry_run_bytes=totals.bytes_by_status.get("scheduled", 0),
            ),
        )

    async def audit(self, filters: EventFilters, *, page: int, page_size: int) -> AuditPage:
        events, total = await self.rows.audit_page(filters, offset=(page - 1) * page_size, limit=page_size)
        return AuditPage(items=[event_out(e) for e in events], total=total, page=page, page_size=page_size)


def _cells(event: Any) -> dict[str, Any]:
    out = event_out(event).model_dump(mode="json")
    return {**out, "details": orjson_text(out["details"])}


def orjson_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if value else ""


async def audit_csv(ctx: AppContext, account_id: uuid.UUID, filters: EventFilters) -> AsyncIterator[str]:
    """The filtered audit log as CSV, newest first, a page at a time, read in one snapshot (events
    written meanwhile do not shift the pages)."""
    async with ctx.sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})
        rows = QueueRepository(session, account_id)
        header = True  # the header goes with the first page: a failure there is an error response
        after: tuple[datetime, int] | None = None
        while True:
            events = await rows.audit_after(filters, after=after, limit=EXPORT_PAGE)
            if events or header:
                yield to_csv(AUDIT_COLUMNS, [_cells(e) for e in events], header=header)
            header = False
            if len(events) < EXPORT_PAGE:
                return
            after = (events[-1].at, events[-1].id)


async def summary(session: AsyncSession, account: Account) -> DeletionSummary:
    """Bytes freed, what is due this week, how much is queued, and what holds deletions back."""
    figures = await QueueRepository(session, account.id).figures(datetime.now(UTC))
    servers = await ServerService(session, account).all()
    settings = await SettingsService(session, account.id).current()
    return DeletionSummary(
        **figures,
        servers_in_dry_run=sum(s.dry_run for s in servers),
        frozen_servers=[
            FrozenServer(connection_id=s.connection_id, name=s.name, why=s.frozen_why or "")
            for s in servers
            if s.frozen
        ],
        operator_disabled=(await global_switch(session)).disabled,
        account_paused=settings.paused,
    )
