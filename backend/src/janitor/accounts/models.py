from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base, TimestampMixin, new_id


class Account(TimestampMixin, Base):
    """A tenant. Every tenant-owned row elsewhere references it with ``ON DELETE CASCADE``."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(100))
    credentials_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Every access token carries the version it was issued under; a password change counts it up,
    # and tokens of an older version are refused at once (a time would need a precision, and two
    # events within it would be told apart by chance).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by the operator (``janitor accounts disable``): the account cannot sign in, its sessions
    # ended when it was set, and its jobs are skipped (no sync, no deletion) until it is cleared.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the owner followed the link mailed to ``email`` (sign-up or a change of address). Until then
    # the account can sign in and look around but cannot connect a server (unless the operator turned
    # verification off). Accounts that existed before verification count as verified.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whoever runs the service: the operator console and its API (``/api/v1/operator``). Granted and
    # revoked only on the command line (``janitor operator grant|revoke EMAIL``), never by the API.
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # When a session was last issued or renewed (sign-up, sign-in, refresh-token use, password
    # change): what the operator console shows as the last sign-in. A refresh renews the session
    # every few minutes while the app is open, so this reads as "last seen".
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RefreshToken(Base):
    """A refresh token, stored hashed. Tokens of one sign-in share a family; reusing a rotated
    token revokes the whole family (someone else holds a copy)."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_account_family", "account_id", "family_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TokenPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"
    VERIFY_EMAIL = "verify_email"
    CHANGE_EMAIL = "change_email"  # mailed to the new address: following it moves the account there
    UNDO_EMAIL_CHANGE = "undo_email_change"  # mailed to the old address: following it moves it back


class AccountToken(Base):
    """A single-use token mailed to an account's owner (a password reset; later an address check),
    stored hashed (sha256: the token is 32 random bytes, nothing to guess). It is bound to the
    password the account had when it was issued (``password_fingerprint``): once the password changes,
    by whatever path, the token no longer works. ``used_at`` and ``revoked_at`` end it too."""

    __tablename__ = "account_tokens"
    __table_args__ = (Index("ix_account_tokens_account_purpose", "account_id", "purpose"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_fingerprint: Mapped[str] = mapped_column(String(64))
    # The address the token is about: the one it was mailed to for a verification, the new one for a
    # change of e-mail, the old one for its undo. A token whose address no longer fits does nothing.
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
