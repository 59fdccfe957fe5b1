"""Request and response bodies of the deletion API. Every request body has bounds and refuses
properties it does not know (core/schemas.py: a misspelt ``keep_forever`` must not cancel without
protecting)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from janitor.core.schemas import InputModel, Timestamp, Uuid
from janitor.deletions.models import GB, AuditEvent, DeletionReason
from janitor.reports.matching import ReportFilter

OwnerReason = Literal["stale", "large", "language"]
ActiveStatus = Literal["scheduled", "executing", "unknown"]
FinishedStatus = Literal["deleted", "failed", "cancelled"]
# The history's outcomes: the finished ones, and "dry_run": a row a dry run recorded as what it would
# have deleted (still queued; it stays in the history as that record).
HistoryStatus = Literal["deleted", "failed", "cancelled", "dry_run"]
Note = Annotated[str | None, Field(max_length=1000, description="Your words, kept in the audit log")]

# Bounds of the settings and caps: wide enough for any household, narrow enough that a typo (an
# extra zero, a cap of 0 that would read as "no cap") is refused instead of obeyed.
MAX_DELAY_HOURS = 24 * 365
MAX_BYTES = 1_000_000 * GB  # 1 PB


# ---------------------------------------------------------------------------------------- queueing
# At most this many report rows are queued in one request (chosen one by one or all matching a filter).
MAX_QUEUE_ITEMS = 100


class ItemIn(InputModel):
    connection_id: Uuid
    upstream_id: str = Field(min_length=1, max_length=100, description="The row's `upstream_id` in its report")
    media_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Plex only: delete this one version (Media id) of the item, not the item with all its versions",
    )


class QueueItemsIn(InputModel):
    reason: OwnerReason = Field(description="The report the rows come from; each must be a row of it now")
    items: list[ItemIn] = Field(min_length=1, max_length=MAX_QUEUE_ITEMS)
    note: Note = None


class QueueMatchingIn(InputModel):
    """Every row of a report matching its filters, resolved when queued (not ids the page held)."""

    reason: OwnerReason = Field(description="The report whose rows are queued")
    filter: ReportFilter = Field(description="The filters the report page shows (search, server, library, its own)")
    expected: int = Field(
        ge=1,
        le=1_000_000,
        description="How many rows the person saw match: another count now is a 409 and nothing is queued",
    )
    note: Note = None


class QueueGroupIn(InputModel):
    group_id: str = Field(min_length=1, max_length=64, description="The group's `group_id` in the duplicates report")
    connection_id: Uuid | None = Field(
        default=None, description="The group's server (its copies' `connection_id`): finds the group faster"
    )
    note: Note = None


class QueueRowOut(BaseModel):
    """One deletion: queued, running, or finished."""

    id: uuid.UUID
    connection_id: uuid.UUID
    server: str | None = Field(description="The server's name (None once the connection is removed)")
    library_id: uuid.UUID | None
    upstream_id: str
    media_id: str | None = Field(description="The one version to delete (Plex); None: the whole item")
    kind: str
    title: str
    reason: DeletionReason
    origin: str = Field(description="`owner` (you queued it) or `schedule` (everyone assigned watched it)")
    status: str
    status_reason: str | None
    why: str | None = Field(description="Why it was queued, as it stood then")
    details: dict[str, Any]
    size_bytes: int | None
    due_at: datetime
    dry_run_at: datetime | None = Field(description="When a dry run recorded it would have deleted this")
    waiting: str | None = Field(
        default=None,
        description="Why a due row waits, as the deleter said when it last looked (kill switch, paused, caps, "
        "server refusing…); None when the deleter has not held it back",
    )
    waiting_at: datetime | None = Field(default=None, description="When the deleter last held it back")
    attempts: int
    created_at: datetime
    finished_at: datetime | None


class SkippedItem(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str
    media_id: str | None
    title: str
    why: str


class QueueResult(BaseModel):
    rows: list[QueueRowOut] = Field(description="The queue rows of what was asked: new ones and those already queued")
    created: int
    already_queued: int
    skipped: list[SkippedItem] = Field(default_factory=list, description="Copies left out (protected), with why")


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    event: AuditEvent
    queue_id: uuid.UUID | None
    run_id: uuid.UUID | None
    connection_id: uuid.UUID | None
    server: str | None
    upstream_id: str | None
    media_id: str | None
    title: str | None
    reason: str | None
    message: str | None
    size_bytes: int | None
    details: dict[str, Any]


class QueueRowDetail(QueueRowOut):
    fingerprint: dict[str, Any] = Field(description="What the target was when queued (the deleter compares it)")
    events: list[AuditEventOut] = Field(description="Everything that happened to it, oldest first")


class QueuePage(BaseModel):
    items: list[QueueRowOut]
    total: int
    total_bytes: int = Field(description="Size of every row matching the filters (all pages)")
    page: int
    page_size: int


class CancelIn(InputModel):
    keep_forever: bool = Field(
        default=False,
        description="Also add the item to the Protected list (the whole item, for a version), in the same step",
    )
    note: Note = None


MAX_POSTPONE_HOURS = 24 * 90


def _hours_or_until(schema: dict[str, Any]) -> None:
    """The schema says what the validator checks: exactly one of hours and until, not null."""
    for name in ("hours", "until"):
        prop = schema["properties"][name]
        prop.update(next(branch for branch in prop.pop("anyOf") if branch.get("type") != "null"))
        prop.pop("default", None)
    schema["oneOf"] = [{"required": ["hours"]}, {"required": ["until"]}]


class PostponeIn(InputModel):
    """Either ``hours`` or ``until``."""

    model_config = ConfigDict(json_schema_extra=_hours_or_until)

    hours: int | None = Field(
        default=None, ge=1, le=MAX_POSTPONE_HOURS, description="Move the due time this much later"
    )
    until: Timestamp | None = Field(
        default=None, description="Or: the new due time (later than the current one, within 90 days from now)"
    )
    note: Note = None

    @model_validator(mode="after")
    def _one_of(self) -> PostponeIn:
        given = {"hours", "until"} & self.model_fields_set
        if len(given) != 1 or getattr(self, given.pop()) is None:
            raise ValueError("give either hours or until")
        return self


# ---------------------------------------------------------------------------------------- settings
class Caps(InputModel):
    """The caps of every real deletion run; the owner confirms them when a server leaves dry-run."""

    max_run_items: int = Field(ge=1, le=1000, description="Items per run at most")
    max_run_bytes: int = Field(ge=GB, le=MAX_BYTES, description="Bytes per run at most (decimal: 1 GB = 10^9)")
    max_day_items: int = Field(ge=1, le=10_000, description="Items per day (24 h) at most, every run of the server")
    max_day_bytes: int = Field(ge=GB, le=MAX_BYTES, description="Bytes per day (24 h) at most")
    first_live_run_items: int = Field(ge=1, le=100, description="Items at most in the first real run after dry-run")


CAP_FIELDS = tuple(Caps.model_fields)


class DeletionSettingsIn(InputModel):
    """Change some settings; the ones left out keep their value."""

    paused: bool | None = Field(default=None, description="Your kill switch: nothing is deleted while it is on")
    delay_hours: int | None = Field(default=None, ge=1, le=MAX_DELAY_HOURS)
    whole_seasons: bool | None = None
    max_run_items: int | None = Field(default=None, ge=1, le=1000)
    max_run_bytes: int | None = Field(default=None, ge=GB, le=MAX_BYTES)
    max_day_items: int | None = Field(default=None, ge=1, le=10_000)
    max_day_bytes: int | None = Field(default=None, ge=GB, le=MAX_BYTES)
    first_live_run_items: int | None = Field(default=None, ge=1, le=100)
    sync_max_age_hours: int | None = Field(default=None, ge=1, le=168)
    clear_jellyseerr: bool | None = None


class LibraryDelayIn(InputModel):
    delay_hours: int | None = Field(
        ge=1, le=MAX_DELAY_HOURS, description="This library's delay; null: back to the account's delay"
    )


class LibraryDelayOut(BaseModel):
    library_id: uuid.UUID
    connection_id: uuid.UUID
    library: str
    server: str
    delay_hours: int | None = Field(description="The library's own delay (None: the account's applies)")
    effective_delay_hours: int


class DeletionSettingsOut(BaseModel):
    paused: bool
    delay_hours: int
    whole_seasons: bool
    max_run_items: int
    max_run_bytes: int
    max_day_items: int
    max_day_bytes: int
    first_live_run_items: int
    sync_max_age_hours: int
    clear_jellyseerr: bool
    operator_disabled: bool = Field(description="The operator stopped every deletion of this service (read-only)")
    operator_note: str | None
    library_delays: list[LibraryDelayOut] = Field(description="Libraries with a delay of their own")


# ----------------------------------------------------------------------------------------- servers
class HeldLibraryOut(BaseModel):
    library_id: uuid.UUID | None
    title: str
    vanished: int = Field(description="Items the full sync did not find")
    known: int = Field(description="Items the library had")


class FreezeOut(BaseModel):
    sync_run_id: uuid.UUID = Field(description="The full sync that held the vanish back")
    at: datetime | None
    libraries: list[HeldLibraryOut]
    decision: Literal["confirm", "dismiss"] | None = Field(description="Your answer, if you gave one")
    decided_at: datetime | None


class VanishAnswer(InputModel):
    """Confirm: the items really are gone (the next full sync counts them missing). Dismiss: the server
    answered wrongly and the items are still there (a full sync reads it again now)."""

    sync_run_id: Uuid = Field(description="The freeze you answer (the server's freeze.sync_run_id)")
    decision: Literal["confirm", "dismiss"]


class ServerOut(BaseModel):
    connection_id: uuid.UUID
    name: str
    kind: str
    dry_run: bool = Field(description="True: runs record what they would delete and delete nothing")
    live_since: datetime | None
    accepted_caps: dict[str, Any] | None = Field(description="The caps confirmed when it left dry-run")
    live_runs: int = Field(description="Real runs since it left dry-run")
    runs: int = Field(description="Deletion runs so far (dry and real)")
    last_run_at: datetime | None
    frozen: bool = Field(description="Deletions wait: the latest full sync held back a mass vanish on this server")
    frozen_why: str | None
    freeze: FreezeOut | None = Field(description="The held-back mass vanish that froze it, and your answer if any")
    deletion_allowed: bool | None = Field(
        description="Whether the server let this connection delete media when last checked (None: never checked)"
    )


class LiveReview(BaseModel):
    """What leaving dry-run means for this server: confirm these caps to go live."""

    connection_id: uuid.UUID
    name: str
    kind: str
    dry_run: bool
    caps: Caps
    warning: str


# --------------------------------------------------------------------------------- history, audit
class HistoryTotals(BaseModel):
    deleted: int
    failed: int
    cancelled: int
    dry_run: int = Field(description="Rows a dry run recorded it would delete (still queued)")
    bytes_freed: int = Field(description="Bytes of the deleted rows matching the filters")
    dry_run_bytes: int = Field(description="Bytes the dry-run rows matching the filters would free")


class HistoryPage(BaseModel):
    items: list[QueueRowOut]
    total: int
    page: int
    page_size: int
    totals: HistoryTotals


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    page: int
    page_size: int


class FrozenServer(BaseModel):
    connection_id: uuid.UUID
    name: str
    why: str


class DeletionSummary(BaseModel):
    """The dashboard's deletion figures."""

    bytes_freed_total: int
    bytes_freed_30d: int
    due_this_week: int = Field(description="Scheduled rows due within 7 days (overdue included)")
    due_this_week_bytes: int
    queued: int = Field(description="Rows scheduled, executing or unknown")
    servers_in_dry_run: int
    frozen_servers: list[FrozenServer]
    operator_disabled: bool
    account_paused: bool
