"""The placeholder per-tenant job: records that the worker reached the tenant."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects.postgresql import insert

from janitor.jobs.models import TenantHeartbeat
from janitor.jobs.runner import TenantJob


async def record_heartbeat(job: TenantJob) -> None:
    now = datetime.now(UTC)
    stmt = insert(TenantHeartbeat).values(account_id=job.account.id, last_seen_at=now, beats=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TenantHeartbeat.account_id],
        set_={"last_seen_at": now, "beats": TenantHeartbeat.beats + 1},
    )
    await job.session.execute(stmt)
