"""Derived data carries its freshness: a run records whether the reports' derived data matches what it
left in the tables, every report response says so (``data_as_of``, ``derived_stale``), the page cache
never serves a body from before it changed, and only a complete run with fresh derived data may feed
deletions (``data_may_feed_deletions``)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from janitor.core.deps import AppContext
from janitor.devtools.db_faults import refusing_writes
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.sync.freshness import data_may_feed_deletions
from janitor.sync.progress import channel
from janitor_worker.main import recover_orphans
from mediasim import SimServer

REPORTS = (
    "/api/v1/reports/large",
    "/api/v1/reports/stale",
    "/api/v1/reports/languages",
    "/api/v1/reports/requests",
    "/api/v1/reports/recently-available",
    "/api/v1/reports/duplicates",
    "/api/v1/reports/duplicates/albums",
    "/api/v1/dashboard",
)


def _rebuild_fails(ctx: AppContext) -> AbstractAsyncContextManager[None]:
    """While inside, the database refuses every duplicate candidate written: a real failure of the
    derived-data step, as a full disk or a broken constraint would be."""
    return refusing_writes(ctx, "duplicate_candidates", reason="test: no space left on device")


async def _connect(api: httpx.AsyncClient, user: SignedUp, sim: SimServer) -> dict[str, str]:
    """This folder's world: a Plex server and Jellyseerr."""
    pms, seerr = sim.info["pms"]["home"], sim.info["jellyseerr"]
    plex = await api.post(
        "/api/v1/connections/plex/manual",
        json={"url": pms["base_url"], "token": pms["owner_token"]},
        headers=user.headers,
    )
    requests = await api.post(
        "/api/v1/connections/jellyseerr",
        json={"url": seerr["base_url"], "api_key": seerr["api_key"]},
        headers=user.headers,
    )
    assert plex.status_code == requests.status_code == 201
    return {"plex": plex.json()["id"], "jellyseerr": requests.json()["id"]}


async def _sync(api: httpx.AsyncClient, user: SignedUp, run_job: RunJob, *, full: bool = True) -> dict[str, Any]:
    started = await api.post(f"/api/v1/sync/runs?full={str(full).lower()}", headers=user.headers)
    assert started.status_code == 202, started.text
    await run_job(user)
    run: dict[str, Any] = (await api.get(f"/api/v1/sync/runs/{started.json()['id']}", headers=user.headers)).json()
    return run


async def _may_delete(ctx: AppContext, user: SignedUp) -> bool:
    async with ctx.sessionmaker() as s:
        return await data_may_feed_deletions(s, user.account_id)


async def test_a_failed_rebuild_is_recorded_and_every_report_says_its_figures_may_be_out_of_date(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    await _connect(api, user, sim)
    assert not await _may_delete(job_ctx, user)  # never synced: nothing to decide from
    good = await _sync(api, user, run_job)
    assert (good["status"], good["derived_stale"], good["derived_error"]) == ("complete", False, None)
    assert await _may_delete(job_ctx, user)
    fresh = {path: await api.get(path, headers=user.headers) for path in REPORTS}
    for path, page in fresh.items():
        assert page.status_code == 200, path
        body = page.json()
        assert (body["derived_stale"], body["derived_stale_reason"]) == (False, None), path
        assert datetime.fromisoformat(body["data_as_of"]) == datetime.fromisoformat(good["finished_at"]), path
        assert (await api.get(path, headers=user.headers)).headers["x-cache"] == "hit", path  # cached now

    async with _rebuild_fails(job_ctx):
        broken = await _sync(api, user, run_job)
    # Every page of every source was read: the run is complete, its derived data is not.
    assert broken["status"] == "complete", broken
    assert broken["derived_stale"] is True
    assert broken["derived_error"] == "the report figures could not be rebuilt"
    assert "the report figures could not be rebuilt" in broken["error"]
    assert "no space left" not in broken["error"]  # the database's words stay in the worker's log
    assert not await _may_delete(job_ctx, user)  # complete, but not complete for deletions
    for path in REPORTS:
        page = await api.get(path, headers=user.headers)
        assert page.headers["x-cache"] == "miss", path  # never the body cached while it was fresh
        body = page.json()
        assert body["derived_stale"] is True, path
        assert body["derived_stale_reason"] == "the report figures could not be rebuilt", path
        # the figures are as of the last run that rebuilt them, not the one that failed to
        assert datetime.fromisoformat(body["data_as_of"]) == datetime.fromisoformat(good["finished_at"]), path

    # The next refresh changes nothing upstream, yet rebuilds what the last run left stale.
    repaired = await _sync(api, user, run_job, full=False)
    assert repaired["status"] == "complete"
    assert repaired["derived_stale"] is False
    assert await _may_delete(job_ctx, user)
    for path in REPORTS:
        body = (await api.get(path, headers=user.headers)).json()
        assert body["derived_stale"] is False, path
        assert datetime.fromisoformat(body["data_as_of"]) == datetime.fromisoformat(repaired["finished_at"]), path


async def test_a_refresh_that_changes_nothing_after_fresh_data_keeps_it_fresh_without_a_rebuild(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    await _connect(api, user, sim)
    await _sync(api, user, run_job)
    async with _rebuild_fails(job_ctx):  # a rebuild now would fail: none is attempted
        quick = await _sync(api, user, run_job, full=False)
    assert quick["status"] == "complete"
    assert quick["derived_stale"] is False
    assert await _may_delete(job_ctx, user)


async def test_only_the_latest_finished_run_counts_for_deletions(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await _connect(api, user, sim)
    await _sync(api, user, run_job)
    assert await _may_delete(job_ctx, user)
    # A run that is running: its rows are being rewritten.
    async with job_ctx.sessionmaker() as s, s.begin():
        await s.execute(
            text(
                'INSERT INTO sync_runs (id, account_id, trigger, "full", status, sources, upstream_requests, items, '
                "cancel_requested, started_at) VALUES (gen_random_uuid(), :a, 'manual', true, 'running', '{}', 0, 0, "
                "false, now())"
            ),
            {"a": user.account_id},
        )
    assert not await _may_delete(job_ctx, user)
    async with job_ctx.sessionmaker() as s, s.begin():
        await s.execute(text("DELETE FROM sync_runs WHERE status = 'running'"))
    # A run cancelled before it started touched nothing: the complete run before it still speaks.
    queued = (await api.post("/api/v1/sync/runs", headers=user.headers)).json()
    await api.post(f"/api/v1/sync/runs/{queued['id']}/cancel", headers=user.headers)
    assert await _may_delete(job_ctx, user)
    # A partial run (Plex failing) never feeds deletions, whatever its derived data.
    httpx.post(sim.info["admin"] + "/faults", json={"server": "pms:*", "route": "/library/sections/*", "status": 500})
    partial = await _sync(api, user, run_job)
    assert partial["status"] == "partial"
    assert partial["sources"][ids["plex"]]["status"] != "complete"
    assert partial["derived_stale"] is False
    assert not await _may_delete(job_ctx, user)
    httpx.delete(sim.info["admin"] + "/faults")
    assert (await _sync(api, user, run_job))["status"] == "complete"
    assert await _may_delete(job_ctx, user)


async def test_a_run_that_dies_leaves_the_figures_marked_stale_until_a_run_rebuilds_them(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """Crash recovery fails a run a dead worker left running: it never rebuilt the figures."""
    user = await signup()
    await _connect(api, user, sim)
    good = await _sync(api, user, run_job)
    async with job_ctx.sessionmaker() as s, s.begin():
        dead_run = await s.scalar(
            text(
                'INSERT INTO sync_runs (id, account_id, trigger, "full", status, sources, upstream_requests, items, '
                "cancel_requested, started_at, worker_id) VALUES (gen_random_uuid(), :a, 'manual', true, 'running', "
                "'{}', 0, 0, false, now(), 'dead:1') RETURNING id"
            ),
            {"a": user.account_id},
        )
    assert (await api.get("/api/v1/reports/stale", headers=user.headers)).json()["derived_stale"] is False
    pubsub = job_ctx.redis.pubsub()
    await pubsub.subscribe(channel(user.account_id))
    try:
        assert await recover_orphans({"app": job_ctx}) == 1  # the worker's cron
        # A page following the run live learns that it ended.
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        while message is None:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        assert orjson.loads(message["data"]) | {"at": None} == {
            "run_id": str(dead_run),
            "status": "failed",
            "finished": True,
            "at": None,
        }
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()  # type: ignore[no-untyped-call]
    page = await api.get("/api/v1/reports/stale", headers=user.headers)
    assert page.headers["x-cache"] == "miss"  # recovery moved the account's pages on
    body = page.json()
    assert body["derived_stale"] is True
    assert body["derived_stale_reason"] == "the sync stopped before the report figures were rebuilt"
    assert datetime.fromisoformat(body["data_as_of"]) == datetime.fromisoformat(good["finished_at"])
    assert not await _may_delete(job_ctx, user)
    assert (await _sync(api, user, run_job, full=False))["derived_stale"] is False
    assert (await api.get("/api/v1/reports/stale", headers=user.headers)).json()["derived_stale"] is False


async def _set_run(ctx: AppContext, run_id: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in values)
    async with ctx.sessionmaker() as s, s.begin():
        await s.execute(text(f"UPDATE sync_runs SET {sets} WHERE id = :id"), {"id": run_id, **values})


async def test_while_the_first_sync_runs_reports_and_dashboard_list_nothing_and_say_why(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """Half-read libraries are not a report: mid-way through the first sync the items are stored and
    their plays not yet (the stale report would call everything never watched). Every report lists
    nothing and the dashboard shows no figures, each saying the first sync is running; from its end on,
    the reports are read as always, including during the later syncs."""
    user = await signup()
    await _connect(api, user, sim)
    run = await _sync(api, user, run_job)
    assert run["status"] == "complete"
    shown = {path: (await api.get(path, headers=user.headers)).json() for path in REPORTS}
    assert all(not body["first_sync_running"] for body in shown.values())
    assert shown["/api/v1/reports/stale"]["total"] > 0
    assert shown["/api/v1/dashboard"]["storage"]

    # the same rows, as the first run sees them before it ends
    await _set_run(job_ctx, run["id"], status="running", finished_at=None, derived_stale=None, derived_error=None)
    await job_ctx.page_cache.bump_quietly(user.account_id)
    for path in REPORTS:
        body = (await api.get(path, headers=user.headers)).json()
        assert body["first_sync_running"] is True, path
        assert body["data_as_of"] is None, path
        if path == "/api/v1/dashboard":
            assert (body["cards"], body["storage"], body["stale_by_age"]) == ([], [], []), body
            assert body["has_connections"] and body["last_sync"]["status"] == "running"
        else:
            assert (body["items"], body["total"]) == ([], 0), path
    languages = (await api.get("/api/v1/reports/languages", headers=user.headers)).json()
    assert languages["languages_chosen"] is False  # the owner's choice, said as it is
    # nor exported, nor queued for deletion, whether chosen row by row or "all matching"
    csv = await api.get("/api/v1/reports/stale/export.csv", headers=user.headers)
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 1, csv.text
    row = shown["/api/v1/reports/stale"]["items"][0]
    chosen = {"reason": "stale", "items": [{"connection_id": row["connection_id"], "upstream_id": row["upstream_id"]}]}
    matching = {"reason": "stale", "filter": {}, "expected": shown["/api/v1/reports/stale"]["total"]}
    for path, body in (("/api/v1/deletions/queue", chosen), ("/api/v1/deletions/queue/matching", matching)):
        refused = await api.post(path, json=body, headers=user.headers)
        assert refused.status_code == 409, (path, refused.text)
        assert "your first sync is still running" in refused.json()["detail"], refused.text
    async with job_ctx.sessionmaker() as s:
        assert await s.scalar(text("SELECT count(*) FROM deletion_queue")) == 0

    # a first run cancelled before it started read nothing: the next one is still the first
    await _set_run(job_ctx, run["id"], status="queued", started_at=None)
    await job_ctx.page_cache.bump_quietly(user.account_id)
    assert (await api.get("/api/v1/reports/stale", headers=user.headers)).json()["first_sync_running"] is True

    # once a run has ended, a later one running changes nothing: the reports show what is stored
    await _set_run(job_ctx, run["id"], status="complete", started_at=datetime.fromisoformat(run["started_at"]))
    await _set_run(
        job_ctx,
        run["id"],
        finished_at=datetime.fromisoformat(run["finished_at"]),
        derived_stale=False,
    )
    again = await api.post("/api/v1/sync/runs", headers=user.headers)
    assert again.status_code == 202
    await job_ctx.page_cache.bump_quietly(user.account_id)
    for path in REPORTS:
        body = (await api.get(path, headers=user.headers)).json()
        assert body["first_sync_running"] is False, path
        assert body == {**shown[path], "first_sync_running": False} or path == "/api/v1/dashboard", path
    dash = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    assert dash["storage"] == shown["/api/v1/dashboard"]["storage"]
    assert dash["last_sync"]["status"] == "queued"
