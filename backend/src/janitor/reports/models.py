"""Per-account thresholds of the reports (one row per account, created with defaults on first read)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base


class ReportSettings(Base):
    __tablename__ = "report_settings"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    stale_months: Mapped[int] = mapped_column(Integer, default=4)
    stale_ignore_added_months: Mapped[int] = mapped_column(Integer, default=3)
    stale_ignore_released_months: Mapped[int] = mapped_column(Integer, default=3)
    stale_ignore_future_releases: Mapped[bool] = mapped_column(Boolean, default=True)
    large_movie_gb: Mapped[float] = mapped_column(Float, default=13.0)
    required_audio_languages: Mapped[list[str]] = mapped_column(ARRAY(String(8)), default=lambda: ["en", "fr"])
    required_subtitle_languages: Mapped[list[str]] = mapped_column(ARRAY(String(8)), default=lambda: ["fr"])
    duplicate_tolerance_seconds: Mapped[int] = mapped_column(Integer, default=2)
    duplicate_strict: Mapped[bool] = mapped_column(Boolean, default=False)
    stuck_request_days: Mapped[int] = mapped_column(Integer, default=7)
    recently_available_days: Mapped[int] = mapped_column(Integer, default=7)


class DuplicateKeeper(Base):
    """The copy the user chose to keep in a duplicates group (overrides the proposed keeper)."""

    __tablename__ = "duplicate_keepers"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True)
    # The track's normalised key, or "v:<id>" for the versions of one multi-version track.
    group_key: Mapped[str] = mapped_column(Text, primary_key=True)
    upstream_id: Mapped[str] = mapped_column(String(100))
    part_id: Mapped[str | None] = mapped_column(String(100))
    chosen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
