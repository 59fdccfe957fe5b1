from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from janitor.core.schemas import InputModel

StepKey = Literal["connect", "libraries", "languages", "sync", "dashboard"]
# The order the checklist walks them in.
STEP_ORDER: tuple[StepKey, ...] = ("connect", "libraries", "languages", "sync", "dashboard")


class SetupStep(BaseModel):
    key: StepKey
    done: bool


class SetupOut(BaseModel):
    """The setup checklist, each step's state read from the account's data."""

    steps: list[SetupStep] = Field(
        description="In order: `connect` (a Plex or Jellyfin server is connected), `libraries` (at least one of "
        "their libraries is read), `languages` (the required languages were chosen), `sync` (a sync read a Plex "
        "or Jellyfin server completely), `dashboard` (the dashboard showed the figures of such a sync)"
    )
    done: bool = Field(description="Every step is done")
    dismissed: bool = Field(description="The owner hid the checklist (it stays reachable at /setup)")
    media_servers: int = Field(description="Plex and Jellyfin connections")
    libraries: int = Field(description="Libraries of those servers")
    libraries_enabled: int = Field(description="Of them, the ones a sync reads")
    languages_chosen_at: datetime | None
    audio_languages: list[str] = Field(description="Required audio languages (canonical codes)")
    subtitle_languages: list[str] = Field(description="Required subtitle languages (canonical codes)")
    language_names: dict[str, str] = Field(description="The English name of each code above")
    last_complete_sync_at: datetime | None = Field(
        description="When the latest sync that read a Plex or Jellyfin server completely finished"
    )
    dashboard_seen_at: datetime | None


class SetupUpdate(InputModel):
    dismissed: bool = Field(
        description="true hides the checklist from the dashboard and the sidebar; false shows it again"
    )
