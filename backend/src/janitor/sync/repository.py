from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection
from janitor.sync.models import ACTIVE, SyncRun


class SyncRunRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def active(self) -> SyncRun | None:
        stmt = select(SyncRun).where(SyncRun.account_id == self.account_id, SyncRun.status.in_(ACTIVE))
        return await self.session.scalar(stmt)

    async def get(self, run_id: uuid.UUID) -> SyncRun | None:
        stmt = select(SyncRun).where(SyncRun.id == run_id, SyncRun.account_id == self.account_id)
        return await self.session.scalar(stmt)

    async def recent(self, limit: int) -> Sequence[SyncRun]:
        stmt = (
            select(SyncRun)
            .where(SyncRun.account_id == self.account_id)
            .order_by(SyncRun.created_at.desc())
            .limit(limit)
        )
        return (await self.session.scalars(stmt)).all()

    async def servers(self) -> int:
        """The account's connections: what a run reads."""
        stmt = select(func.count()).select_from(Connection).where(Connection.account_id == self.account_id)
        return int(await self.session.scalar(stmt) or 0)

    async def add(self, run: SyncRun) -> None:
        run.account_id = self.account_id
        self.session.add(run)
        await self.session.flush()

    async def request_cancel(self, run_id: uuid.UUID) -> None:
        await self.session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id, SyncRun.account_id == self.account_id, SyncRun.status.in_(ACTIVE))
            .values(cancel_requested=True)
        )
