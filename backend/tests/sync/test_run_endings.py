"""No sync run ever stays ``running``: every way a run can end records its end, so the next refresh
starts a new run (one active run per account is a database rule)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker
from sqlalchemy import select, text

from janitor.core.config import Settings
from janitor.core.context import build_context, close_context
from janitor.core.deps import AppContext
from janitor.core.queue import INTERACTIVE_QUEUE
from janitor.devtools.db_faults import refusing_writes
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import connect_all
from janitor.jobs.names import JobName
from janitor.jobs.runner import tenant_job
from janitor.sync.models import SyncRun
from janitor.sync.recovery import fail_stalled_runs
from janitor_worker.registry import TENANT_HANDLERS
from mediasim import SimServer


@pytest.fixture
async def slow_ctx(self_hosted: Settings) -> AsyncIterator[AppContext]:
    """A worker context reading small pages one at a time, so a run lasts long enough to interfere with."""
    ctx = await build_context(self_hosted.model_copy(update={"sync_page_size": 20, "sync_concurrency": 1}))
    try:
        yield ctx
    finally:
        await close_context(ctx)


def _job(ctx: AppContext, user: SignedUp) -> Awaitable[str]:
    arq_ctx: dict[str, Any] = {"app": ctx, "worker_id": "test-worker", "job_try": 1, "job_id": uuid.uuid4().hex}
    return tenant_job(JobName.SYNC, TENANT_HANDLERS[JobName.SYNC])(arq_ctx, str(user.account_id))


async def _scalar(ctx: AppContext, sql: str, **params: Any) -> Any:
    async with ctx.sessionmaker() as s:
        return (await s.execute(text(sql), params)).scalar()


async def _until(predicate: Callable[[], Awaitable[bool]], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def _latest(api: httpx.AsyncClient, user: SignedUp) -> dict[str, Any]:
    run: dict[str, Any] = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    return run


def _fault(sim: SimServer, **fault: Any) -> None:
    r = httpx.post(sim.info["admin"] + "/faults", json=fault)
    assert r.status_code == 201, r.text


async def _a_new_run_starts_and_completes(
    api: httpx.AsyncClient, user: SignedUp, ctx: AppContext, before: dict[str, Any]
) -> None:
    started = await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    assert started.status_code == 202, started.text  # not the old run handed back as still active
    assert started.json()["id"] != before["id"]
    await _job(ctx, user)
    assert (await _latest(api, user))["status"] == "complete"


async def test_a_database_error_in_a_source_ends_the_run_and_the_next_refresh_starts_a_new_one(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    async with refusing_writes(
        job_ctx, "watch_events", reason="test: the disk is full"
    ):  # Plex's play history cannot be stored
        await _job(job_ctx, user)
    run = await _latest(api, user)
    assert run["status"] == "partial", run  # the other servers are independent of Plex
    plex = run["sources"][ids["plex"]]
    assert plex["status"] in ("failed", "partial")
    assert "unexpected error" in plex["error"]
    assert "disk is full" not in (run["error"] or "")  # the database's words stay in the worker's log
    assert run["sources"][ids["jellyfin"]]["status"] == "complete"
    assert run["finished_at"] is not None
    assert await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE missing_runs > 0 OR gone") == 0
    await _a_new_run_starts_and_completes(api, user, job_ctx, run)


async def test_an_error_outside_any_source_fails_the_run(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, job_ctx: AppContext
) -> None:
    """A failure of the run's own bookkeeping (here: its connection state cannot be saved) is no
    source's: the run ends failed, with its reason, in a transaction of its own."""
    user = await signup()
    await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    async with refusing_writes(job_ctx, "connections", of="sync_state", reason="test: connection state refused"):
        with pytest.raises(Exception, match="connection state refused"):
            await _job(job_ctx, user)
    run = await _latest(api, user)
    assert run["status"] == "failed", run
    assert run["error"].startswith("The sync stopped: an unexpected error stopped it")
    assert "nothing it left unfinished was marked missing" in run["error"]
    assert run["finished_at"] is not None
    await _a_new_run_starts_and_completes(api, user, job_ctx, run)


async def test_deleting_a_connection_mid_run_cancels_the_run(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, slow_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 40, "max_in_flight": 1})
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    job = asyncio.ensure_future(_job(slow_ctx, user))

    async def plex_items_stored() -> bool:
        n = await _scalar(slow_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"])
        return bool(n > 40)

    await _until(plex_items_stored)
    deleted = await api.delete(f"/api/v1/connections/{ids['plex']}", headers=user.headers)
    assert deleted.status_code == 204, deleted.text
    await asyncio.wait_for(job, 30)
    run = await _latest(api, user)
    assert run["status"] == "cancelled", run
    assert run["cancel_requested"] is True
    assert {s["status"] for s in run["sources"].values()} <= {"cancelled", "complete", "partial", "failed"}
    assert await _scalar(slow_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"]) == 0
    httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 0})
    await _a_new_run_starts_and_completes(api, user, slow_ctx, run)


async def test_cancel_is_honoured_while_the_run_waits_on_a_server(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, slow_ctx: AppContext
) -> None:
    """A server holding a request (here 20 s, under the 30 s request limit) does not hold a cancel up:
    the run stops within about a second, not when its next page arrives."""
    user = await signup()
    ids = await connect_all(api, user, sim)
    _fault(sim, server="pms:home", route="/library/sections/*/all", timeout=True, timeout_s=20, after=2)
    run = (await api.post("/api/v1/sync/runs?full=true", headers=user.headers)).json()
    job = asyncio.ensure_future(_job(slow_ctx, user))

    async def plex_items_stored() -> bool:
        n = await _scalar(slow_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"])
        return bool(n >= 40)

    await _until(plex_items_stored)
    await asyncio.sleep(0.5)  # the third listing request is being held
    asked = time.monotonic()
    cancelled = await api.post(f"/api/v1/sync/runs/{run['id']}/cancel", headers=user.headers)
    assert cancelled.status_code == 200
    await asyncio.wait_for(job, 60)
    assert time.monotonic() - asked < 8
    done = (await api.get(f"/api/v1/sync/runs/{run['id']}", headers=user.headers)).json()
    assert done["status"] == "cancelled", done
    assert done["sources"][ids["plex"]]["status"] == "cancelled"
    assert done["sources"][ids["jellyfin"]]["status"] == "cancelled"  # never started
    assert await _scalar(slow_ctx, "SELECT count(*) FROM media_items WHERE missing_runs > 0 OR gone") == 0


async def test_arqs_job_timeout_fails_the_run_and_the_next_refresh_starts_a_new_one(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, self_hosted: Settings
) -> None:
    """The real arq worker with a 2-second job limit, against a server slow enough to exceed it."""
    settings = self_hosted.model_copy(
        update={"sync_page_size": 20, "sync_concurrency": 1, "worker_job_timeout_seconds": 2}
    )
    ctx = await build_context(settings)
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        user = await signup()
        await connect_all(api, user, sim)
        httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 100, "max_in_flight": 1})
        first = (await api.post("/api/v1/sync/runs?full=true", headers=user.headers)).json()
        worker = Worker(
            functions=[tenant_job(JobName.SYNC, TENANT_HANDLERS[JobName.SYNC])],
            redis_pool=pool,
            queue_name=INTERACTIVE_QUEUE,  # a Refresh
            burst=True,
            job_timeout=settings.worker_job_timeout_seconds,
            ctx={"app": ctx, "worker_id": "test-worker"},
            handle_signals=False,
            poll_delay=0.05,
            keep_result=0,
            max_tries=1,
        )
        await asyncio.wait_for(worker.main(), 60)
        assert worker.jobs_failed == 1
        run = await _latest(api, user)
        assert run["id"] == first["id"]
        assert run["status"] == "failed", run
        assert "ran longer than the 2 s a background job may take" in run["error"]
        httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 0})
        await _a_new_run_starts_and_completes(api, user, ctx, run)
    finally:
        await pool.aclose()
        await close_context(ctx)


async def test_the_watchdog_fails_a_stuck_run_which_then_stops_without_overwriting_it(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, slow_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    # Every listing request after the first two is held for longer than the stall limit (3 s).
    _fault(sim, server="pms:home", route="/library/sections/*/all", timeout=True, timeout_s=25, after=2)
    run = (await api.post("/api/v1/sync/runs?full=true", headers=user.headers)).json()
    job = asyncio.ensure_future(_job(slow_ctx, user))

    async def watchdog_fired() -> bool:
        async with slow_ctx.sessionmaker() as s, s.begin():
            return await fail_stalled_runs(s, slow_ctx.redis, stall_minutes=0.05) == 1

    await _until(watchdog_fired, 30)
    await asyncio.wait_for(job, 10)  # the stuck job notices within a second and stops
    done = (await api.get(f"/api/v1/sync/runs/{run['id']}", headers=user.headers)).json()
    assert done["status"] == "failed"
    assert done["error"].startswith("No progress for 0.05 minutes: the sync was stopped.")
    assert done["phase"] == "stopped"
    assert await _scalar(slow_ctx, "SELECT count(*) FROM media_items WHERE missing_runs > 0 OR gone") == 0
    assert await _scalar(slow_ctx, "SELECT count(*) FROM sync_seen_items WHERE connection_id = :c", c=ids["plex"]) == 0
    httpx.delete(sim.info["admin"] + "/faults")
    await _a_new_run_starts_and_completes(api, user, slow_ctx, done)


async def test_the_watchdog_leaves_a_slow_but_healthy_run_alone(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, slow_ctx: AppContext
) -> None:
    """A run far longer than the stall limit that shows progress at every page (written in the
    background) is never failed."""
    user = await signup()
    await connect_all(api, user, sim)
    # Slow enough that the run outlasts the stall limit twice over whatever the machine's speed.
    httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 300, "max_in_flight": 1})
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    job = asyncio.ensure_future(_job(slow_ctx, user))
    started = time.monotonic()
    fired = 0
    while not job.done():
        async with slow_ctx.sessionmaker() as s, s.begin():
            fired += await fail_stalled_runs(s, slow_ctx.redis, stall_minutes=0.05)
        await asyncio.sleep(0.3)
    await job
    assert time.monotonic() - started > 3 * 2  # the run lasted twice the limit at least
    assert fired == 0
    assert (await _latest(api, user))["status"] == "complete"


async def test_the_watchdog_judges_by_the_last_progress_and_fails_queued_runs_whose_job_was_lost(
    ctx: AppContext, signup: SignupFn
) -> None:
    users = [await signup() for _ in range(5)]
    stalled, healthy, lost, waiting, recent = (u.account_id for u in users)
    now = datetime.now(UTC)
    ago = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    async with ctx.sessionmaker() as s, s.begin():
        s.add_all(
            [
                # running runs are judged by their last progress, queued ones by their age
                SyncRun(
                    account_id=stalled, status="running", created_at=ago(120), started_at=ago(120), progress_at=ago(31)
                ),
                SyncRun(
                    account_id=healthy, status="running", created_at=ago(120), started_at=ago(120), progress_at=ago(29)
                ),
                SyncRun(account_id=lost, status="queued", created_at=ago(31)),
                SyncRun(account_id=waiting, status="queued", created_at=ago(31)),
                SyncRun(account_id=recent, status="queued", created_at=ago(29)),
            ]
        )
        for run in s.new:
            assert isinstance(run, SyncRun)
            run.trigger, run.sources, run.worker_id = "manual", {}, "alive:1"
    async with ctx.sessionmaker() as s:
        waiting_run = await s.scalar(select(SyncRun.id).where(SyncRun.account_id == waiting))
    await ctx.redis.enqueue_job(JobName.SYNC.value, str(waiting), _job_id=f"sync:{waiting_run}")
    async with ctx.sessionmaker() as s, s.begin():
        assert await fail_stalled_runs(s, ctx.redis, stall_minutes=30) == 2
    async with ctx.sessionmaker() as s:
        rows = (await s.execute(text("SELECT account_id, status, error, cancel_requested FROM sync_runs"))).all()
    by_account = {r.account_id: r for r in rows}
    assert {a: by_account[a].status for a in (stalled, healthy, lost, waiting, recent)} == {
        stalled: "failed",
        healthy: "running",
        lost: "failed",
        waiting: "queued",
        recent: "queued",
    }
    assert by_account[stalled].error.startswith("No progress for 30 minutes")
    assert by_account[stalled].cancel_requested is True  # its worker, if alive, stops
    assert "was lost before it started" in by_account[lost].error
