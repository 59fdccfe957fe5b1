from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field

from janitor.core.schemas import InputModel
from janitor.library.clock import time_zone_names, validate_time_zone
from janitor.library.languages import MAX_LANGUAGE_CHARS, language_name

# Codes (fr, fre, fra), BCP-47 tags (pt-BR) or names (French, français), any case; stored and
# answered in the canonical form of library/languages.py (ISO 639-1, else ISO 639-3). Which texts
# name a language is the language table's to say, not the schema's: an unknown one is a 400
# (reports/service.py).
Languages = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=MAX_LANGUAGE_CHARS)]],
    Field(
        max_length=20,
        description="Languages as codes (fr, fre, fra) or names (French), any case; stored as ISO 639-1 "
        "codes where one exists, else ISO 639-3. A text that names no language is refused (400 "
        "`unknown_language`, naming the entry).",
    ),
]
TimeZone = Annotated[
    str,
    Field(
        description="IANA time zone name (e.g. Europe/Paris): what 'today' is for date cut-offs",
        json_schema_extra={"enum": sorted(time_zone_names())},
    ),
    AfterValidator(validate_time_zone),
]


class ReportSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    stale_months: int
    stale_ignore_added_months: int
    stale_ignore_released_months: int
    stale_ignore_future_releases: bool
    large_movie_gb: float
    required_audio_languages: list[str]
    required_subtitle_languages: list[str]
    languages_chosen_at: datetime | None = Field(
        description="When the owner last chose the required languages; null until then, and until then the "
        "languages report lists nothing (the lists above are not a choice yet)"
    )
    duplicate_tolerance_seconds: int
    duplicate_strict: bool
    stuck_request_days: int
    recently_available_days: int
    time_zone: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def language_names(self) -> dict[str, str]:
        """The English name of each required language code (fr: French), for display."""
        codes = [*self.required_audio_languages, *self.required_subtitle_languages]
        return {code: language_name(code) for code in codes}


class LanguagesIn(InputModel):
    """The required languages, both lists at once: saving them is the owner's choice, even unchanged."""

    audio: Languages = Field(description="Audio languages every movie and episode should have (may be empty)")
    subtitles: Languages = Field(
        description="Subtitle languages every movie and episode should have (may be empty); forced tracks never count"
    )


class ReportSettingsUpdate(InputModel):
    """Every field is optional: send only what changes. Sending either language list counts as choosing
    the languages (``languages_chosen_at``)."""

    stale_months: int | None = Field(default=None, ge=1, le=120, description="Nothing watched for this many months")
    stale_ignore_added_months: int | None = Field(default=None, ge=0, le=120)
    stale_ignore_released_months: int | None = Field(default=None, ge=0, le=120)
    stale_ignore_future_releases: bool | None = None
    large_movie_gb: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="Movies strictly larger than this are large; decimal GB "
        "(1 GB = 10^9 bytes, as Plex and Jellyfin show sizes)",
    )
    required_audio_languages: Languages | None = None
    required_subtitle_languages: Languages | None = None
    duplicate_tolerance_seconds: int | None = Field(default=None, ge=0, le=60)
    duplicate_strict: bool | None = None
    stuck_request_days: int | None = Field(
        default=None,
        ge=1,
        le=365,
        description="An approved request not available for strictly more than this many days is stuck",
    )
    recently_available_days: int | None = Field(
        default=None,
        ge=1,
        le=365,
        description="Available at most this many days ago (a title exactly this old still counts) is recent",
    )
    time_zone: TimeZone | None = None
