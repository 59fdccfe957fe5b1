"""The setup checklist's state: each step from the account's data, in one read.

- ``connect``: a Plex or Jellyfin connection exists (Jellyseerr alone has no library to clean up).
- ``libraries``: at least one library of those servers is read by the sync (movie and TV libraries are
  read by default once a server is connected; the owner picks others or turns them off).
- ``languages``: the owner chose the required languages (``report_settings.languages_chosen_at``); the
  language report waits for it.
- ``sync``: a sync run read a Plex or Jellyfin server completely (``complete``, not ``partial``).
- ``dashboard``: the dashboard showed the figures of such a run (the SPA says so once).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.library.languages import language_name
from janitor.reports.service import ReportSettingsService
from janitor.setup.errors import NoCompleteSync
from janitor.setup.repository import SetupRepository
from janitor.setup.schemas import STEP_ORDER, SetupOut, SetupStep, SetupUpdate


class SetupService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id
        self.repo = SetupRepository(session, account_id)

    async def state(self) -> SetupOut:
        facts = await self.repo.facts()
        row = await self.repo.get()
        settings = await ReportSettingsService(self.session, self.account_id).get()
        dismissed_at = row.dismissed_at if row else None
        seen_at = row.dashboard_seen_at if row else None
        done = {
            "connect": facts.media_servers > 0,
            "libraries": facts.libraries_enabled > 0,
            "languages": settings.languages_chosen_at is not None,
            "sync": facts.last_complete_sync_at is not None,
            "dashboard": seen_at is not None,
        }
        audio, subtitles = settings.required_audio_languages, settings.required_subtitle_languages
        return SetupOut(
            steps=[SetupStep(key=key, done=done[key]) for key in STEP_ORDER],
            done=all(done.values()),
            dismissed=dismissed_at is not None,
            media_servers=facts.media_servers,
            libraries=facts.libraries,
            libraries_enabled=facts.libraries_enabled,
            languages_chosen_at=settings.languages_chosen_at,
            audio_languages=audio,
            subtitle_languages=subtitles,
            language_names={code: language_name(code) for code in [*audio, *subtitles]},
            last_complete_sync_at=facts.last_complete_sync_at,
            dashboard_seen_at=seen_at,
        )

    async def update(self, change: SetupUpdate) -> SetupOut:
        row = await self.repo.get_or_create()
        if change.dismissed and row.dismissed_at is None:
            row.dismissed_at = datetime.now(UTC)
        elif not change.dismissed:
            row.dismissed_at = None
        await self.session.flush()
        return await self.state()

    async def dashboard_seen(self) -> SetupOut:
        """Record the first time the dashboard showed figures; before a complete sync it has none (409)."""
        if (await self.repo.facts()).last_complete_sync_at is None:
            raise NoCompleteSync()
        row = await self.repo.get_or_create()
        if row.dashboard_seen_at is None:
            row.dashboard_seen_at = datetime.now(UTC)
            await self.session.flush()
        return await self.state()
