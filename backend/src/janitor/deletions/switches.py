"""The operator's global kill switch (``service_flags``: ``deletions_disabled``): while it is on, no
server of any account deletes anything (queued rows wait; cancelling still works). Set from the
command line (``janitor deletions disable|enable|status``), read by the API and the deleter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.deletions.models import ServiceFlag

DELETIONS_DISABLED = "deletions_disabled"


@dataclass(frozen=True)
class Switch:
    disabled: bool
    note: str | None
    updated_at: datetime | None


async def global_switch(session: AsyncSession) -> Switch:
    """The operator's switch; no row means it was never set: deletions are not disabled by it."""
    row = await session.get(ServiceFlag, DELETIONS_DISABLED, populate_existing=True)
    if row is None:
        return Switch(disabled=False, note=None, updated_at=None)
    return Switch(disabled=row.enabled, note=row.note, updated_at=row.updated_at)


async def set_global_switch(session: AsyncSession, *, disabled: bool, note: str | None = None) -> Switch:
    """Turn every deletion of the service off (``disabled``) or back on, with the operator's note."""
    stmt = insert(ServiceFlag).values(key=DELETIONS_DISABLED, enabled=disabled, note=note)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ServiceFlag.key], set_={"enabled": disabled, "note": note, "updated_at": func.now()}
    )
    await session.execute(stmt)
    row = (await session.execute(select(ServiceFlag).where(ServiceFlag.key == DELETIONS_DISABLED))).scalar_one()
    await session.refresh(row)
    return Switch(disabled=row.enabled, note=row.note, updated_at=row.updated_at)
