from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base, connection_tenant_key, new_id


class ConnectionKind(StrEnum):
    PLEX = "plex"
    JELLYFIN = "jellyfin"
    JELLYSEERR = "jellyseerr"


class ConnectionStatus(StrEnum):
    OK = "ok"
    ERROR = "error"


class Connection(Base):
    """A tenant's server. The token is stored encrypted and bound to this row's ids."""

    __tablename__ = "connections"
    __table_args__ = (
        UniqueConstraint("account_id", "kind", "server_id", name="uq_connections_account_kind_server"),
        # What the rows below a connection reference (one key check that also proves the account).
        UniqueConstraint("id", "account_id", name="uq_connections_tenant"),
        Index("ix_connections_account", "account_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(2000))
    # Plex machineIdentifier / Jellyfin server Id; Jellyseerr has none (one row per URL).
    server_id: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(100))
    token_ciphertext: Mapped[str] = mapped_column(Text)
    verify_tls: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kind-specific settings: Plex candidate URIs, the Jellyfin user the app acts as, ...
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # How this server's file paths read on the account's other servers: [{"server_path": "/data",
    # "shared_path": "/mnt/media"}, ...], longest prefix first (library/copies.py). The same file seen
    # by two servers is one file, however differently each server mounts it.
    path_mappings: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list, server_default="[]")
    # Sync bookkeeping: history cursor, last full pass, last complete run.
    sync_state: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    status: Mapped[str] = mapped_column(String(20), default=ConnectionStatus.OK)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class LibraryKind(StrEnum):
    MOVIE = "movie"
    SHOW = "show"
    MUSIC = "music"
    OTHER = "other"


class Library(Base):
    """A library (Plex section, Jellyfin view) of a connection; only enabled ones are synced."""

    __tablename__ = "libraries"
    __table_args__ = (
        UniqueConstraint("connection_id", "upstream_key", name="uq_libraries_connection_key"),
        UniqueConstraint("id", "account_id", "connection_id", name="uq_libraries_tenant"),
        connection_tenant_key("libraries"),
        Index("ix_libraries_account", "account_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    upstream_key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    item_count: Mapped[int | None] = mapped_column(Integer)
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
