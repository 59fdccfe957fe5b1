"""Path mappings through the API, against a Plex and a Jellyfin that share one disk (conftest)."""

from __future__ import annotations

from typing import Any

import httpx

from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from mediasim import SimServer


async def _household(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> tuple[SignedUp, dict[str, str]]:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert run["status"] == "complete", run
    return user, ids


async def _mappings(api: httpx.AsyncClient, user: SignedUp, connection_id: str) -> dict[str, Any]:
    r = await api.get(f"/api/v1/connections/{connection_id}/path-mappings", headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_a_mapping_makes_the_servers_files_one_by_path(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user, ids = await _household(api, signup, sim, run_job)
    jelly = await _mappings(api, user, ids["jellyfin"])
    assert jelly["mappings"] == []
    assert jelly["sample_paths"] and all(p.startswith("/media/") for p in jelly["sample_paths"])
    # Without a mapping the paths differ; the same size, duration and identity still match four
    # movies, two episodes and two tracks (eight files; Ran is another file on Jellyfin), none by path.
    assert [(s["name"], s["files"], s["by_path"]) for s in jelly["shared_with"]] == [
        (next(c["name"] for c in await _connections(api, user) if c["id"] == ids["plex"]), 8, 0)
    ]

    r = await api.put(
        f"/api/v1/connections/{ids['jellyfin']}/path-mappings",
        json={"mappings": [{"server_path": "/media/", "shared_path": "/data"}]},
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mappings"] == [{"server_path": "/media", "shared_path": "/data"}]
    assert [(s["files"], s["by_path"]) for s in body["shared_with"]] == [(8, 8)]
    # the other side sees the same, and the connection carries its mappings
    assert [(s["files"], s["by_path"]) for s in (await _mappings(api, user, ids["plex"]))["shared_with"]] == [(8, 8)]
    conn = next(c for c in await _connections(api, user) if c["id"] == ids["jellyfin"])
    assert conn["path_mappings"] == [{"server_path": "/media", "shared_path": "/data"}]

    # a mapping that sends the paths elsewhere leaves only the fingerprints
    r = await api.put(
        f"/api/v1/connections/{ids['jellyfin']}/path-mappings",
        json={"mappings": [{"server_path": "/media", "shared_path": "/elsewhere"}]},
        headers=user.headers,
    )
    assert [(s["files"], s["by_path"]) for s in r.json()["shared_with"]] == [(8, 0)]


async def _connections(api: httpx.AsyncClient, user: SignedUp) -> list[dict[str, Any]]:
    r = await api.get("/api/v1/connections", headers=user.headers)
    assert r.status_code == 200, r.text
    body: list[dict[str, Any]] = r.json()
    return body


async def test_bad_mappings_are_refused_and_nothing_is_saved(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user, ids = await _household(api, signup, sim, run_job)
    url = f"/api/v1/connections/{ids['jellyfin']}/path-mappings"
    good = {"server_path": "/media", "shared_path": "/data"}
    await api.put(url, json={"mappings": [good]}, headers=user.headers)
    for mappings, status, words in [
        ([{"server_path": "media", "shared_path": "/data"}], 422, "full folder path"),
        ([{"server_path": " /media", "shared_path": "/data"}], 422, "full folder path"),
        ([{"server_path": "/media", "shared_path": ""}], 422, "Required"),
        ([good] * 21, 422, "At most 20 entries"),
        # Two lines for one folder (once written with a trailing slash): no schema can say it.
        ([good, {"server_path": "/media/", "shared_path": "/x"}], 400, "mapped twice"),
    ]:
        r = await api.put(url, json={"mappings": mappings}, headers=user.headers)
        assert r.status_code == status, r.text
        assert words in r.text
        if status == 400:
            assert r.json()["error"] == "path_mapping_repeated"
            assert r.json()["fields"][0]["field"] == "mappings.1.server_path"
    assert (await _mappings(api, user, ids["jellyfin"]))["mappings"] == [good]
    seerr = await api.put(
        f"/api/v1/connections/{ids['jellyseerr']}/path-mappings", json={"mappings": [good]}, headers=user.headers
    )
    assert seerr.status_code == 409
    assert seerr.json()["error"] == "path_mappings_not_applicable"


async def test_path_mappings_belong_to_their_account(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    _user, ids = await _household(api, signup, sim, run_job)
    other = await signup()
    url = f"/api/v1/connections/{ids['jellyfin']}/path-mappings"
    assert (await api.get(url)).status_code == 401
    assert (await api.get(url, headers=other.headers)).status_code == 404
    r = await api.put(url, json={"mappings": []}, headers=other.headers)
    assert r.status_code == 404
    assert r.json()["error"] == "connection_not_found"


async def test_removing_a_server_leaves_the_other_servers_items_on_their_own(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user, ids = await _household(api, signup, sim, run_job)
    assert (await _mappings(api, user, ids["plex"]))["shared_with"]
    r = await api.delete(f"/api/v1/connections/{ids['jellyfin']}", headers=user.headers)
    assert r.status_code == 204
    assert (await _mappings(api, user, ids["plex"]))["shared_with"] == []
