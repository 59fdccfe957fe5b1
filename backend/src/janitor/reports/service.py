from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.reports.models import ReportSettings
from janitor.reports.repository import ReportSettingsRepository
from janitor.reports.schemas import ReportSettingsUpdate


class ReportSettingsService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.settings = ReportSettingsRepository(session, account_id)

    async def get(self) -> ReportSettings:
        return await self.settings.get_or_create()

    async def update(self, change: ReportSettingsUpdate) -> ReportSettings:
        row = await self.settings.get_or_create()
        for field, value in change.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(row, field, value)
        await self.session.flush()
        return row
