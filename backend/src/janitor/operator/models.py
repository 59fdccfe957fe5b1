from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base


class OperatorAction(StrEnum):
    TENANT_DISABLED = "tenant_disabled"
    TENANT_ENABLED = "tenant_enabled"
    DELETIONS_DISABLED = "deletions_disabled"  # the global kill switch turned on
    DELETIONS_ENABLED = "deletions_enabled"
    VERIFICATION_SENT = "verification_sent"  # the link that confirms a tenant's address, mailed again
    TENANT_EXPORTED = "tenant_exported"  # a tenant's data export, downloaded by an operator
    USAGE_EXPORTED = "usage_exported"  # the usage figures of every tenant (CSV)
    OPERATOR_GRANTED = "operator_granted"  # on the command line
    OPERATOR_REVOKED = "operator_revoked"  # on the command line
    ACCOUNT_CREATED = "account_created"  # on the command line


class OperatorAuditEntry(Base):
    """What an operator did, to whom, when, and why. Append-only; not tenant data: it outlives both
    the operator's account and the target's (their ids become NULL, the e-mails as they were stay)."""

    __tablename__ = "operator_audit"
    __table_args__ = (Index("ix_operator_audit_at", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # NULL with ``actor_email`` "command line": done with the ``janitor`` command on the server.
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    actor_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(32))  # OperatorAction
    target_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="SET NULL")
    )
    target_email: Mapped[str | None] = mapped_column(String(320))
    note: Mapped[str | None] = mapped_column(Text)
