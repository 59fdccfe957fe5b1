from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base, new_id


class SyncStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETE = "complete"  # every page of every source read, counts matched
    PARTIAL = "partial"  # some sources complete, others not: nothing unfinished was changed
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (SyncStatus.QUEUED, SyncStatus.RUNNING)


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("ix_sync_runs_account_created", "account_id", "created_at"),
        # At most one queued or running run per tenant, enforced by the database.
        Index(
            "uq_sync_runs_one_active",
            "account_id",
            unique=True,
            postgresql_where="status IN ('queued', 'running')",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(16))  # manual, schedule
    full: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default=SyncStatus.QUEUED)
    phase: Mapped[str | None] = mapped_column(String(200))
    # Per source (connection id): kind, name, status, phase, pages, items, total, requests, error.
    sources: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    upstream_requests: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    # Rows the run changed that reports derive data from (None: unknown, e.g. a source failed):
    # what the dashboard summary's fingerprint follows (reports/dashboard.py).
    changed: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # The reports' derived data (last plays, duplicate candidates) after this run: False when it
    # matches what the run left in the tables (rebuilt, or nothing changed and it was fresh before),
    # True when it may not (the rebuild failed, or the run stopped before it), None for a run that
    # never started (it touched nothing). ``derived_error`` says why it is stale. See sync/freshness.py.
    derived_stale: Mapped[bool | None] = mapped_column(Boolean)
    derived_error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last time a running run showed progress (its progress row written, on the database's
    # clock): what the stall watchdog (jobs/recovery.py) judges it by.
    progress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
