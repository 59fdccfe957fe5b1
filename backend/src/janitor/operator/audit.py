"""The operator audit log: one row per action of an operator (console or command line)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.operator.models import OperatorAction, OperatorAuditEntry

COMMAND_LINE = "command line"  # the actor of what was done with ``janitor`` on the server


async def record(
    session: AsyncSession,
    action: OperatorAction,
    *,
    actor: Account | None,
    target: Account | None = None,
    note: str | None = None,
) -> None:
    """Written in the transaction of the action itself: no action without its row, no row without it."""
    session.add(
        OperatorAuditEntry(
            actor_id=actor.id if actor else None,
            actor_email=actor.email if actor else COMMAND_LINE,
            action=action,
            target_id=target.id if target else None,
            target_email=target.email if target else None,
            note=note,
        )
    )
    await session.flush()


async def page(session: AsyncSession, *, page: int, page_size: int) -> tuple[Sequence[OperatorAuditEntry], int]:
    """Newest first. The operator log is the service's, not a tenant's: no tenant scope to add."""
    total = await session.scalar(select(func.count()).select_from(OperatorAuditEntry)) or 0
    rows = await session.scalars(
        select(OperatorAuditEntry)
        .order_by(OperatorAuditEntry.at.desc(), OperatorAuditEntry.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return rows.all(), total
