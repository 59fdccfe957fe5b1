from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


class SyncRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    trigger: Literal["manual", "schedule"]
    full: bool
    status: Literal["queued", "running", "complete", "partial", "failed", "cancelled"]
    phase: str | None
    sources: dict[str, SourceProgressOut]
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
