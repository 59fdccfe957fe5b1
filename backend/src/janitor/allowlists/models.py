from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base, new_id


class ListName(StrEnum):
    PROTECTED = "protected"  # never reported as stale, never deleted
    FRENCH_ONLY = "french_only"  # no English audio needed
    FRENCH_SUBS_ONLY = "french_subs_only"  # only the French subtitle rule applies
    LANGUAGE_EXEMPT = "language_exempt"  # no language rule applies
    EPISODE_EXEMPT = "episode_exempt"  # one episode exempt from the language rules


class AllowlistEntry(Base):
    """Matches an item by its server and stable id, or by an external id (``tmdb:603``) across servers.
    The title is kept for display only: a renamed file keeps its protection."""

    __tablename__ = "allowlist_entries"
    __table_args__ = (
        Index("ix_allowlist_account_list", "account_id", "list"),
        Index(
            "uq_allowlist_item",
            "account_id",
            "list",
            "connection_id",
            "upstream_id",
            unique=True,
            postgresql_where="upstream_id IS NOT NULL",
        ),
        Index("uq_allowlist_guid", "account_id", "list", "guid", unique=True, postgresql_where="guid IS NOT NULL"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    list: Mapped[str] = mapped_column(String(32))
    connection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    upstream_id: Mapped[str | None] = mapped_column(String(100))
    guid: Mapped[str | None] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
