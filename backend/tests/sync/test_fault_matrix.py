"""Every fault mode of the simulator: each run ends in its true state, an incomplete run marks
nothing missing, and the next healthy run repairs everything."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from mediasim import SimServer


@pytest.fixture
def self_hosted(settings: Settings, sim: SimServer, request: pytest.FixtureRequest) -> Settings:
    # The hanging-server case gets a short timeout so it costs seconds, not minutes. Every other case
    # keeps the product's timeout: on a loaded machine a healthy answer may take over a second (the
    # simulator shares this process), and only the planted fault may make a run incomplete.
    callspec = getattr(request.node, "callspec", None)
    hangs = callspec is not None and callspec.params.get("case") == "timeouts"
    return settings.model_copy(
        update={
            "allow_private_networks": True,
            "plex_tv_url": sim.info["plextv"]["base_url"],
            "upstream_timeout_seconds": 1.0 if hangs else settings.upstream_timeout_seconds,
            "sync_page_size": 50,
            "sync_detail_batch": 7,  # small pages and batches: every path of the pipeline runs
        }
    )


async def _count(ctx: AppContext, sql: str, **params: Any) -> int:
    async with ctx.sessionmaker() as s:
        return int((await s.execute(text(sql), params)).scalar() or 0)


async def _flagged(ctx: AppContext, connection_id: str) -> int:
    """Items of the connection counted missing or gone."""
    sql = "SELECT count(*) FROM media_items WHERE connection_id = :c AND (missing_runs > 0 OR gone)"
    return await _count(ctx, sql, c=connection_id)


async def _sync(api: httpx.AsyncClient, user: SignedUp, run_job: RunJob) -> dict[str, Any]:
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    run: dict[str, Any] = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    return run


def _why(run: dict[str, Any]) -> str:
    """A run's status, error and each source's, whole: what a failed assertion needs to be read."""
    sources = {key: (src.get("status"), src.get("error")) for key, src in (run.get("sources") or {}).items()}
    return f"status={run.get('status')} error={run.get('error')!r} sources={sources}"


def _fault(sim: SimServer, **spec: Any) -> None:
    r = httpx.post(sim.info["admin"] + "/faults", json=spec)
    assert r.status_code == 201, r.text


CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    # name: (fault on the Plex server, expected run status, expected Plex source status; an incomplete
    # source is "failed" when it stored nothing this run and "partial" otherwise)
    "transient 503 then recovery": (
        {"status": 503, "times": 2, "route": "/library/sections/*"},
        "complete",
        "complete",
    ),
    "429 with Retry-After": (
        {"status": 429, "retry_after": 1, "times": 1, "route": "/library/sections/*"},
        "complete",
        "complete",
    ),
    "some 500s (retried)": ({"status": 500, "error_rate": 1.0, "times": 3}, "complete", "complete"),
    "every listing 502": ({"status": 502, "route": "/library/sections/*"}, "partial", "failed"),
    "connection resets": ({"reset": True, "route": "/library/sections/*"}, "partial", "failed"),
    "timeouts": ({"timeout": True, "timeout_s": 3, "route": "/library/sections/*/all"}, "partial", "failed"),
    "truncated page": ({"truncate": True, "route": "/library/sections/*/all", "after": 1}, "partial", "partial"),
    "totalSize disagrees": ({"total_size_delta": 5, "route": "/library/sections/*/all"}, "partial", "partial"),
    "401 in the middle": ({"unauthorized_after": 4}, "partial", "partial"),
    "empty library": ({"empty": True, "route": "/library/sections/*/all"}, "partial", "partial"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_plex_fault_modes(
    case: str, api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    fault, run_status, plex_status = CASES[case]
    user = await signup()
    ids = await connect_all(api, user, sim)
    healthy = await _sync(api, user, run_job)
    assert healthy["status"] == "complete", _why(healthy)
    assert (
        await _count(
            job_ctx, "SELECT count(*) FROM media_items WHERE kind IN ('movie', 'episode') AND streams_synced_at IS NULL"
        )
        == 0
    ), "every movie and episode has its languages"
    items = await _count(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"])
    _fault(sim, server="pms:*", **fault)
    run = await _sync(api, user, run_job)
    assert run["status"] == run_status, _why(run)
    plex = run["sources"][ids["plex"]]
    assert plex["status"] == plex_status or (plex_status != "complete" and plex["status"] in ("failed", "partial")), (
        plex
    )
    assert run["sources"][ids["jellyfin"]]["status"] == "complete"
    if run_status != "complete":
        assert run["error"], "an incomplete run says why"
    # nothing is ever marked missing by the faulty run
    assert await _flagged(job_ctx, ids["plex"]) == 0
    httpx.delete(sim.info["admin"] + "/faults")
    repaired = await _sync(api, user, run_job)
    assert repaired["status"] == "complete", _why(repaired)
    assert await _count(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"]) == items
    assert await _flagged(job_ctx, ids["plex"]) == 0


FIRST_PASS_CASES: dict[str, dict[str, Any]] = {
    # A library's first pass asks each page's details before writing it: faults there, on the very first run.
    "truncated listing page": {"truncate": True, "route": "/library/sections/*/all", "after": 3},
    "details failing for good": {"status": 500, "route": "/library/metadata/*", "after": 2},
    "401 in the middle": {"unauthorized_after": 12},
}


@pytest.mark.parametrize("case", list(FIRST_PASS_CASES))
async def test_plex_fault_modes_on_a_first_pass(
    case: str, api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    _fault(sim, server="pms:*", **FIRST_PASS_CASES[case])
    ids = await connect_all(api, user, sim)
    run = await _sync(api, user, run_job)
    assert run["status"] == "partial", _why(run)
    assert run["sources"][ids["plex"]]["status"] in ("failed", "partial")
    videos = "SELECT count(*) FROM media_items WHERE connection_id = :c AND kind IN ('movie', 'episode')"
    # What the first pass wrote, it wrote whole; nothing is marked missing by it.
    assert await _count(job_ctx, f"{videos} AND streams_synced_at IS NULL", c=ids["plex"]) == 0
    assert await _flagged(job_ctx, ids["plex"]) == 0
    httpx.delete(sim.info["admin"] + "/faults")
    repaired = await _sync(api, user, run_job)
    assert repaired["status"] == "complete", _why(repaired)
    server = sim.state.world.plex_servers[0]
    listed = sum(
        len(i.leaves())
        for section in server.sections
        if section.type != "artist"
        for i in section.items
        if not i.deleted
    )
    assert await _count(job_ctx, videos, c=ids["plex"]) == listed
    assert await _count(job_ctx, f"{videos} AND streams_synced_at IS NULL", c=ids["plex"]) == 0


async def test_a_first_pass_keeps_to_the_per_server_bound_on_requests_in_flight(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, self_hosted: Settings
) -> None:
    """Listing pages, look-ahead details and history together never exceed ``sync_concurrency`` requests
    at once on a server (a paced server, so that requests overlap)."""
    admin = sim.info["admin"]
    assert httpx.post(admin + "/servers/pms:home/pace", json={"pace_ms": 25}).status_code == 200
    user = await signup()
    await connect_all(api, user, sim)
    httpx.delete(admin + "/requests")
    run = await _sync(api, user, run_job)
    assert run["status"] == "complete", run
    peak = httpx.get(admin + "/requests").json()["peak_in_flight"]["pms:home"]
    assert 1 < peak <= self_hosted.sync_concurrency


async def test_server_restart_mid_run_is_ridden_out(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await signup()
    await connect_all(api, user, sim)
    httpx.post(sim.info["admin"] + "/servers/pms:home/restart", json={"down_ms": 300})
    run = await _sync(api, user, run_job)
    assert run["status"] == "complete", run


async def test_shrinking_history_keeps_recorded_plays_and_warns(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await _sync(api, user, run_job)
    plays = await _count(job_ctx, "SELECT count(*) FROM watch_events")
    assert plays > 0
    _fault(sim, server="pms:*", route="/status/sessions/history/all", history_shrink=0.5)
    run = await _sync(api, user, run_job)
    assert run["status"] == "complete"
    assert any("history shrank" in w for w in run["sources"][ids["plex"]]["warnings"])
    assert await _count(job_ctx, "SELECT count(*) FROM watch_events") == plays


async def test_jellyfin_and_jellyseerr_failures_are_independent(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    _fault(sim, server="jellyfin", route="/Items*", status=500)
    _fault(sim, server="jellyseerr", route="/api/v1/request*", status=503)
    run = await _sync(api, user, run_job)
    assert run["status"] == "partial"
    assert run["sources"][ids["plex"]]["status"] == "complete"
    assert run["sources"][ids["jellyfin"]]["status"] in ("failed", "partial")
    assert run["sources"][ids["jellyseerr"]]["status"] == "failed"
