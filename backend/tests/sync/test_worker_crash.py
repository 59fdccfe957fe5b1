"""A worker killed mid-sync (SIGKILL) loses nothing and duplicates nothing; the next run starts clean."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from typing import Any

import httpx
from sqlalchemy import text

from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignupFn
from janitor.devtools.sim_fixtures import connect_all, worker_process
from mediasim import SimServer


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    return worker_process(settings, JANITOR_SYNC_PAGE_SIZE="20", JANITOR_SYNC_CONCURRENCY="1")


async def _one(ctx: AppContext, sql: str, **params: Any) -> Any:
    async with ctx.sessionmaker() as s:
        return (await s.execute(text(sql), params)).one()


async def _wait(predicate: Any, seconds: float = 60) -> None:
    for _ in range(int(seconds * 10)):
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_sigkill_mid_run_then_a_clean_run(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, self_hosted: Settings, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 60, "max_in_flight": 1})
    first = (await api.post("/api/v1/sync/runs?full=true", headers=user.headers)).json()
    worker = _worker(self_hosted)
    try:

        async def some_items_stored() -> bool:
            (n,) = await _one(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"])
            return bool(n > 40)

        await _wait(some_items_stored)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
    (status,) = await _one(job_ctx, "SELECT status FROM sync_runs WHERE id = :r", r=first["id"])
    assert status == "running"
    (flagged,) = await _one(job_ctx, "SELECT count(*) FROM media_items WHERE missing_runs > 0 OR gone")
    assert flagged == 0
    # The dead worker's heartbeat expires (30 s in production); expire it now.
    for key in await job_ctx.redis.keys("worker:alive:*"):
        await job_ctx.redis.delete(key)
    httpx.post(sim.info["admin"] + "/servers/pms:home/pace", json={"pace_ms": 0})
    worker = _worker(self_hosted)
    try:

        async def first_failed() -> bool:
            (s,) = await _one(job_ctx, "SELECT status FROM sync_runs WHERE id = :r", r=first["id"])
            return bool(s == "failed")

        await _wait(first_failed)  # startup recovery
        second = (await api.post("/api/v1/sync/runs?full=true", headers=user.headers)).json()
        assert second["id"] != first["id"]

        async def second_done() -> bool:
            (s,) = await _one(job_ctx, "SELECT status FROM sync_runs WHERE id = :r", r=second["id"])
            return bool(s in ("complete", "partial", "failed"))

        await _wait(second_done, 120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    done = (await api.get(f"/api/v1/sync/runs/{second['id']}", headers=user.headers)).json()
    assert done["status"] == "complete", done
    (items, distinct) = await _one(
        job_ctx, "SELECT count(*), count(DISTINCT upstream_id) FROM media_items WHERE connection_id = :c", c=ids["plex"]
    )
    assert items == distinct == done["sources"][ids["plex"]]["total"]
    (flagged,) = await _one(job_ctx, "SELECT count(*) FROM media_items WHERE missing_runs > 0 OR gone")
    assert flagged == 0
