from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from janitor.core.errors import ErrorBody


class SourceProgressOut(BaseModel):
    kind: str
    name: str
    status: Literal["pending", "running", "complete", "partial", "failed", "cancelled"]
    phase: str
    pages: int
    items: int
    total: int | None
    requests: int
    error: str | None
    warnings: list[str] = Field(default_factory=list)
    held_back: list[str] = Field(
        default_factory=list,
        description="Libraries where a full sync found too many items gone at once to believe it: nothing was "
        "marked missing there, and the server's deletions are frozen until a full sync reads it completely",
    )
    position: int = Field(0, description="Where the server comes in the run (the order it is read in): list them so")
    percent: int | None = Field(
        None,
        description="How far this server is: 0-99 while it is read, never lower than before in the run; 100 once "
        "it ended; null while unknown (its listings are not all counted yet, and on a refresh)",
    )


class SyncRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    trigger: Literal["manual", "schedule", "connection", "vanish"] = Field(
        description="What started it: `manual` Refresh (Full refresh when `full`), `schedule` the daily full sync, "
        "`connection` adding a server (`trigger_server`), `vanish` your answer that a server's vanished items are "
        "still there (the server is read again in full)"
    )
    trigger_server: str | None = Field(
        description="The server a `connection` or `vanish` run was started for, by its name at the time"
    )
    full: bool = Field(description="Asked to read everything (only a full read notices items removed from a server)")
    status: Literal["queued", "running", "complete", "partial", "failed", "cancelled"]
    phase: str | None
    percent: int | None = Field(
        description="How far the run is: 0-99 while it runs, never lower than before, weighed by each server's "
        "size; 100 once it ended; null while nothing is measurable yet (show an indeterminate bar)",
    )
    sources: dict[str, SourceProgressOut] = Field(description="Per server (connection id), in `position` order")
    items: int
    upstream_requests: int
    error: str | None
    derived_stale: bool | None = Field(
        description="After this run, the report figures (last plays, duplicate candidates) may be out of date: "
        "the rebuild failed or the run stopped before it. None while running, and for a run that never started."
    )
    derived_error: str | None = Field(description="Why the report figures may be out of date after this run.")
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None = None


class SyncStatusOut(BaseModel):
    """Where the account's syncing stands, without starting anything."""

    latest: SyncRunOut | None = Field(
        description="The latest run: the one going, or the last one; null before the first"
    )
    servers: int = Field(description="Connected servers a sync reads")
    next_scheduled_at: datetime | None = Field(
        description="When the daily full sync is due next (the scheduler starts it within ten minutes of that); in "
        "the past while it is overdue; null with no server connected (nothing is scheduled)"
    )
    refresh_blocked: ErrorBody | None = Field(
        description="Why Refresh cannot start a sync now (the error `POST /api/v1/sync/runs` would answer); null when "
        "it can"
    )
