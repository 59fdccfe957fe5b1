"""Interactive work goes ahead of the daily runs: a first sync or a Refresh starts at once, in slots of
their own (one kind never behind the other), however many scheduled runs wait; a Refresh while the
account's daily run still waits moves that run ahead (one run per account, never two)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from typing import Any

import httpx
from sqlalchemy import text

from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.core.queue import (
    BACKGROUND_QUEUE,
    FIRST_SYNC_QUEUE,
    INTERACTIVE_QUEUE,
    QUEUES,
    QUICK_QUEUE,
    JobBuffer,
    promote,
    queue_depth,
)
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import connect_all, worker_process
from janitor.jobs.names import JobName, dedupe_id
from janitor.sync.models import SyncTrigger
from janitor.sync.service import SyncService
from mediasim import SimServer


async def _scheduled(ctx: AppContext, user: SignedUp) -> str:
    """The account's daily run, started as the worker's schedule starts it."""
    jobs = JobBuffer()
    async with ctx.sessionmaker() as session, session.begin():
        run, created = await SyncService(session, user.account_id, jobs=jobs).start(
            trigger=SyncTrigger.SCHEDULE, full=True
        )
    assert created
    await jobs.flush(ctx.redis)
    return str(run.id)


async def _queue_of(ctx: AppContext, run_id: str) -> str | None:
    job = dedupe_id(JobName.SYNC, run_id)
    found = [q for q in QUEUES if await ctx.redis.zscore(q, job) is not None]
    assert len(found) <= 1, found
    return found[0] if found else None


async def test_refresh_and_first_syncs_are_interactive_daily_runs_are_not(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, job_ctx: AppContext
) -> None:
    first, daily = await signup(), await signup()
    ids = await connect_all(api, first, sim)
    await connect_all(api, daily, sim)
    added = (await api.post(f"/api/v1/sync/runs?added={ids['plex']}", headers=first.headers)).json()
    assert added["trigger"] == "connection"
    assert await _queue_of(job_ctx, added["id"]) == FIRST_SYNC_QUEUE

    scheduled = await _scheduled(job_ctx, daily)
    assert await _queue_of(job_ctx, scheduled) == BACKGROUND_QUEUE
    depth = {INTERACTIVE_QUEUE: 0, FIRST_SYNC_QUEUE: 1, QUICK_QUEUE: 0, BACKGROUND_QUEUE: 1}
    assert await queue_depth(job_ctx.redis) == depth

    # Refresh while the daily run waits: the same run, moved ahead, in one queue only
    refresh = (await api.post("/api/v1/sync/runs", headers=daily.headers)).json()
    assert refresh["id"] == scheduled
    assert await _queue_of(job_ctx, scheduled) == INTERACTIVE_QUEUE
    again = (await api.post("/api/v1/sync/runs?full=true", headers=daily.headers)).json()
    assert again["id"] == scheduled
    depth = {INTERACTIVE_QUEUE: 1, FIRST_SYNC_QUEUE: 1, QUICK_QUEUE: 0, BACKGROUND_QUEUE: 0}
    assert await queue_depth(job_ctx.redis) == depth
    # A Refresh on a first sync still waiting for its slot answers with it, where it is.
    click = (await api.post("/api/v1/sync/runs", headers=first.headers)).json()
    assert click["id"] == added["id"]
    assert await _queue_of(job_ctx, added["id"]) == FIRST_SYNC_QUEUE


async def test_a_job_a_worker_has_started_is_never_moved(job_ctx: AppContext) -> None:
    job_id = f"sync:{uuid.uuid4()}"
    await job_ctx.redis.enqueue_job("sync", "x", _job_id=job_id)
    await job_ctx.redis.set("arq:in-progress:" + job_id, b"1")
    assert not await promote(job_ctx.redis, job_id)
    assert await job_ctx.redis.zscore(BACKGROUND_QUEUE, job_id) is not None
    assert await job_ctx.redis.zscore(INTERACTIVE_QUEUE, job_id) is None
    await job_ctx.redis.delete("arq:in-progress:" + job_id)
    assert await promote(job_ctx.redis, job_id)
    assert await job_ctx.redis.zscore(BACKGROUND_QUEUE, job_id) is None
    assert await job_ctx.redis.zscore(INTERACTIVE_QUEUE, job_id) is not None
    assert not await promote(job_ctx.redis, job_id), "already interactive"
    assert not await promote(job_ctx.redis, "sync:no-such-job")


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    # one slot for the daily runs, two for Refresh clicks, one for first syncs
    return worker_process(
        settings,
        quiet=False,
        JANITOR_SYNC_PAGE_SIZE="20",
        JANITOR_SYNC_CONCURRENCY="1",
        JANITOR_WORKER_MAX_JOBS="1",
        JANITOR_WORKER_INTERACTIVE_MAX_JOBS="2",
        JANITOR_WORKER_FIRST_SYNC_MAX_JOBS="1",
    )


async def _run(ctx: AppContext, run_id: str) -> Any:
    async with ctx.sessionmaker() as s:
        return (
            await s.execute(text("SELECT status, started_at, finished_at FROM sync_runs WHERE id = :r"), {"r": run_id})
        ).one()


async def _until_started(ctx: AppContext, run_id: str, seconds: float = 60) -> Any:
    for _ in range(int(seconds * 20)):
        row = await _run(ctx, run_id)
        if row.started_at is not None:
            return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} did not start within {seconds} s")


async def test_interactive_runs_start_while_the_daily_runs_hold_every_background_slot(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, self_hosted: Settings, job_ctx: AppContext
) -> None:
    slow, waiting, newcomer, joining = await signup(), await signup(), await signup(), await signup()
    for user in (slow, waiting, newcomer):
        await connect_all(api, user, sim)
    joined = await connect_all(api, joining, sim)
    # every request to the Plex server is slow: the first daily run holds the one background slot
    httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 150, "max_in_flight": 1})
    busy = await _scheduled(job_ctx, slow)
    queued = await _scheduled(job_ctx, waiting)
    worker = _worker(self_hosted)
    try:
        await _until_started(job_ctx, busy)
        await asyncio.sleep(1)
        assert (await _run(job_ctx, queued)).started_at is None, "the background queue has one slot"

        fresh = (await api.post("/api/v1/sync/runs", headers=newcomer.headers)).json()
        started = await _until_started(job_ctx, fresh["id"], seconds=10)
        clicked = (await api.post("/api/v1/sync/runs", headers=waiting.headers)).json()
        assert clicked["id"] == queued, "a Refresh answers with the account's waiting run"
        promoted = await _until_started(job_ctx, queued, seconds=10)
        # both Refresh slots are taken: a first sync still starts, in its own
        first = (await api.post(f"/api/v1/sync/runs?added={joined['plex']}", headers=joining.headers)).json()
        assert first["trigger"] == "connection"
        await _until_started(job_ctx, first["id"], seconds=10)
        still = await _run(job_ctx, busy)
        assert still.finished_at is None, "all started while the daily run held the background slot"
        assert started.started_at < promoted.started_at

        httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 0})
        for run_id in (busy, queued, fresh["id"], first["id"]):
            for _ in range(1200):
                if (await _run(job_ctx, run_id)).finished_at is not None:
                    break
                await asyncio.sleep(0.1)
            row = await _run(job_ctx, run_id)
            assert row.status == "complete", (run_id, row)
        # a job leaves its queue once its run has ended and the job's last steps are done
        for _ in range(300):
            left = [j for q in QUEUES for j in await job_ctx.redis.zrange(q, 0, -1)]
            if not any(j.startswith(b"sync:") for j in left):
                break
            await asyncio.sleep(0.1)
        assert not any(j.startswith(b"sync:") for j in left), left
    finally:
        httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 0})
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        assert worker.returncode == 0
