from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ExportAccount(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    created_at: datetime
    email_verified_at: datetime | None
    last_sign_in_at: datetime | None
    disabled_at: datetime | None


class ExportConnection(BaseModel):
    """A connection without its token (stored encrypted; never exported, not even encrypted) and
    without its kind-specific options (which may name what a token is for)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    name: str
    base_url: str
    server_id: str | None
    version: str | None
    verify_tls: bool
    path_mappings: list[dict[str, str]]
    status: str
    last_error: str | None
    last_checked_at: datetime | None
    created_at: datetime


class TenantExport(BaseModel):
    """Everything the account set up, and what the deletions did: the account, its connections
    (without secrets), libraries, report and deletion settings, allowlist, people, server users and
    assignments, and the deletion audit log. The synced library itself (items, plays) is the servers'
    own data and is not included."""

    format: str = Field("media-janitor-export/1", description="The layout of this document")
    exported_at: datetime
    account: ExportAccount
    connections: list[ExportConnection]
    libraries: list[dict[str, Any]]
    report_settings: list[dict[str, Any]]
    deletion_settings: list[dict[str, Any]]
    deletion_servers: list[dict[str, Any]]
    library_deletion_delays: list[dict[str, Any]]
    allowlist: list[dict[str, Any]]
    people: list[dict[str, Any]]
    server_users: list[dict[str, Any]]
    person_members: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    deletion_audit_log: list[dict[str, Any]]
