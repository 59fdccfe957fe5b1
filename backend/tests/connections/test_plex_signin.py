from __future__ import annotations

from typing import Any

import httpx
import respx
from httpx import Response

from janitor.devtools.pytest_plugin import SignupFn

from .upstream_fixtures import MACHINE_ID, plex_server

PLEXTV = "https://93.184.216.40"
ACCOUNT_TOKEN = "account-token-zyxwvu987"
SERVER_TOKEN = "server-token-for-basement"
REMOTE = "https://203-0-113-9.abc.plex.direct:32400"


def plextv(router: respx.MockRouter, *, claimed: list[bool]) -> None:
    pin = {
        "id": 912345678,
        "code": "k3v9x0q2m8a7b6c5d4e1f0g9h",
        "product": "Media Janitor",
        "trusted": False,
        "clientIdentifier": "x",
        "expiresIn": 1799,
        "createdAt": "2026-11-22T03:04:05Z",
        "expiresAt": "2026-11-22T03:34:05Z",
        "authToken": None,
        "newRegistration": None,
    }
    router.post(f"{PLEXTV}/api/v2/pins").mock(return_value=Response(201, json=pin))

    def check(request: Any) -> Response:
        return Response(200, json={**pin, "authToken": ACCOUNT_TOKEN if claimed[0] else None})

    router.get(f"{PLEXTV}/api/v2/pins/912345678").mock(side_effect=check)

    def resources(request: Any) -> Response:
        if request.headers.get("X-Plex-Token") != ACCOUNT_TOKEN:
            return Response(401, json={"errors": [{"code": 1001, "message": "User could not be authenticated"}]})
        return Response(
            200,
            json=[
                {
                    "name": "Basement",
                    "product": "Plex Media Server",
                    "productVersion": "1.41.3",
                    "provides": "server",
                    "clientIdentifier": MACHINE_ID,
                    "owned": True,
                    "accessToken": SERVER_TOKEN,
                    "presence": True,
                    "connections": [
                        {
                            "protocol": "http",
                            "address": "10.0.0.5",
                            "port": 32400,
                            "uri": "http://10.0.0.5:32400",
                            "local": True,
                            "relay": False,
                            "IPv6": False,
                        },
                        {
                            "protocol": "https",
                            "address": "203.0.113.9",
                            "port": 32400,
                            "uri": REMOTE,
                            "local": False,
                            "relay": False,
                            "IPv6": False,
                        },
                        {
                            "protocol": "https",
                            "address": "relay",
                            "port": 8443,
                            "uri": "https://relay.plex.direct:8443",
                            "local": False,
                            "relay": True,
                            "IPv6": False,
                        },
                    ],
                },
                {
                    "name": "Phone",
                    "product": "Plex for iOS",
                    "provides": "player",
                    "clientIdentifier": "phone-1",
                    "owned": True,
                    "connections": [],
                },
            ],
        )

    router.get(f"{PLEXTV}/api/v2/resources").mock(side_effect=resources)


async def test_sign_in_with_plex_then_pick_a_server(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    claimed = [False]
    plextv(upstream, claimed=claimed)
    plex_server(upstream, base="https://93.184.216.36:32400", token=SERVER_TOKEN)
    user = await signup()
    start = await client.post("/api/v1/connections/plex/pins", headers=user.headers)
    assert start.status_code == 201, start.text
    pin = start.json()
    assert pin["auth_url"].startswith("https://app.plex.tv/auth#?")
    assert "code=k3v9x0q2m8a7b6c5d4e1f0g9h" in pin["auth_url"]
    waiting = await client.get(f"/api/v1/connections/plex/pins/{pin['pin_id']}", headers=user.headers)
    assert waiting.json() == {"status": "waiting", "servers": []}
    early = await client.post(
        f"/api/v1/connections/plex/pins/{pin['pin_id']}/connect",
        json={"client_identifier": MACHINE_ID},
        headers=user.headers,
    )
    assert early.status_code == 409
    claimed[0] = True
    done = await client.get(f"/api/v1/connections/plex/pins/{pin['pin_id']}", headers=user.headers)
    assert done.json()["status"] == "claimed"
    servers = done.json()["servers"]
    assert [s["name"] for s in servers] == ["Basement"]
    assert [c["local"] for c in servers[0]["connections"]] == [True, False, False]
    assert ACCOUNT_TOKEN not in done.text
    assert SERVER_TOKEN not in done.text
    r = await client.post(
        f"/api/v1/connections/plex/pins/{pin['pin_id']}/connect",
        json={"client_identifier": MACHINE_ID},
        headers=user.headers,
    )
    assert r.status_code == 201, r.text
    # the local address is private (refused in hosted mode); the remote one answered first
    assert r.json()["base_url"] == REMOTE
    assert r.json()["server_id"] == MACHINE_ID
    # the server's own token is the one used against it
    pms_calls = [c.request for c in upstream.calls if c.request.url.host == "93.184.216.36"]
    assert pms_calls
    assert all(c.headers["X-Plex-Token"] == SERVER_TOKEN for c in pms_calls if "X-Plex-Token" in c.headers)
    # the sign-in is consumed
    again = await client.get(f"/api/v1/connections/plex/pins/{pin['pin_id']}", headers=user.headers)
    assert again.status_code == 404


async def test_another_tenant_cannot_use_my_pin(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    plextv(upstream, claimed=[True])
    owner, other = await signup(), await signup()
    pin = (await client.post("/api/v1/connections/plex/pins", headers=owner.headers)).json()
    r = await client.get(f"/api/v1/connections/plex/pins/{pin['pin_id']}", headers=other.headers)
    assert r.status_code == 404
    r = await client.post(
        f"/api/v1/connections/plex/pins/{pin['pin_id']}/connect",
        json={"client_identifier": MACHINE_ID},
        headers=other.headers,
    )
    assert r.status_code == 404


async def test_expired_pin_and_unknown_server(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    plextv(upstream, claimed=[True])
    user = await signup()
    pin = (await client.post("/api/v1/connections/plex/pins", headers=user.headers)).json()
    r = await client.post(
        f"/api/v1/connections/plex/pins/{pin['pin_id']}/connect",
        json={"client_identifier": "not-a-server-of-mine"},
        headers=user.headers,
    )
    assert r.status_code == 409  # not checked yet: the token is fetched by polling first
    await client.get(f"/api/v1/connections/plex/pins/{pin['pin_id']}", headers=user.headers)
    r = await client.post(
        f"/api/v1/connections/plex/pins/{pin['pin_id']}/connect",
        json={"client_identifier": "not-a-server-of-mine"},
        headers=user.headers,
    )
    assert r.status_code == 404
    assert r.json()["error"] == "plex_server_not_found"
    upstream.get(f"{PLEXTV}/api/v2/pins/912345678").mock(return_value=Response(404, json={"errors": []}))
    pin2 = (await client.post("/api/v1/connections/plex/pins", headers=user.headers)).json()
    expired = await client.get(f"/api/v1/connections/plex/pins/{pin2['pin_id']}", headers=user.headers)
    assert expired.json()["status"] == "expired"
