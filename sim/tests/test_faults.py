"""Every fault mode, the pace knob, and the request counters."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from mediasim import SimServer, build_app, world_from_scenario
from mediasim.model import World

JSON = {"Accept": "application/json"}
TRACKS = "/pms/home/library/sections/3/all?type=10"


async def add_fault(client: httpx.AsyncClient, **spec: Any) -> dict[str, Any]:
    r = await client.post("/_admin/faults", json=spec)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_error_status(client: httpx.AsyncClient, plex_headers: dict[str, str], status: int) -> None:
    await add_fault(client, server="pms:*", route="/library/sections/*/all", status=status, times=2)
    for _ in range(2):
        assert (await client.get(TRACKS, headers=plex_headers)).status_code == status
    assert (await client.get(TRACKS, headers=plex_headers)).status_code == 200  # times=2 exhausted
    # other routes untouched
    assert (await client.get("/pms/home/library/sections", headers=plex_headers)).status_code == 200


async def test_429_with_retry_after(client: httpx.AsyncClient, jf_key: str) -> None:
    await add_fault(client, server="jellyfin", route="/Items", status=429, retry_after=3)
    r = await client.get("/jellyfin/Items?Recursive=true", headers={"X-Emby-Token": jf_key})
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"


async def test_error_rate_is_seeded_and_partial(client: httpx.AsyncClient, seerr_headers: dict[str, str]) -> None:
    await add_fault(client, server="jellyseerr", route="/api/v1/request", status=500, error_rate=0.5, seed=42)
    codes = [(await client.get("/jellyseerr/api/v1/request", headers=seerr_headers)).status_code for _ in range(60)]
    assert 10 < codes.count(500) < 50 and codes.count(200) == 60 - codes.count(500)


async def test_latency(client: httpx.AsyncClient, plex_headers: dict[str, str]) -> None:
    await add_fault(client, server="pms:home", route="/identity", latency_ms=150)
    t = time.monotonic()
    await client.get("/pms/home/identity")
    assert time.monotonic() - t >= 0.14


async def test_total_size_disagrees(client: httpx.AsyncClient, plex_headers: dict[str, str], jf_key: str) -> None:
    h = {**plex_headers, **JSON}
    real = (await client.get(TRACKS, headers=h)).json()["MediaContainer"]["totalSize"]
    await add_fault(client, server="*", route="*", total_size_delta=5)
    mc = (await client.get(TRACKS, headers=h)).json()["MediaContainer"]
    assert mc["totalSize"] == real + 5 and len(mc["Metadata"]) == real
    jf = (await client.get("/jellyfin/Items?Recursive=true", headers={"X-Emby-Token": jf_key})).json()
    assert jf["TotalRecordCount"] == len(jf["Items"]) + 5


async def test_short_page(client: httpx.AsyncClient, plex_headers: dict[str, str]) -> None:
    await add_fault(client, server="pms:home", route="/library/sections/*/all", short_page=3)
    mc = (await client.get(TRACKS, headers={**plex_headers, **JSON, "X-Plex-Container-Size": "50"})).json()
    assert mc["MediaContainer"]["size"] == 3 and mc["MediaContainer"]["totalSize"] > 50


async def test_unauthorized_after_n_requests(client: httpx.AsyncClient, plex_headers: dict[str, str]) -> None:
    await add_fault(client, server="pms:home", unauthorized_after=3)
    codes = [(await client.get(TRACKS, headers=plex_headers)).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 401, 401]


async def test_empty_library(client: httpx.AsyncClient, plex_headers: dict[str, str], jf_key: str) -> None:
    await add_fault(client, server="*", route="*", empty=True)
    mc = (await client.get(TRACKS, headers={**plex_headers, **JSON})).json()["MediaContainer"]
    assert mc["size"] == 0 and mc["totalSize"] == 0 and "Metadata" not in mc
    jf = (await client.get("/jellyfin/Items?Recursive=true", headers={"X-Emby-Token": jf_key})).json()
    assert jf["Items"] == [] and jf["TotalRecordCount"] == 0


async def test_history_shrinks(client: httpx.AsyncClient, plex_headers: dict[str, str], world: World) -> None:
    url = "/pms/home/status/sessions/history/all"
    h = {**plex_headers, **JSON}
    before = (await client.get(url, headers=h)).json()["MediaContainer"]["totalSize"]
    await add_fault(client, server="pms:home", route="/status/sessions/history/all", history_shrink=0.25, after=1)
    assert (await client.get(url, headers=h)).json()["MediaContainer"]["totalSize"] == before  # after=1
    after = (await client.get(url, headers=h)).json()["MediaContainer"]["totalSize"]
    assert after == int(before * 0.25)


async def test_faults_listed_and_removed(client: httpx.AsyncClient, plex_headers: dict[str, str]) -> None:
    f = await add_fault(client, server="pms:home", status=503)
    assert [x["id"] for x in (await client.get("/_admin/faults")).json()] == [f["id"]]
    assert (await client.delete(f"/_admin/faults/{f['id']}")).status_code == 200
    assert (await client.get(TRACKS, headers=plex_headers)).status_code == 200
    r = await client.post("/_admin/faults", json={"bogus": 1})
    assert r.status_code == 400


async def test_faults_from_scenario() -> None:
    world = world_from_scenario(
        {"generate": {"size": "tiny"}, "faults": [{"server": "jellyseerr", "route": "/api/v1/status", "status": 502}]}
    )
    app = build_app(world)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        assert (await c.get("/jellyseerr/api/v1/status")).status_code == 502


async def test_request_counters(client: httpx.AsyncClient, plex_headers: dict[str, str]) -> None:
    for _ in range(3):
        await client.get(TRACKS, headers=plex_headers)
    await client.get("/jellyseerr/api/v1/status")
    counts = (await client.get("/_admin/requests")).json()
    assert counts["by_service"]["pms:home"]["GET /library/sections/{sid}/all"] == 3
    assert counts["by_service"]["jellyseerr"]["GET /api/v1/status"] == 1 and counts["total"] == 4
    await client.delete("/_admin/requests")
    assert (await client.get("/_admin/requests")).json()["total"] == 0


# ----------------------------------------------------------------------------- real socket faults
def test_connection_reset(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url) as c:
        c.post("/_admin/faults", json={"server": "pms:home", "route": "/identity", "reset": True, "times": 1})
        with pytest.raises(httpx.TransportError):
            c.get("/pms/home/identity")
        assert c.get("/pms/home/identity").status_code == 200


def test_truncated_body(sim: SimServer) -> None:
    tok = sim.info["pms"]["home"]["owner_token"]
    with httpx.Client(base_url=sim.url) as c:
        c.post("/_admin/faults", json={"server": "pms:home", "route": "/library/sections/*/all", "truncate": True})
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(TRACKS, headers={"X-Plex-Token": tok, **JSON})


def test_timeout(sim: SimServer) -> None:
    with httpx.Client(base_url=sim.url, timeout=0.3) as c:
        c.post("/_admin/faults", json={"server": "jellyseerr", "timeout": True, "timeout_s": 2, "times": 1})
        with pytest.raises(httpx.ReadTimeout):
            c.get("/jellyseerr/api/v1/status")


def test_restart_keeps_state(sim: SimServer) -> None:
    tok = sim.info["pms"]["home"]["owner_token"]
    movie = next(i for i in sim.state.world.pms("home").items.values() if i.type == "movie")
    with httpx.Client(base_url=sim.url) as c:
        assert c.delete(f"/pms/home/library/metadata/{movie.id}", headers={"X-Plex-Token": tok}).status_code == 200
        c.post("/_admin/servers/pms:home/restart", json={"down_ms": 400})
        with pytest.raises(httpx.TransportError):
            c.get("/pms/home/identity")
        assert c.get("/jellyseerr/api/v1/status").status_code == 200  # other servers unaffected
        time.sleep(0.45)
        assert c.get("/pms/home/identity").status_code == 200
        r = c.get(f"/pms/home/library/metadata/{movie.id}", headers={"X-Plex-Token": tok})
        assert r.status_code == 404  # the deletion survived the restart


async def test_real_pace(sim: SimServer) -> None:
    async with httpx.AsyncClient(base_url=sim.url) as c:
        await c.post("/_admin/servers/jellyseerr/pace", json={"pace_ms": 100, "max_in_flight": 2})
        t = time.monotonic()
        rs = await asyncio.gather(*(c.get("/jellyseerr/api/v1/status") for _ in range(6)))
        elapsed = time.monotonic() - t
    assert all(r.status_code == 200 for r in rs)
    assert elapsed >= 0.29  # 6 requests, 2 at a time, 100 ms each


async def test_admin_reset_rebuilds_the_world(plex_headers: dict[str, str]) -> None:
    from mediasim import generate_world

    app = build_app(generate_world(seed=7, size="tiny"), lambda: generate_world(seed=7, size="tiny"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        movie = next(i for i in app.state.world.pms("home").items.values() if i.type == "movie")
        assert (await c.delete(f"/pms/home/library/metadata/{movie.id}", headers=plex_headers)).status_code == 200
        await c.post("/_admin/faults", json={"server": "jellyseerr", "status": 500})
        assert (await c.post("/_admin/reset")).status_code == 200
        r = await c.get(f"/pms/home/library/metadata/{movie.id}", headers=plex_headers)
        assert r.status_code == 200
        assert (await c.get("/_admin/mutations")).json() == [] and (await c.get("/_admin/faults")).json() == []
    plain = build_app(generate_world(seed=7, size="tiny"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://sim") as c:
        assert (await c.post("/_admin/reset")).status_code == 409


async def test_in_process_reset_and_timeout_are_httpx_errors(client: httpx.AsyncClient) -> None:
    await add_fault(client, server="jellyseerr", route="/api/v1/status", reset=True, times=1)
    with pytest.raises(httpx.TransportError):
        await client.get("/jellyseerr/api/v1/status")
    await add_fault(client, server="jellyseerr", route="/api/v1/status", timeout=True, times=1)
    with pytest.raises(httpx.ReadTimeout):
        await client.get("/jellyseerr/api/v1/status")
    assert (await client.get("/jellyseerr/api/v1/status")).status_code == 200


async def test_a_track_gets_a_second_copy(
    client: httpx.AsyncClient, plex_headers: dict[str, str], world: World
) -> None:
    h = {**plex_headers, **JSON}
    before = (await client.get(TRACKS, headers=h)).json()["MediaContainer"]
    source = before["Metadata"][0]
    started = int(time.time())
    r = await client.post("/_admin/items/copy", json={"service": "pms:home", "id": source["ratingKey"]})
    assert r.status_code == 201, r.text
    new_id = r.json()["id"]
    after = (await client.get(TRACKS, headers=h)).json()["MediaContainer"]
    assert after["totalSize"] == before["totalSize"] + 1
    copy = next(t for t in after["Metadata"] if t["ratingKey"] == new_id)
    assert (copy["title"], copy["parentRatingKey"], copy["duration"]) == (
        source["title"],
        source["parentRatingKey"],
        source["duration"],
    )
    assert copy["addedAt"] >= started and copy["updatedAt"] >= started
    old_parts = {p["id"] for m in source["Media"] for p in m["Part"]}
    new_parts = [p for m in copy["Media"] for p in m["Part"]]
    assert old_parts.isdisjoint(p["id"] for p in new_parts)
    assert all(p["file"].endswith(" (copy)." + p["file"].rpartition(".")[2]) for p in new_parts)
    assert (await client.post("/_admin/items/copy", json={"service": "pms:home", "id": "999999999"})).status_code == 404
    assert [m["kind"] for m in (await client.get("/_admin/mutations")).json()] == ["copy"]


async def test_items_vanish_without_delete(
    client: httpx.AsyncClient, plex_headers: dict[str, str], jf_key: str, world: World
) -> None:
    h = {**plex_headers, **JSON}
    before = (await client.get(TRACKS, headers=h)).json()["MediaContainer"]["totalSize"]
    r = await client.post("/_admin/items/vanish", json={"service": "pms:home", "section": 3, "fraction": 0.5})
    assert r.json()["vanished"] == before // 2
    assert (await client.get(TRACKS, headers=h)).json()["MediaContainer"]["totalSize"] == before - before // 2
    movie = next(i for i in world.jellyfin.order if i.type == "movie")  # type: ignore[union-attr]
    r = await client.post("/_admin/items/vanish", json={"service": "jellyfin", "ids": [movie.jf_id]})
    assert r.json()["vanished"] == 1
    got = (await client.get(f"/jellyfin/Items?Ids={movie.jf_id}", headers={"X-Emby-Token": jf_key})).json()
    assert got["TotalRecordCount"] == 0
    kinds = [m["kind"] for m in (await client.get("/_admin/mutations")).json()]
    assert kinds == ["vanish", "vanish"]


async def test_items_get_a_wrong_added_date(
    client: httpx.AsyncClient, plex_headers: dict[str, str], jf_key: str, world: World
) -> None:
    movie = next(i for i in world.jellyfin.order if i.type == "movie")  # type: ignore[union-attr]
    plex = f"/pms/home/library/metadata/{movie.id}"
    listed = (await client.get(plex, headers={**plex_headers, **JSON})).json()  # rendered, kept in the caches
    assert listed["MediaContainer"]["Metadata"][0]["addedAt"] != 1927857906
    r = await client.post(
        "/_admin/items/added", json={"service": "pms:home", "ids": [movie.id], "added_at": "2031-02-03T04:05:06Z"}
    )
    assert r.json() == {"service": "pms:home", "redated": 1}
    md = (await client.get(plex, headers={**plex_headers, **JSON})).json()
    assert md["MediaContainer"]["Metadata"][0]["addedAt"] == 1927857906
    jf = f"/jellyfin/Items?Ids={movie.jf_id}&fields=DateCreated"
    before = (await client.get(jf, headers={"X-Emby-Token": jf_key})).json()["Items"][0]["DateCreated"]
    assert not before.startswith("2031")  # each server keeps its own copy of the item
    r = await client.post(
        "/_admin/items/added", json={"service": "jellyfin", "ids": [movie.jf_id], "added_at": 1927857906}
    )
    assert r.json() == {"service": "jellyfin", "redated": 1}
    got = (await client.get(jf, headers={"X-Emby-Token": jf_key})).json()
    assert got["Items"][0]["DateCreated"].startswith("2031-02-03T04:05:06")
    bad = await client.post("/_admin/items/added", json={"service": "pms:home", "ids": [], "added_at": "soon"})
    assert bad.status_code == 400
    kinds = [m["kind"] for m in (await client.get("/_admin/mutations")).json()]
    assert kinds == ["redate", "redate"]


async def test_the_page_cache_budget_bounds_the_cache_and_survives_a_reset() -> None:
    """Benchmarks raise the budget (``--page-cache-mb``) so a warm-up leaves every page cached; below
    one page's size the cache starts over at each page, and a reset keeps the budget it was given."""
    from mediasim import connection_info, generate_world
    from mediasim.cli import parse_args

    assert parse_args(["--page-cache-mb", "1024"]).page_cache_mb == 1024
    app = build_app(generate_world(seed=7, size="tiny"), lambda: generate_world(seed=7, size="tiny"))
    key = connection_info(app.state, "http://sim")["jellyfin"]["api_key"]
    pages = [f"/jellyfin/Items?recursive=true&startIndex={i}&limit=5&fields=MediaSources" for i in range(0, 20, 5)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:

        async def cached_after_a_pass() -> int:
            for url in pages:
                assert (await c.get(url, headers={"X-Emby-Token": key})).status_code == 200
            return int((await c.get("/_admin/cache")).json()["pages"])

        assert await cached_after_a_pass() == len(pages)
        app.state.page_cache_budget = 1  # smaller than any page
        assert (await c.post("/_admin/reset")).status_code == 200
        assert app.state.page_cache_budget == 1
        assert await cached_after_a_pass() == 1
