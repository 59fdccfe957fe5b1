"""The deletion queue, its runs, settings and the append-only audit log.

Every deletion is a ``deletion_queue`` row that moves ``scheduled → executing → deleted | failed |
cancelled | unknown`` by compare-and-set (``UPDATE … WHERE status = <expected>``), so a retried or
duplicated job finds the row already moved and does nothing. ``unknown``: the server did not say
whether the delete happened (a timeout); the deleter reads the item back and settles it, never
deletes it blindly again. A dry run leaves the row ``scheduled`` and stamps ``dry_run_at``: it
records what would have gone, once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base, connection_tenant_key, new_id
from janitor.core.flags import ServiceFlag as ServiceFlag  # the kill switch's table, shared by every switch

GB = 1_000_000_000


class DeletionStatus(StrEnum):
    SCHEDULED = "scheduled"
    EXECUTING = "executing"
    DELETED = "deleted"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


# A row in one of these holds its item: no second row for the same target may be active.
ACTIVE_STATUSES = (DeletionStatus.SCHEDULED, DeletionStatus.EXECUTING, DeletionStatus.UNKNOWN)


class DeletionReason(StrEnum):
    WATCHED = "watched"  # every assigned person watched it
    DUPLICATE = "duplicate"  # a non-keeper copy of a duplicate group
    STALE = "stale"
    LARGE = "large"
    LANGUAGE = "language"


class DeletionSettings(Base):
    """The account's deletion settings; an account without a row has the defaults."""

    __tablename__ = "deletion_settings"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    # The account's kill switch: nothing is deleted while it is on (queued rows wait).
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # How long a watched item waits in the queue before it goes (cancellable until then).
    delay_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # Shows: queue a season once every episode of it is watched, instead of episode by episode.
    whole_seasons: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    max_run_items: Mapped[int] = mapped_column(Integer, default=25, server_default="25")
    max_run_bytes: Mapped[int] = mapped_column(BigInteger, default=500 * GB, server_default=str(500 * GB))
    max_day_items: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    max_day_bytes: Mapped[int] = mapped_column(BigInteger, default=2000 * GB, server_default=str(2000 * GB))
    # The first real run of a server after it leaves dry-run deletes at most this many items.
    first_live_run_items: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    # A decision rests on a complete sync of the server no older than this.
    sync_max_age_hours: Mapped[int] = mapped_column(Integer, default=36, server_default="36")
    # After a deletion, clear the title's Jellyseerr media so it can be requested again.
    clear_jellyseerr: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ServerDeletionState(Base):
    """Per server: dry-run (on for every server until the owner leaves it, explicitly) and how many
    real runs it has had (the first is capped lower). A server without a row is in dry-run."""

    __tablename__ = "deletion_servers"
    __table_args__ = (connection_tenant_key("deletion_servers"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    live_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    live_runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The caps the owner was shown (and accepted) when leaving dry-run.
    accepted_caps: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class LibraryDeletionDelay(Base):
    """A library's own delay before a watched item goes (instead of the account's)."""

    __tablename__ = "deletion_library_delays"
    __table_args__ = (
        ForeignKeyConstraint(
            ["library_id", "account_id", "connection_id"],
            ["libraries.id", "libraries.account_id", "libraries.connection_id"],
            ondelete="CASCADE",
            name="fk_deletion_library_delays_library_tenant",
        ),
    )

    library_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    delay_hours: Mapped[int] = mapped_column(Integer)


class QueuedDeletion(Base):
    """One thing to delete: an item (movie, episode, season, track) or one media version of it
    (``media_id``: Plex deletes that version only, never the item with all its versions)."""

    __tablename__ = "deletion_queue"
    __table_args__ = (
        Index(
            "uq_deletion_queue_active_target",
            "connection_id",
            "item_upstream_id",
            "media_id",
            unique=True,
            postgresql_where="status IN ('scheduled', 'executing', 'unknown')",
        ),
        Index("ix_deletion_queue_account_status_due", "account_id", "status", "due_at"),
        connection_tenant_key("deletion_queue"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    library_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    item_upstream_id: Mapped[str] = mapped_column(String(100))
    # '' = the whole item; otherwise the one media version (Plex Media id) to delete.
    media_id: Mapped[str] = mapped_column(String(100), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(16))  # movie, episode, season, track
    title: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))  # DeletionReason
    # Who put it there: "schedule" (watch-based) or "owner" (a report row, a duplicate's copy).
    origin: Mapped[str] = mapped_column(String(16))
    # Why, as it stood when queued (each assigned person's watch evidence, the duplicate group, ...).
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # What the target was when queued: server id, item id, media and part ids, file paths, size,
    # added date. The deleter compares it with the item as synced now; any difference cancels.
    fingerprint: Mapped[dict[str, Any]] = mapped_column(JSONB)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=DeletionStatus.SCHEDULED)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # A dry run recorded that it would have deleted this row (once; the row stays scheduled).
    dry_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    run_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeletionRunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class DeletionRun(Base):
    """One pass of the deleter over one server's due rows. At most one runs per server at a time."""

    __tablename__ = "deletion_runs"
    __table_args__ = (
        Index("uq_deletion_runs_one_running", "connection_id", unique=True, postgresql_where="status = 'running'"),
        Index("ix_deletion_runs_account_started", "account_id", "started_at"),
        connection_tenant_key("deletion_runs"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(16), default=DeletionRunStatus.RUNNING)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    deleted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deleted_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    worker_id: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(StrEnum):
    QUEUED = "queued"
    SKIPPED = "skipped"  # a run passed over a due row for now (kill switch, caps, freeze, old sync)
    POSTPONED = "postponed"
    RUN_NOW = "run_now"  # the owner skipped the rest of the wait
    CANCELLED = "cancelled"  # by the owner, or dropped because it no longer qualifies
    EXECUTED = "executed"  # the server accepted the delete
    VERIFIED = "verified"  # read back: it is gone
    FAILED = "failed"
    UNKNOWN = "unknown"  # the server did not say (timeout); read back later
    DRY_RUN = "dry_run"  # would have been deleted
    # About a server, not a row:
    WENT_LIVE = "went_live"  # the owner left dry-run, confirming the caps
    WENT_DRY_RUN = "went_dry_run"  # back to dry-run
    VANISH_CONFIRMED = "vanish_confirmed"  # a held-back mass vanish: the items really are gone
    VANISH_DISMISSED = "vanish_dismissed"  # a held-back mass vanish: the server answered wrongly


class DeletionEvent(Base):
    """The append-only audit log (a trigger refuses UPDATE; rows go only with their account). It
    names the server and the title as they were, so it outlives the connection and the item."""

    __tablename__ = "deletion_events"
    __table_args__ = (
        Index("ix_deletion_events_account_at", "account_id", "at"),
        Index("ix_deletion_events_queue", "queue_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    event: Mapped[str] = mapped_column(String(16))  # AuditEvent
    queue_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    run_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    server_name: Mapped[str | None] = mapped_column(String(200))
    item_upstream_id: Mapped[str | None] = mapped_column(String(100))
    media_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(Text)
    deletion_reason: Mapped[str | None] = mapped_column(String(16))
    # In words: why it was skipped, cancelled or failed.
    message: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # What was checked and found (each guard's verdict), each person's evidence, the upstream answer.
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
