"""Operator switches of the whole deployment, one row per switch in ``service_flags`` (set from the
command line; no row: the switch was never set and its default holds). ``deletions_disabled`` is the
global kill switch of every deletion (deletions/switches.py); ``email_verification`` says whether new
addresses must be confirmed before a server can be connected (accounts/verification.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, Text, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base


class ServiceFlag(Base):
    """Operator switches of the whole deployment (``deletions_disabled``: the global kill switch)."""

    __tablename__ = "service_flags"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


async def read_flag(session: AsyncSession, key: str) -> bool | None:
    """The switch ``key``, or None when it was never set."""
    row = await session.get(ServiceFlag, key, populate_existing=True)
    return None if row is None else row.enabled


async def write_flag(session: AsyncSession, key: str, *, enabled: bool, note: str | None = None) -> None:
    stmt = insert(ServiceFlag).values(key=key, enabled=enabled, note=note)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ServiceFlag.key], set_={"enabled": enabled, "note": note, "updated_at": func.now()}
    )
    await session.execute(stmt)
