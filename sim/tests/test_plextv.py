"""plex.tv: PIN flow, user, resources, friends, home users, XML-only v1 endpoints."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx

JSON = {"Accept": "application/json"}
CLIENT = {"X-Plex-Client-Identifier": "test-client", "X-Plex-Product": "Media Janitor"}


async def test_pin_flow(client: httpx.AsyncClient, info: dict[str, Any]) -> None:
    r = await client.post("/plextv/api/v2/pins?strong=true", headers={**JSON, **CLIENT})
    assert r.status_code == 201
    pin = r.json()
    assert len(pin["code"]) == 25 and pin["authToken"] is None and pin["createdAt"].endswith("Z")
    assert pin["clientIdentifier"] == "test-client" and pin["expiresIn"] > 0
    weak = (await client.post("/plextv/api/v2/pins", headers={**JSON, **CLIENT})).json()
    assert len(weak["code"]) == 4
    r = await client.get(f"/plextv/api/v2/pins/{pin['id']}", headers={**JSON, **CLIENT})
    assert r.status_code == 200 and r.json()["authToken"] is None
    r = await client.post("/_admin/plextv/pins/approve", json={"code": pin["code"]})
    assert r.status_code == 200
    r = await client.get(f"/plextv/api/v2/pins/{pin['id']}", headers={**JSON, **CLIENT})
    assert r.json()["authToken"] == info["plextv"]["owner"]["token"]
    # approve as a friend by PIN id
    await client.post("/_admin/plextv/pins/approve", json={"id": weak["id"], "user": "alice"})
    tok = (await client.get(f"/plextv/api/v2/pins/{weak['id']}", headers={**JSON, **CLIENT})).json()["authToken"]
    user = (await client.get("/plextv/api/v2/user", headers={**JSON, "X-Plex-Token": tok})).json()
    assert user["username"] == "alice"
    assert (await client.get("/plextv/api/v2/pins/1", headers={**JSON, **CLIENT})).status_code == 404
    assert (await client.get("/_admin/mutations?kind=pin_approved")).json()


async def test_pin_needs_client_identifier(client: httpx.AsyncClient) -> None:
    r = await client.post("/plextv/api/v2/pins", headers=JSON)
    assert r.status_code == 400
    assert r.json() == {"errors": [{"code": 1000, "message": "X-Plex-Client-Identifier is missing", "status": 400}]}


async def test_pin_xml_without_accept(client: httpx.AsyncClient) -> None:
    r = await client.post("/plextv/api/v2/pins", headers=CLIENT)
    assert r.status_code == 201
    root = ET.fromstring(r.content)
    assert root.tag == "pin" and root.get("code") and root.get("authToken") is None


async def test_auth_app_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/plextv/auth")
    assert r.status_code == 200 and 'id="approve"' in r.text and "/_admin/plextv/pins/approve" in r.text


async def test_user_token_check(client: httpx.AsyncClient, info: dict[str, Any]) -> None:
    r = await client.get("/plextv/api/v2/user", headers={**JSON, "X-Plex-Token": "bad"})
    assert r.status_code == 401
    assert r.json() == {"errors": [{"code": 1001, "message": "User could not be authenticated", "status": 401}]}
    r = await client.get("/plextv/api/v2/user", headers={**JSON, "X-Plex-Token": info["plextv"]["owner"]["token"]})
    u = r.json()
    assert u["id"] == info["plextv"]["owner"]["id"] and isinstance(u["joinedAt"], int)
    assert u["subscription"]["active"] is True


async def test_resources_tokens_and_connections(client: httpx.AsyncClient, info: dict[str, Any]) -> None:
    owner = info["plextv"]["owner"]["token"]
    res = (
        await client.get(
            "/plextv/api/v2/resources?includeHttps=1&includeRelay=1", headers={**JSON, "X-Plex-Token": owner}
        )
    ).json()
    assert isinstance(res, list)
    srv = next(r for r in res if "server" in r["provides"])
    assert srv["owned"] is True and srv["ownerId"] is None and srv["accessToken"] == owner
    kinds = {(c["local"], c["relay"]) for c in srv["connections"]}
    assert kinds == {(True, False), (False, False), (False, True)}
    assert any(c["uri"].endswith("/pms/home") for c in srv["connections"])
    friend = info["plextv"]["users"][0]
    res = (await client.get("/plextv/api/v2/resources", headers={**JSON, "X-Plex-Token": friend["token"]})).json()
    shared = next(r for r in res if "server" in r["provides"])
    assert shared["owned"] is False and shared["ownerId"] == info["plextv"]["owner"]["id"]
    assert shared["accessToken"] == info["pms"]["home"]["user_tokens"][friend["title"]] != friend["token"]
    # the per-server token works against the server
    r = await client.get("/pms/home/library/sections", headers={"X-Plex-Token": shared["accessToken"]})
    assert r.status_code == 200


async def test_friends_and_home(client: httpx.AsyncClient, info: dict[str, Any]) -> None:
    h = {**JSON, "X-Plex-Token": info["plextv"]["owner"]["token"]}
    friends = (await client.get("/plextv/api/v2/friends", headers=h)).json()
    assert {f["username"] for f in friends} == {u["username"] for u in info["plextv"]["users"] if u["friend"]}
    assert all(f["status"] == "accepted" and f["sharedServers"] for f in friends)
    home = (await client.get("/plextv/api/v2/home/users", headers=h)).json()
    assert any(u["admin"] for u in home["users"]) and any(u["restricted"] for u in home["users"])


async def test_v1_endpoints_are_xml_only(client: httpx.AsyncClient, info: dict[str, Any]) -> None:
    h = {**JSON, "X-Plex-Token": info["plextv"]["owner"]["token"]}  # Accept: json is ignored there
    r = await client.get("/plextv/api/users", headers=h)
    assert r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    users = root.findall("User")
    assert len(users) == len(info["plextv"]["users"])
    assert users[0].find("Server").get("machineIdentifier") == info["pms"]["home"]["machine_identifier"]
    assert users[0].get("home") in ("0", "1")
    root = ET.fromstring((await client.get("/plextv/api/resources?includeHttps=1", headers=h)).content)
    dev = root.find("Device")
    assert dev.get("owned") == "1" and dev.find("Connection") is not None and dev.get("createdAt").isdigit()
    root = ET.fromstring((await client.get("/plextv/api/home/users", headers=h)).content)
    assert root.find("User") is not None
    assert (await client.get("/plextv/api/users")).status_code == 401
