"""The setup checklist: each step's state from the account's data (a partial sync is no first sync, a
Jellyseerr-only account has no server), what is stored (dismissed, dashboard seen), strict bodies, and
one account's progress never showing in another's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from mediasim import SimServer


async def _state(api: httpx.AsyncClient, user: SignedUp) -> dict[str, Any]:
    r = await api.get("/api/v1/setup", headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _done(state: dict[str, Any]) -> dict[str, bool]:
    return {step["key"]: step["done"] for step in state["steps"]}


async def _sync(api: httpx.AsyncClient, user: SignedUp, run_job: RunJob) -> dict[str, Any]:
    r = await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    assert r.status_code in (200, 202), r.text
    await run_job(user)
    run: dict[str, Any] = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    return run


def _fault(sim: SimServer, **spec: Any) -> None:
    r = httpx.post(sim.info["admin"] + "/faults", json=spec)
    assert r.status_code == 201, r.text


async def test_a_new_account_walks_the_checklist_from_its_data(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await signup()
    fresh = await _state(api, user)
    assert [s["key"] for s in fresh["steps"]] == ["connect", "libraries", "languages", "sync", "dashboard"]
    assert _done(fresh) == dict.fromkeys(_done(fresh), False)
    assert fresh["done"] is False and fresh["dismissed"] is False
    # No language is required until the owner says which: nothing chosen silently.
    assert fresh["audio_languages"] == [] and fresh["subtitle_languages"] == []
    assert fresh["languages_chosen_at"] is None

    # Before a complete sync the dashboard has no figures: seeing it does not count.
    early = await api.post("/api/v1/setup/dashboard-seen", headers=user.headers)
    assert early.status_code == 409
    assert early.json()["error"] == "no_complete_sync"

    await connect_all(api, user, sim)
    connected = await _state(api, user)
    assert _done(connected) == {
        "connect": True,
        "libraries": True,  # movie and TV libraries are read by default
        "languages": False,
        "sync": False,
        "dashboard": False,
    }
    assert connected["media_servers"] == 2  # Plex and Jellyfin; Jellyseerr has no library
    assert 0 < connected["libraries_enabled"] <= connected["libraries"]

    # Every library switched off: nothing would be read.
    libraries = (await api.get("/api/v1/libraries", headers=user.headers)).json()
    for lib in libraries:
        if lib["enabled"]:
            r = await api.patch(f"/api/v1/libraries/{lib['id']}", json={"enabled": False}, headers=user.headers)
            assert r.status_code == 200, r.text
    assert _done(await _state(api, user))["libraries"] is False
    r = await api.patch(f"/api/v1/libraries/{libraries[0]['id']}", json={"enabled": True}, headers=user.headers)
    assert r.status_code == 200, r.text
    picked = await _state(api, user)
    assert _done(picked)["libraries"] is True and picked["libraries_enabled"] == 1

    chosen = await api.put(
        "/api/v1/settings/languages", json={"audio": ["English"], "subtitles": ["eng"]}, headers=user.headers
    )
    assert chosen.status_code == 200, chosen.text
    languages = await _state(api, user)
    assert _done(languages)["languages"] is True
    assert languages["audio_languages"] == ["en"] and languages["subtitle_languages"] == ["en"]
    assert languages["language_names"] == {"en": "English"}

    run = await _sync(api, user, run_job)
    assert run["status"] == "complete", run
    synced = await _state(api, user)
    assert _done(synced)["sync"] is True and synced["last_complete_sync_at"] is not None
    assert synced["done"] is False

    seen = await api.post("/api/v1/setup/dashboard-seen", headers=user.headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["done"] is True
    first = seen.json()["dashboard_seen_at"]
    # Seen again: the first time stays.
    again = await api.post("/api/v1/setup/dashboard-seen", headers=user.headers)
    assert again.json()["dashboard_seen_at"] == first


async def test_a_partial_sync_and_a_jellyseerr_only_sync_are_no_first_sync(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    seerr_only = await signup()
    info = sim.info["jellyseerr"]
    r = await api.post(
        "/api/v1/connections/jellyseerr",
        json={"url": info["base_url"], "api_key": info["api_key"]},
        headers=seerr_only.headers,
    )
    assert r.status_code == 201, r.text
    run = await _sync(api, seerr_only, run_job)
    assert run["status"] == "complete", run
    state = await _state(api, seerr_only)
    assert _done(state)["connect"] is False and _done(state)["sync"] is False
    assert state["media_servers"] == 0 and state["last_complete_sync_at"] is None
    refused = await api.post("/api/v1/setup/dashboard-seen", headers=seerr_only.headers)
    assert refused.status_code == 409

    user = await signup()
    await connect_all(api, user, sim)
    _fault(sim, server="pms:*", status=502, route="/library/sections/*")
    try:
        partial = await _sync(api, user, run_job)
    finally:
        httpx.delete(sim.info["admin"] + "/faults")
    assert partial["status"] == "partial", partial
    assert _done(await _state(api, user))["sync"] is False
    assert (await api.post("/api/v1/setup/dashboard-seen", headers=user.headers)).status_code == 409
    complete = await _sync(api, user, run_job)
    assert complete["status"] == "complete", complete
    assert _done(await _state(api, user))["sync"] is True


async def test_dismiss_and_show_again(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    r = await client.patch("/api/v1/setup", json={"dismissed": True}, headers=user.headers)
    assert r.status_code == 200, r.text
    assert r.json()["dismissed"] is True
    assert (await client.get("/api/v1/setup", headers=user.headers)).json()["dismissed"] is True
    # Dismissed twice: still dismissed (idempotent).
    assert (await client.patch("/api/v1/setup", json={"dismissed": True}, headers=user.headers)).json()["dismissed"]
    shown = await client.patch("/api/v1/setup", json={"dismissed": False}, headers=user.headers)
    assert shown.status_code == 200 and shown.json()["dismissed"] is False


@pytest.mark.parametrize(
    "body",
    [
        {},  # the one field is required
        {"dismissed": "true"},  # a string is no boolean
        {"dismissed": 1},  # nor a number
        {"dismissed": True, "dashboard_seen": True},  # unknown fields are refused, never ignored
        [],
    ],
)
async def test_the_update_body_is_strict(client: httpx.AsyncClient, signup: SignupFn, body: Any) -> None:
    user = await signup()
    r = await client.patch("/api/v1/setup", json=body, headers=user.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "validation_error"
    assert (await client.get("/api/v1/setup", headers=user.headers)).json()["dismissed"] is False


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/setup"), ("PATCH", "/api/v1/setup"), ("POST", "/api/v1/setup/dashboard-seen")],
)
async def test_signed_out_gets_401(client: httpx.AsyncClient, method: str, path: str) -> None:
    r = await client.request(method, path, json={"dismissed": True} if method == "PATCH" else None)
    assert r.status_code == 401


async def test_another_accounts_progress_never_shows(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    mine, theirs = await signup(), await signup()
    await connect_all(api, theirs, sim)
    await api.put("/api/v1/settings/languages", json={"audio": ["fr"], "subtitles": []}, headers=theirs.headers)
    assert (await _sync(api, theirs, run_job))["status"] == "complete"
    assert (await api.post("/api/v1/setup/dashboard-seen", headers=theirs.headers)).status_code == 200
    assert (await api.patch("/api/v1/setup", json={"dismissed": True}, headers=theirs.headers)).status_code == 200
    assert (await _state(api, theirs))["done"] is True

    state = await _state(api, mine)
    assert not any(_done(state).values())
    assert state["dismissed"] is False
    assert state["media_servers"] == state["libraries"] == state["libraries_enabled"] == 0
    assert state["languages_chosen_at"] is None and state["last_complete_sync_at"] is None
    assert (await api.post("/api/v1/setup/dashboard-seen", headers=mine.headers)).status_code == 409
