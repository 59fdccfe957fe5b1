"""A server that identified itself but fails a later call of the probe: the error says which call
failed and how, never "this is not such a server", and never echoes a secret or an internal address."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from httpx import Response

from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from mediasim import SimServer

from .upstream_fixtures import (
    JELLYFIN,
    JELLYFIN_ADMIN,
    JELLYFIN_KEY,
    PLEX,
    PLEX_TOKEN,
    jellyfin_server,
    plex_server,
)

URL = "https://jellyfin.example.com"
# What /System/Info/Public tells anyone: its address on its own network, never to be echoed.
LAN = "192.168.1.20"


async def _probe(client: httpx.AsyncClient, user: SignedUp, **body: Any) -> httpx.Response:
    """Probe the server, or add it when a user to act as is given."""
    path = "/api/v1/connections/jellyfin" + ("" if "user_id" in body else "/probe")
    return await client.post(path, json={"url": URL, "api_key": JELLYFIN_KEY, **body}, headers=user.headers)


def _safe(detail: str) -> None:
    assert JELLYFIN_KEY not in detail
    assert LAN not in detail
    assert "does not answer like" not in detail


@pytest.mark.parametrize(
    ("route", "answer", "code", "expected"),
    [
        (
            "/Users",
            Response(404, text="<html>nope</html>"),
            "connection_call_failed",
            "The Jellyfin server at jellyfin.example.com (Jellyfin 10.11.5) answered, but listing its users "
            "(GET /Users) failed: it answered HTTP 404 Not Found. It may be a version or a reverse proxy that does "
            "not serve this path.",
        ),
        (
            "/Users",
            Response(500, text="System.NullReferenceException at 10.0.0.7"),
            "connection_server_error",
            "The Jellyfin server at jellyfin.example.com (Jellyfin 10.11.5) answered, but listing its users "
            "(GET /Users) failed: it answered HTTP 500 Internal Server Error. Try again in a moment.",
        ),
        (
            "/Users",
            Response(403),
            "connection_permission_denied",
            "The Jellyfin server at jellyfin.example.com (Jellyfin 10.11.5) accepted the API key but refused "
            "listing its users (GET /Users: it answered HTTP 403 Forbidden). Use an API key made under "
            "Dashboard → API Keys, which may list the users (a user's own access token may not).",
        ),
        (
            "/Users",
            Response(200, json={"Items": []}),
            "connection_call_failed",
            "The Jellyfin server at jellyfin.example.com (Jellyfin 10.11.5) answered, but listing its users "
            "(GET /Users) failed: Jellyfin sent an unexpected user list (not a list of objects).",
        ),
        (
            "/System/Info",
            Response(404),
            "connection_call_failed",
            "The Jellyfin server at jellyfin.example.com (Jellyfin 10.11.5) answered, but checking the API key "
            "(GET /System/Info) failed: it answered HTTP 404 Not Found. It may be a version or a reverse proxy "
            "that does not serve this path.",
        ),
        (
            "/System/Info",
            Response(401),
            "connection_auth_failed",
            "The Jellyfin server at jellyfin.example.com rejected the API key. Check it and try again.",
        ),
    ],
)
async def test_a_jellyfin_call_failing_after_the_server_identified_itself_is_named(
    client: httpx.AsyncClient,
    signup: SignupFn,
    upstream: respx.MockRouter,
    route: str,
    answer: Response,
    code: str,
    expected: str,
) -> None:
    jellyfin_server(upstream, LocalAddress=f"http://{LAN}:8096")
    upstream.get(f"{JELLYFIN}{route}").mock(return_value=answer)
    r = await _probe(client, await signup())
    assert r.status_code == 400, r.text
    assert r.json() == {"error": code, "detail": expected, "fields": []}
    _safe(r.text)


async def test_the_chosen_users_libraries_refused_is_named_and_nothing_is_saved(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    jellyfin_server(upstream)
    upstream.get(f"{JELLYFIN}/UserViews").mock(return_value=Response(401))
    user = await signup()
    r = await _probe(client, user, user_id=JELLYFIN_ADMIN)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "connection_permission_denied"
    assert (
        "refused listing the chosen user's libraries (GET /UserViews: it answered HTTP 401 Unauthorized)"
        in (r.json()["detail"])
    )
    assert JELLYFIN_ADMIN not in r.json()["detail"]
    assert (await client.get("/api/v1/connections", headers=user.headers)).json() == []


async def test_a_jellyfin_server_that_never_identified_itself_is_still_not_jellyfin(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    jellyfin_server(upstream)
    upstream.get(f"{JELLYFIN}/System/Info/Public").mock(return_value=Response(404))
    r = await _probe(client, await signup())
    assert r.json()["error"] == "connection_wrong_server"
    assert "does not answer like a Jellyfin server" in r.json()["detail"]


async def test_a_plex_server_failing_to_list_its_libraries_is_named(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    plex_server(upstream)
    upstream.get(f"{PLEX}/library/sections").mock(return_value=Response(404))
    user = await signup()
    r = await client.post(
        "/api/v1/connections/plex/manual",
        json={"url": "https://plex.example.com:32400", "token": PLEX_TOKEN},
        headers=user.headers,
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "connection_call_failed"
    assert r.json()["detail"].startswith(
        "The Plex Media Server at plex.example.com (Plex Media Server 1.41.3) answered, but listing its libraries "
        "(GET /library/sections) failed: it answered HTTP 404 Not Found."
    )
    assert PLEX_TOKEN not in r.text


@pytest.mark.parametrize(("status", "code"), [(404, "connection_call_failed"), (500, "connection_server_error")])
async def test_the_simulated_jellyfin_failing_its_user_list_is_named(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, status: int, code: str
) -> None:
    """Against the simulator: /System/Info/Public and /System/Info answer, /Users fails."""
    fault = httpx.post(sim.info["admin"] + "/faults", json={"server": "jellyfin", "route": "/Users", "status": status})
    assert fault.status_code == 201, fault.text
    jf = sim.info["jellyfin"]
    user = await signup()
    r = await api.post(
        "/api/v1/connections/jellyfin/probe",
        json={"url": jf["base_url"], "api_key": jf["api_key"]},
        headers=user.headers,
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"] == code
    detail = r.json()["detail"]
    assert "listing its users (GET /Users) failed: it answered HTTP " + str(status) in detail
    assert jf["api_key"] not in detail
