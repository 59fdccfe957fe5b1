"""The placeholder per-tenant job: records that the worker reached the tenant."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.core.queue import JobBuffer
from janitor.jobs.models import TenantHeartbeat


async def record_heartbeat(session: AsyncSession, account: Account, jobs: JobBuffer) -> None:
    now = datetime.now(UTC)
    stmt = insert(TenantHeartbeat).values(account_id=account.id, last_seen_at=now, beats=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TenantHeartbeat.account_id],
        set_={"last_seen_at": now, "beats": TenantHeartbeat.beats + 1},
    )
    await session.execute(stmt)
