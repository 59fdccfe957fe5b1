from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from janitor.core.schemas import InputModel


class TenantOut(BaseModel):
    id: uuid.UUID
    email: str
    created_at: datetime = Field(description="When the account signed up")
    verified: bool = Field(description="The owner followed the link mailed to the address")
    last_sign_in_at: datetime | None = Field(
        description="When a session was last issued or renewed (a sign-in, or the app refreshing its session)"
    )
    disabled_at: datetime | None = Field(description="Set: disabled by an operator (no sign-in, no jobs)")
    is_operator: bool
    connections: int
    items: int = Field(description="Media items synced from the account's servers")
    last_sync_status: str | None = Field(description="The latest sync run's status; null: never synced")
    last_sync_at: datetime | None = Field(description="When the latest sync run finished (or was queued)")
    row_bytes: int = Field(
        description="Estimate of the database space the account's rows take: the stored size of each row "
        "(pg_column_size) in every table with an account_id, without indexes or free space"
    )


class TenantPage(BaseModel):
    items: list[TenantOut]
    total: int
    page: int
    page_size: int


class NoteIn(InputModel):
    note: str | None = Field(None, max_length=500, description="Why, kept in the operator audit log")


class KillSwitchIn(InputModel):
    disabled: bool = Field(description="true: stop every deletion of every account now; false: let them go on")
    note: str | None = Field(None, max_length=500, description="Why, shown to the owners and kept in the audit log")


class KillSwitchOut(BaseModel):
    disabled: bool
    note: str | None
    updated_at: datetime | None


class QueueDepthOut(BaseModel):
    interactive: int = Field(description="Jobs waiting in the interactive queue (Refresh clicks)")
    first_sync: int = Field(description="Jobs waiting in the first-sync queue (the sync after connecting a server)")
    quick: int = Field(description="Jobs waiting in the quick queue (mails, dashboard figures)")
    background: int = Field(description="Jobs waiting in the background queue (daily syncs, deletion runs)")


class FailingSyncOut(BaseModel):
    run_id: uuid.UUID
    account_id: uuid.UUID
    email: str
    status: str
    trigger: str
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class OperatorAuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor_email: str = Field(description='The operator, or "command line" for the janitor command')
    action: str
    target_id: uuid.UUID | None
    target_email: str | None
    note: str | None


class OperatorAuditPage(BaseModel):
    items: list[OperatorAuditEntryOut]
    total: int
    page: int
    page_size: int
