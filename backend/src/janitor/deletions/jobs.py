"""The schedule's jobs: what follows every sync (people for new server accounts, whether each account's
watch data can be trusted, then the schedule), and the schedule itself, one per account at a time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.queue import JobBuffer
from janitor.deletions.schedule import describe, latest_run, run_read, run_schedule
from janitor.jobs.names import JobName, dedupe_id
from janitor.jobs.runner import TenantHandler, TenantJob
from janitor.people.health import refresh_watch_health
from janitor.people.repository import ensure_people


def queue_schedule(jobs: JobBuffer, account_id: uuid.UUID) -> None:
    """Ask for the account's schedule (after commit); asking again before it runs adds nothing."""
    jobs.enqueue(JobName.DELETION_SCHEDULE, str(account_id), dedupe_id=dedupe_id(JobName.DELETION_SCHEDULE, account_id))


async def people_after_sync(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Every new server account gets a person; each account's watch data is judged from the latest run."""
    await ensure_people(session, account_id)
    run = await latest_run(session, account_id)
    read = run_read(run) if run is not None else None
    if read is not None:
        await refresh_watch_health(session, account_id, run=read)


def after_sync(sync: TenantHandler) -> TenantHandler:
    """The sync job's handler, followed by people, watch health and (as its own job) the schedule."""

    async def run(job: TenantJob) -> None:
        await sync(job)
        await people_after_sync(job.session, job.account.id)
        queue_schedule(job.jobs, job.account.id)

    return run


async def schedule_job(job: TenantJob) -> None:
    """The ``deletion_schedule`` job: people and watch health brought up to date, then the schedule."""
    await people_after_sync(job.session, job.account.id)
    outcome = await run_schedule(job.session, job.account.id, now=datetime.now(UTC))
    job.log.info("deletion_schedule", **describe(outcome))
