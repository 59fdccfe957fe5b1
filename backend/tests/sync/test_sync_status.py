"""Sync status vs. sync action: the status reads without starting anything, Refresh is refused with
nothing to read, and a run says what started it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from janitor.connections.models import Connection
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from janitor.jobs.fanout import spread_offset
from janitor.sync.models import SyncRun
from janitor.sync.schedule import DAY, latest_slot, next_slot
from mediasim import SimServer


async def _runs(ctx: AppContext, account_id: uuid.UUID) -> int:
    async with ctx.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(SyncRun).where(SyncRun.account_id == account_id)))


async def test_with_nothing_connected_refresh_is_refused_and_the_status_says_why(
    api: httpx.AsyncClient, signup: SignupFn, job_ctx: AppContext
) -> None:
    user = await signup()
    status = (await api.get("/api/v1/sync/status", headers=user.headers)).json()
    assert status["latest"] is None and status["servers"] == 0 and status["next_scheduled_at"] is None
    assert status["refresh_blocked"]["error"] == "nothing_to_sync"
    assert "connect a Plex, Jellyfin or Jellyseerr server first" in status["refresh_blocked"]["detail"]
    for query in ("", "?full=true"):
        r = await api.post(f"/api/v1/sync/runs{query}", headers=user.headers)
        assert r.status_code == 409, r.text
        assert r.json() == status["refresh_blocked"]
    # No run was recorded: before this, a refresh with nothing to read "completed" with 0 items.
    assert await _runs(job_ctx, user.account_id) == 0
    assert (await api.get("/api/v1/sync/runs", headers=user.headers)).json() == []


async def test_the_status_reads_without_starting_a_run(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, job_ctx: AppContext
) -> None:
    user = await signup()
    await connect_all(api, user, sim)
    before = datetime.now(UTC)
    status = (await api.get("/api/v1/sync/status", headers=user.headers)).json()
    assert (status["latest"], status["servers"], status["refresh_blocked"]) == (None, 3, None)
    # never synced: the daily slot is owed, due now (the scheduler's next look starts it)
    due = datetime.fromisoformat(status["next_scheduled_at"])
    assert due == latest_slot(user.account_id, before) or due == latest_slot(user.account_id, datetime.now(UTC))
    assert await _runs(job_ctx, user.account_id) == 0


async def test_a_run_started_by_adding_a_server_says_so(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    name = (await api.get(f"/api/v1/connections/{ids['jellyfin']}", headers=user.headers)).json()["name"]
    started = await api.post(f"/api/v1/sync/runs?added={ids['jellyfin']}", headers=user.headers)
    assert started.status_code == 202, started.text
    run = started.json()
    assert (run["trigger"], run["trigger_server"], run["full"]) == ("connection", name, False)
    assert run["percent"] is None  # queued: nothing measured yet
    # adding another server while it is queued: the same run (it reads every server), label kept
    again = await api.post(f"/api/v1/sync/runs?added={ids['plex']}", headers=user.headers)
    assert again.status_code == 200 and again.json()["id"] == run["id"]
    assert again.json()["trigger_server"] == name
    await run_job(user)
    status = (await api.get("/api/v1/sync/status", headers=user.headers)).json()
    done = status["latest"]
    assert (done["id"], done["status"], done["trigger"], done["trigger_server"]) == (
        run["id"],
        "complete",
        "connection",
        name,
    )
    assert done["percent"] == 100
    # the servers in the order the run read them (connections by age), each at 100
    assert list(done["sources"]) == [ids["plex"], ids["jellyfin"], ids["jellyseerr"]]
    assert [s["position"] for s in done["sources"].values()] == [0, 1, 2]
    assert {s["percent"] for s in done["sources"].values()} == {100}
    # that run served today's slot: the next one is ahead, tomorrow's at the latest
    due = datetime.fromisoformat(status["next_scheduled_at"])
    assert datetime.now(UTC) < due <= latest_slot(user.account_id, datetime.now(UTC)) + timedelta(days=2)
    # the plain Refresh is labelled as one
    refresh = (await api.post("/api/v1/sync/runs?full=true", headers=user.headers)).json()
    assert (refresh["trigger"], refresh["trigger_server"], refresh["full"]) == ("manual", None, True)


async def test_the_server_added_must_be_one_of_the_account(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, job_ctx: AppContext
) -> None:
    owner, other = await signup(), await signup()
    ids = await connect_all(api, owner, sim)
    await connect_all(api, other, sim)
    for added in (ids["plex"], str(uuid.uuid4())):
        r = await api.post(f"/api/v1/sync/runs?added={added}", headers=other.headers)
        assert r.status_code == 404 and r.json()["error"] == "connection_not_found", r.text
    assert await _runs(job_ctx, other.account_id) == 0
    r = await api.post("/api/v1/sync/runs?added=not-an-id", headers=other.headers)
    assert r.status_code == 422


async def test_a_full_read_remembers_each_servers_size_for_the_next_runs_progress(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    async with job_ctx.sessionmaker() as s:
        states = {str(c.id): c.sync_state for c in await s.scalars(select(Connection))}
    for key in ids.values():
        assert states[key]["last_total"] == run["sources"][key]["total"] > 0


def test_the_next_scheduled_run() -> None:
    account = uuid.uuid4()
    slot = datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=spread_offset(account, DAY))
    now = slot + timedelta(hours=2)
    assert latest_slot(account, now) == slot
    # never run, or not since long before the latest slot: owed, due at that slot (overdue now)
    assert next_slot(account, now, None) == slot
    assert next_slot(account, now, slot - timedelta(hours=20, seconds=1)) == slot
    # the latest slot served (a run exactly 20 hours before it serves it): the next day's
    assert next_slot(account, now, slot - timedelta(hours=20)) == slot + timedelta(days=1)
    assert next_slot(account, now, now) == slot + timedelta(days=1)
    # a refresh less than 20 hours before tomorrow's slot serves that one too: the day after
    later = slot + timedelta(hours=5)
    assert next_slot(account, later, later) == slot + timedelta(days=2)
    assert next_slot(account, later, slot + timedelta(hours=4)) == slot + timedelta(days=2)
    assert next_slot(account, later, slot + timedelta(hours=4) - timedelta(seconds=1)) == slot + timedelta(days=1)
