"""Where an account's syncing stands, read without starting anything: the top bar's indicator."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.errors import ErrorBody
from janitor.sync.errors import NothingToSync
from janitor.sync.schedule import next_slot
from janitor.sync.schemas import SyncStatusOut
from janitor.sync.service import SyncService, to_out


async def sync_status(session: AsyncSession, account_id: uuid.UUID, *, now: datetime) -> SyncStatusOut:
    service = SyncService(session, account_id)
    runs = await service.recent(1)
    latest = runs[0] if runs else None
    servers = await service.runs.servers()
    return SyncStatusOut(
        latest=to_out(latest) if latest else None,
        servers=servers,
        # The schedule skips accounts without a server (sync/schedule.py).
        next_scheduled_at=next_slot(account_id, now, latest.created_at if latest else None) if servers else None,
        refresh_blocked=None if servers else ErrorBody(error=NothingToSync.code, detail=NothingToSync.message),
    )
