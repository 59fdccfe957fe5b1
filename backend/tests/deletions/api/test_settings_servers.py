"""Settings (defaults without a row, bounds, library delays) and servers: dry-run by default,
leaving it is an explicit step that repeats the caps and asks the server for the deletion right,
going back is always allowed, and a mass vanish held back by a full sync freezes the server."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from janitor.core.deps import AppContext
from janitor.deletions.models import DeletionSettings, ServerDeletionState
from janitor.devtools.pytest_plugin import SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.library.models import MediaItem

from .conftest import World, item, sync

CAPS = {
    "max_run_items": 25,
    "max_run_bytes": 500_000_000_000,
    "max_day_items": 100,
    "max_day_bytes": 2_000_000_000_000,
    "first_live_run_items": 5,
}


async def test_settings_have_defaults_until_changed_within_bounds(ctx: AppContext, world: World) -> None:
    body = (await world.get("/settings")).json()
    assert body == {
        "paused": False,
        "delay_hours": 24,
        "whole_seasons": False,
        **CAPS,
        "sync_max_age_hours": 36,
        "clear_jellyseerr": True,
        "operator_disabled": False,
        "operator_note": None,
        "library_delays": [],
    }
    async with ctx.sessionmaker() as session:  # reading stores nothing
        assert await session.scalar(select(func.count()).select_from(DeletionSettings)) == 0
    r = await world.put("/settings", {"delay_hours": 72, "max_run_items": 10})
    assert r.status_code == 200, r.text
    assert (r.json()["delay_hours"], r.json()["max_run_items"], r.json()["max_day_items"]) == (72, 10, 100)
    r = await world.put("/settings", {"paused": True})
    assert (r.json()["paused"], r.json()["delay_hours"]) == (True, 72)  # what is left out keeps its value
    for bad in (
        {"delay_hours": 0},
        {"delay_hours": 24 * 365 + 1},
        {"max_run_items": 0},
        {"max_run_bytes": 999},
        {"first_live_run_items": 101},
        {"sync_max_age_hours": 169},
        {"kill": True},
    ):
        r = await world.put("/settings", bad)
        assert r.status_code == 422, bad
    assert (await world.get("/settings")).json()["delay_hours"] == 72


async def test_library_delays_are_listed_and_cleared(ctx: AppContext, world: World, signup: SignupFn) -> None:
    movies = (await item(ctx, world.plex, world.rk("forgotten"))).library_id
    r = await world.put(f"/libraries/{movies}/delay", {"delay_hours": 6})
    assert r.status_code == 200, r.text
    delays = (await world.get("/settings")).json()["library_delays"]
    assert [(d["library"], d["delay_hours"], d["effective_delay_hours"]) for d in delays] == [("Movies", 6, 6)]
    assert (await world.put(f"/libraries/{movies}/delay", {"delay_hours": 0})).status_code == 422
    assert (await world.put(f"/libraries/{movies}/delay", {})).status_code == 422  # null must be said
    await world.put(f"/libraries/{movies}/delay", {"delay_hours": None})
    assert (await world.get("/settings")).json()["library_delays"] == []
    assert (await world.put(f"/libraries/{uuid.uuid4()}/delay", {"delay_hours": 6})).status_code == 404


async def test_another_tenant_gets_404(ctx: AppContext, world: World, signup: SignupFn) -> None:
    other = await signup()
    movies = (await item(ctx, world.plex, world.rk("forgotten"))).library_id
    for method, path, body in (
        ("PUT", f"/libraries/{movies}/delay", {"delay_hours": 6}),
        ("GET", f"/servers/{world.plex}/live", None),
        ("POST", f"/servers/{world.plex}/live", CAPS),
        ("POST", f"/servers/{world.plex}/dry-run", None),
    ):
        r = await world.api.request(method, f"/api/v1/deletions{path}", json=body, headers=other.headers)
        assert r.status_code == 404, (path, r.text)
    assert (await world.api.get("/api/v1/deletions/servers", headers=other.headers)).json() == []
    assert (await world.get("/settings")).json()["library_delays"] == []
    assert (await world.get("/servers")).json()[0]["dry_run"] is True


async def test_a_server_leaves_dry_run_only_with_the_caps_shown(ctx: AppContext, world: World) -> None:
    (server,) = (await world.get("/servers")).json()
    assert (server["connection_id"], server["kind"], server["dry_run"], server["live_since"]) == (
        str(world.plex),
        "plex",
        True,
        None,
    )
    assert (server["runs"], server["frozen"], server["deletion_allowed"]) == (0, False, True)
    review = (await world.get(f"/servers/{world.plex}/live")).json()
    assert review["caps"] == CAPS and review["dry_run"] is True
    assert "Radarr or Sonarr" in review["warning"] and "download it again" in review["warning"]
    assert "first real run deletes at most 5 items" in review["warning"]
    # the caps changed since they were shown: review again
    assert (await world.put("/settings", {"max_day_items": 50})).status_code == 200
    r = await world.post(f"/servers/{world.plex}/live", review["caps"])
    assert r.status_code == 409 and r.json()["error"] == "deletion_caps_changed"
    assert (await world.get("/servers")).json()[0]["dry_run"] is True
    caps = (await world.get(f"/servers/{world.plex}/live")).json()["caps"]
    r = await world.post(f"/servers/{world.plex}/live", caps)
    assert r.status_code == 200, r.text
    live = r.json()
    assert (live["dry_run"], live["accepted_caps"], live["live_runs"]) == (False, caps, 0)
    assert live["live_since"] is not None
    # confirming again keeps it live since the same time
    again = (await world.post(f"/servers/{world.plex}/live", caps)).json()
    assert again["live_since"] == live["live_since"]
    # back to dry-run: always
    r = await world.post(f"/servers/{world.plex}/dry-run")
    assert r.status_code == 200
    assert (r.json()["dry_run"], r.json()["live_since"], r.json()["accepted_caps"]) == (True, None, None)
    for bad in (
        {**caps, "max_run_items": 0},
        {k: v for k, v in caps.items() if k != "max_day_bytes"},
        {**caps, "x": 1},
    ):
        assert (await world.post(f"/servers/{world.plex}/live", bad)).status_code == 422


async def test_plex_must_allow_media_deletion_asked_now(ctx: AppContext, world: World) -> None:
    admin = f"{world.sim.url}/_admin"
    r = httpx.put(f"{admin}/pms/home/settings", json={"allow_media_deletion": False})
    assert r.status_code == 200, r.text
    r = await world.post(f"/servers/{world.plex}/live", CAPS)
    assert r.status_code == 409, r.text
    assert r.json()["error"] == "deletion_not_allowed_by_server"
    assert '"Allow media deletion"' in r.json()["detail"]
    async with ctx.sessionmaker() as session:
        assert (await session.scalars(select(ServerDeletionState))).all() == []
    httpx.put(f"{admin}/pms/home/settings", json={"allow_media_deletion": True})
    assert (await world.post(f"/servers/{world.plex}/live", CAPS)).status_code == 200


async def _connect_jellyfin(world: World, user_name: str) -> str:
    jf = world.sim.info["jellyfin"]
    user = next(u for u in jf["users"] if u["name"] == user_name)
    r = await world.api.post(
        "/api/v1/connections/jellyfin",
        json={"url": jf["base_url"], "api_key": jf["api_key"], "user_id": user["id"]},
        headers=world.headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_jellyfin_acting_user_must_hold_the_deletion_right(world: World) -> None:
    jellyfin = await _connect_jellyfin(world, "alice")
    servers = {s["kind"]: s for s in (await world.get("/servers")).json()}
    assert servers["jellyfin"]["deletion_allowed"] is False and servers["jellyfin"]["dry_run"] is True
    r = await world.post(f"/servers/{jellyfin}/live", CAPS)
    assert r.status_code == 409
    assert "(alice) may not delete media" in r.json()["detail"]
    admin = next(u for u in world.sim.info["jellyfin"]["users"] if u["name"] == "admin")
    r = await world.api.patch(f"/api/v1/connections/{jellyfin}", json={"user_id": admin["id"]}, headers=world.headers)
    assert r.status_code == 200, r.text
    r = await world.post(f"/servers/{jellyfin}/live", CAPS)
    assert r.status_code == 200, r.text


async def test_jellyseerr_is_no_deletion_server(world: World) -> None:
    seerr = world.sim.info["jellyseerr"]
    r = await world.api.post(
        "/api/v1/connections/jellyseerr",
        json={"url": seerr["base_url"], "api_key": seerr["api_key"]},
        headers=world.headers,
    )
    assert r.status_code == 201, r.text
    assert [s["kind"] for s in (await world.get("/servers")).json()] == ["plex"]
    r = await world.post(f"/servers/{r.json()['id']}/dry-run")
    assert r.status_code == 404 and r.json()["error"] == "deletion_server_not_found"


def _movies(world: World) -> list[Any]:
    labels = world.sim.state.world.planted["labels"]
    return [str(v["ratingKey"]) for v in labels.values() if v["type"] == "movie"]


async def test_a_held_back_mass_vanish_freezes_the_server_until_a_full_sync(world: World, run_job: RunJob) -> None:
    movies = _movies(world)
    r = httpx.post(f"{world.sim.url}/_admin/items/vanish", json={"service": "pms:home", "ids": movies})
    assert r.json()["vanished"] == len(movies) == 7
    await world.api.post("/api/v1/sync/runs", params={"full": "true"}, headers=world.headers)
    await run_job(world.user)
    run = (await world.api.get("/api/v1/sync/runs", headers=world.headers)).json()[0]
    assert run["status"] != "complete"
    (server,) = (await world.get("/servers")).json()
    assert server["frozen"] is True
    assert "7 of 7 items vanished at once" in server["frozen_why"]
    assert "until a full sync reads it completely" in server["frozen_why"]
    summary = (await world.get("/summary")).json()
    assert [(f["connection_id"], f["why"]) for f in summary["frozen_servers"]] == [
        (str(world.plex), server["frozen_why"])
    ]
    # the server answers in full again: a refresh settles nothing, a full sync lifts the freeze
    for it in world.sim.state.world.pms("home").items.values():
        it.deleted = False
    world.sim.state.invalidate()  # the simulator serves its pages afresh
    await world.api.post("/api/v1/sync/runs", headers=world.headers)
    await run_job(world.user)
    refresh = (await world.api.get("/api/v1/sync/runs", headers=world.headers)).json()[0]
    assert (refresh["full"], refresh["status"]) == (False, "complete")
    assert (await world.get("/servers")).json()[0]["frozen"] is True
    await sync(world.api, world.user, run_job)
    assert (await world.get("/servers")).json()[0]["frozen"] is False


async def _vanish_every_movie(world: World, run_job: RunJob) -> dict[str, Any]:
    """Every movie of the server vanishes (a lost mount) and a full sync holds the vanish back."""
    movies = _movies(world)
    httpx.post(f"{world.sim.url}/_admin/items/vanish", json={"service": "pms:home", "ids": movies})
    await world.api.post("/api/v1/sync/runs", params={"full": "true"}, headers=world.headers)
    await run_job(world.user)
    run = (await world.api.get("/api/v1/sync/runs", headers=world.headers)).json()[0]
    assert [h.split(";")[0] for h in run["sources"][str(world.plex)]["held_back"]] == [
        "Movies: 7 of 7 items vanished at once"
    ]
    (server,) = (await world.get("/servers")).json()
    assert server["frozen"] is True
    return dict(server["freeze"])


async def _audit_events(world: World) -> list[tuple[str, str]]:
    return [(e["event"], e["message"]) for e in (await world.get("/audit")).json()["items"]]


async def test_a_confirmed_vanish_is_counted_missing_by_the_next_full_sync(
    ctx: AppContext, world: World, run_job: RunJob
) -> None:
    freeze = await _vanish_every_movie(world, run_job)
    assert [(lib["title"], lib["vanished"], lib["known"]) for lib in freeze["libraries"]] == [("Movies", 7, 7)]
    assert freeze["decision"] is None
    r = await world.post(f"/servers/{world.plex}/vanish", {"sync_run_id": str(uuid.uuid4()), "decision": "confirm"})
    assert r.status_code == 409 and r.json()["error"] == "deletion_vanish_changed"
    r = await world.post(f"/servers/{world.plex}/vanish", {"sync_run_id": freeze["sync_run_id"], "decision": "confirm"})
    assert r.status_code == 200, r.text
    # answered, yet still frozen: only a full sync that reads the server completely lifts it
    assert (r.json()["frozen"], r.json()["freeze"]["decision"]) == (True, "confirm")
    assert "you confirmed the items are gone" in r.json()["frozen_why"]
    r = await world.post(f"/servers/{world.plex}/vanish", {"sync_run_id": freeze["sync_run_id"], "decision": "dismiss"})
    assert r.status_code == 409 and r.json()["error"] == "deletion_vanish_answered"
    assert (
        "vanish_confirmed",
        "You confirmed the items are gone (Movies: 7 of 7 items vanished at once; nothing was "
        "marked missing (a server answering with an empty or cut library looks like this)): the next full sync "
        "counts them missing.",
    ) in await _audit_events(world)
    # the next full sync trusts the library: the movies count missing, the server reads complete
    await sync(world.api, world.user, run_job)
    run = (await world.api.get("/api/v1/sync/runs", headers=world.headers)).json()[0]
    assert (run["full"], run["status"]) == (True, "complete")
    (server,) = (await world.get("/servers")).json()
    assert (server["frozen"], server["freeze"]) == (False, None)
    async with ctx.sessionmaker() as session:
        missing = await session.scalar(
            select(func.count())
            .select_from(MediaItem)
            .where(MediaItem.connection_id == world.plex, MediaItem.kind == "movie", MediaItem.missing_runs == 1)
        )
    assert missing == 7


async def test_a_dismissed_vanish_reads_the_server_again_and_freezes_while_it_is_still_cut(
    world: World, run_job: RunJob
) -> None:
    freeze = await _vanish_every_movie(world, run_job)
    r = await world.post(f"/servers/{world.plex}/vanish", {"sync_run_id": freeze["sync_run_id"], "decision": "dismiss"})
    assert r.status_code == 200, r.text
    assert (r.json()["frozen"], r.json()["freeze"]["decision"]) == (True, "dismiss")
    assert [e for e, _ in await _audit_events(world)][:1] == ["vanish_dismissed"]
    started = (await world.api.get("/api/v1/sync/runs", headers=world.headers)).json()[0]
    assert (started["full"], started["status"]) == (True, "queued")
    # the history says what started it, and for which server (by its name then)
    assert (started["trigger"], started["trigger_server"]) == ("vanish", r.json()["name"])
    # the server still answers cut: the new full sync holds it back again, a new freeze to answer
    await run_job(world.user)
    (server,) = (await world.get("/servers")).json()
    assert server["frozen"] is True
    assert server["freeze"]["sync_run_id"] == started["id"] and server["freeze"]["decision"] is None
    # the mount is back: a full sync reads it completely and lifts the freeze, nothing was lost
    for it in world.sim.state.world.pms("home").items.values():
        it.deleted = False
    world.sim.state.invalidate()
    await sync(world.api, world.user, run_job)
    assert (await world.get("/servers")).json()[0]["frozen"] is False
    assert (await world.api.get("/api/v1/reports/stale", headers=world.headers)).json()["total"] > 0


async def test_only_a_frozen_server_of_your_own_takes_an_answer(world: World, signup: SignupFn) -> None:
    body = {"sync_run_id": str(uuid.uuid4()), "decision": "confirm"}
    r = await world.post(f"/servers/{world.plex}/vanish", body)
    assert r.status_code == 409 and r.json()["error"] == "deletion_server_not_frozen"
    r = await world.post(f"/servers/{world.plex}/vanish", {**body, "decision": "forget"})
    assert r.status_code == 422
    other = await signup()
    r = await world.api.post(f"/api/v1/deletions/servers/{world.plex}/vanish", json=body, headers=other.headers)
    assert r.status_code == 404 and r.json()["error"] == "deletion_server_not_found"


async def test_leaving_dry_run_and_going_back_are_in_the_audit_log(world: World) -> None:
    assert (await world.post(f"/servers/{world.plex}/dry-run")).status_code == 200  # already: nothing to log
    caps = (await world.get(f"/servers/{world.plex}/live")).json()["caps"]
    assert (await world.post(f"/servers/{world.plex}/live", caps)).status_code == 200
    assert (await world.post(f"/servers/{world.plex}/dry-run")).status_code == 200
    events = (await world.get("/audit")).json()["items"]
    assert [(e["event"], e["server"]) for e in events] == [
        ("went_dry_run", "home"),
        ("went_live", "home"),
    ]
    assert "deletes files for real" in events[1]["message"]
    assert events[1]["details"]["caps"] == caps
