from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.errors import BadRequest
from janitor.library.languages import UnknownLanguage, required_languages
from janitor.reports.models import ReportSettings
from janitor.reports.repository import ReportSettingsRepository
from janitor.reports.schemas import LanguagesIn, ReportSettingsUpdate

LANGUAGE_FIELDS = ("required_audio_languages", "required_subtitle_languages")


class LanguageUnknown(BadRequest):
    """A required language the language table does not know (the schema cannot list every name)."""

    code = "unknown_language"
    message = "That is not a language we know."


def canonical_languages(field: str, values: list[str]) -> list[str]:
    """library/languages.py's canonical list; the first unknown entry is a 400 on the field, its
    message quoting the entry."""
    try:
        return required_languages(values)
    except UnknownLanguage as exc:
        raise LanguageUnknown(str(exc), field=field) from None


class ReportSettingsService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.settings = ReportSettingsRepository(session, account_id)

    async def get(self) -> ReportSettings:
        return await self.settings.get_or_create()

    async def update(self, change: ReportSettingsUpdate) -> ReportSettings:
        values = {field: value for field, value in change.model_dump(exclude_unset=True).items() if value is not None}
        for field in LANGUAGE_FIELDS:
            if field in values:
                values[field] = canonical_languages(field, values[field])
        row = await self.settings.get_or_create()
        for field, value in values.items():
            setattr(row, field, value)
        if any(field in values for field in LANGUAGE_FIELDS):
            row.languages_chosen_at = datetime.now(UTC)
        await self.session.flush()
        return row

    async def choose_languages(self, choice: LanguagesIn) -> ReportSettings:
        """Both lists, and the time they were chosen: from then on the languages report applies them."""
        audio = canonical_languages("audio", choice.audio)
        subtitles = canonical_languages("subtitles", choice.subtitles)
        row = await self.settings.get_or_create()
        row.required_audio_languages = audio
        row.required_subtitle_languages = subtitles
        row.languages_chosen_at = datetime.now(UTC)
        await self.session.flush()
        return row
