from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.reports.models import ReportSettings


class ReportSettingsRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def get_or_create(self) -> ReportSettings:
        found = await self.session.get(ReportSettings, self.account_id)
        if found is not None:
            return found
        await self.session.execute(insert(ReportSettings).values(account_id=self.account_id).on_conflict_do_nothing())
        row = await self.session.get(ReportSettings, self.account_id)
        assert row is not None
        return row
