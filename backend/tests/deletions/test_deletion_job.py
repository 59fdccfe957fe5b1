"""The worker's side: the cron queues one ``deletion_run`` job per account with something due (never
twice at once), and the job runs each of the account's servers with work, as the worker does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.connections import ArqRedis

from janitor.deletions.deleter_jobs import enqueue_due
from janitor.jobs.names import JobName, dedupe_id
from janitor.jobs.runner import tenant_job
from janitor_worker.main import SystemWorkerSettings
from janitor_worker.registry import TENANT_HANDLERS, missing_handlers

from .conftest import World


async def test_the_cron_queues_accounts_with_due_rows_once(world: World) -> None:
    redis: ArqRedis = world.ctx.redis
    now = datetime.now(UTC)
    async with world.ctx.sessionmaker() as session:
        assert await enqueue_due(session, redis, now=now) == 0  # nothing queued yet
    await world.queue("alien", due=timedelta(hours=3))
    async with world.ctx.sessionmaker() as session:
        assert await enqueue_due(session, redis, now=now) == 0  # not due yet
    await world.queue("matrix")
    async with world.ctx.sessionmaker() as session:
        assert await enqueue_due(session, redis, now=now) == 1
        assert await enqueue_due(session, redis, now=now) == 0  # already queued: not twice
    assert await redis.exists("arq:job:" + dedupe_id(JobName.DELETION_RUN, world.account_id))
    assert "cron:schedule_deletions" in {c.name for c in SystemWorkerSettings.cron_jobs}


async def test_the_job_runs_every_server_with_work(world: World) -> None:
    assert missing_handlers() == []
    plex_row = await world.queue("matrix")
    jellyfin_row = await world.queue("alien", server="jellyfin")
    later = await world.queue("dune", due=timedelta(hours=3))
    await world.go_live()
    await world.go_live("jellyfin")
    job = tenant_job(JobName.DELETION_RUN, TENANT_HANDLERS[JobName.DELETION_RUN])
    arq_ctx: dict[str, Any] = {"app": world.ctx, "worker_id": "test-worker", "job_try": 1, "job_id": uuid.uuid4().hex}
    assert await job(arq_ctx, str(world.account_id)) == "ok"
    assert (await world.row(plex_row.id)).status == "deleted"
    assert (await world.row(jellyfin_row.id)).status == "deleted"
    assert (await world.row(later.id)).status == "scheduled"
    # What derives from the present items is rebuilt after the run (core/events.py → media copies).
    queued = await world.ctx.redis.keys("arq:job:" + JobName.MEDIA_COPIES.value + ":*")
    assert queued
