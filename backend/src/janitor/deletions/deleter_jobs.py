"""The deleter's background work: one job per account (one run per server inside), queued every few
minutes for the accounts that have something due, and never twice at once (its dedupe id)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from arq.connections import ArqRedis
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.core.events import Events
from janitor.core.queue import JobBuffer
from janitor.deletions.deleter import run_deletions
from janitor.deletions.models import DeletionStatus, QueuedDeletion
from janitor.jobs.names import JobName, dedupe_id
from janitor.jobs.runner import TenantHandler, TenantJob


def _waiting(now: datetime) -> ColumnElement[bool]:
    # Due rows, and rows whose outcome is not known yet (read back by the next run).
    return or_(
        and_(QueuedDeletion.status == DeletionStatus.SCHEDULED, QueuedDeletion.due_at <= now),
        QueuedDeletion.status.in_((DeletionStatus.UNKNOWN, DeletionStatus.EXECUTING)),
    )


async def servers_with_work(session: AsyncSession, account_id: uuid.UUID, *, now: datetime) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(QueuedDeletion.connection_id)
        .where(QueuedDeletion.account_id == account_id, _waiting(now))
        .distinct()
        .order_by(QueuedDeletion.connection_id)
    )
    return list(rows.all())


def deletion_job(events: Events) -> TenantHandler:
    """The ``deletion_run`` job: a run for each of the account's servers with work (one after the
    other; each run bounds its own requests)."""

    async def handler(job: TenantJob) -> None:
        now = datetime.now(UTC)
        servers = await servers_with_work(job.session, job.account.id, now=now)
        for connection_id in servers:
            outcome = await run_deletions(
                job.app, job.account.id, connection_id, now=now, events=events, worker_id=job.worker_id
            )
            job.log.info("deletion_run", connection_id=str(connection_id), ran=outcome is not None)

    return handler


def queue_deletion_run(jobs: JobBuffer, account_id: uuid.UUID) -> None:
    """Ask for the account's deletion run now (after commit); one already queued or running is not
    queued again (the next 5-minute tick catches what it missed)."""
    jobs.enqueue(JobName.DELETION_RUN, str(account_id), dedupe_id=dedupe_id(JobName.DELETION_RUN, account_id))


async def enqueue_due(session: AsyncSession, redis: ArqRedis, *, now: datetime) -> int:
    """Queue a ``deletion_run`` job for every account with something due (a job already queued or
    running for the account is not queued again)."""
    accounts = (
        await session.scalars(
            select(QueuedDeletion.account_id)
            .join(Account, Account.id == QueuedDeletion.account_id)
            .where(_waiting(now), Account.disabled_at.is_(None))
            .distinct()
        )
    ).all()
    queued = 0
    for account_id in accounts:
        job = await redis.enqueue_job(
            JobName.DELETION_RUN.value, str(account_id), _job_id=dedupe_id(JobName.DELETION_RUN, account_id)
        )
        queued += job is not None
    return queued
