from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, func
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


class SyncTrigger(StrEnum):
    MANUAL = "manual"  # Refresh or Full refresh (``full``), from the app or the API
    SCHEDULE = "schedule"  # the daily full sync (sync/schedule.py)
    CONNECTION = "connection"  # a server was just added: its first read
    VANISH = "vanish"  # the owner said a held-back vanish was wrong: the server is read again in full


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
    # What started it (SyncTrigger): a refresh, the daily schedule, a server just added, a held-back
    # vanish the owner dismissed. ``full`` says whether it was asked to read everything.
    trigger: Mapped[str] = mapped_column(String(16))
    # The server a ``connection`` or ``vanish`` run was started for, by name as it was then (the
    # connection may be renamed or removed later; the history still says what happened).
    trigger_server: Mapped[str | None] = mapped_column(String(200))
    full: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default=SyncStatus.QUEUED)
    phase: Mapped[str | None] = mapped_column(String(200))
    # Per source (connection id): kind, name, status, phase, pages, items, total, requests, error.
    sources: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    upstream_requests: Mapped[int] = mapped_column(Integer, default=0)
    # How far the run is (0-99 while it runs, never lower than a value written before; None while
    # nothing is measurable yet): sync/gauge.py.
    percent: Mapped[int | None] = mapped_column(SmallInteger)
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


class VanishDecision(Base):
    """The owner's answer to a mass vanish a full sync held back (``sync/vanish.py``).

    ``confirm``: the items really are gone; the next full sync of the server trusts those libraries
    and counts what it does not find as missing (two passes make it gone, as always). ``dismiss``: the
    server answered wrongly and the items are still there; nothing is marked and a full sync reads the
    server again. Either way the server's deletions stay frozen until a full sync reads it completely.
    """

    __tablename__ = "vanish_decisions"
    __table_args__ = (
        Index("uq_vanish_decisions_run_connection", "sync_run_id", "connection_id", unique=True),
        Index("ix_vanish_decisions_account_connection", "account_id", "connection_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    # The full sync run that held the vanish back.
    sync_run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))  # confirm, dismiss
    # The libraries the decision is about (their ids as text), as the held-back run listed them.
    library_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The full sync that acted on a confirmation (trusted those libraries); None until one has.
    applied_run_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
