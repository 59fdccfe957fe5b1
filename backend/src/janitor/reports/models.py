"""Per-account thresholds of the reports (one row per account, created with defaults on first read)."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
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
