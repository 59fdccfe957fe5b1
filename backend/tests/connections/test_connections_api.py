from __future__ import annotations

import httpx
import pytest
import respx
from httpx import Response
from sqlalchemy import text

from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignupFn

from .upstream_fixtures import (
    JELLYFIN_ADMIN,
    JELLYFIN_KEY,
    JELLYFIN_VIEWER,
    MACHINE_ID,
    PLEX,
    PLEX_TOKEN,
    SEERR_KEY,
    jellyfin_server,
    plex_server,
    seerr_server,
)

PLEX_URL = "https://plex.example.com:32400"


async def _add_plex(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> httpx.Response:
    payload = {"url": PLEX_URL, "token": PLEX_TOKEN, **body}
    return await client.post("/api/v1/connections/plex/manual", json=payload, headers=headers)


async def test_add_plex_by_hand_validates_saves_encrypted_and_lists_libraries(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter, ctx: AppContext
) -> None:
    plex_server(upstream)
    user = await signup()
    r = await _add_plex(client, user.headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "plex"
    assert body["name"] == "Basement"
    assert body["server_id"] == MACHINE_ID
    assert body["base_url"] == PLEX_URL
    assert body["deletion_enabled"] is True
    assert body["has_token"] is True
    assert PLEX_TOKEN not in r.text
    sent = upstream.calls.last.request
    assert sent.headers["X-Plex-Token"] == PLEX_TOKEN
    assert PLEX_TOKEN not in str(sent.url)
    async with ctx.sessionmaker() as s:
        stored = (await s.execute(text("SELECT token_ciphertext FROM connections"))).scalar_one()
    assert PLEX_TOKEN not in stored
    libs = (await client.get("/api/v1/libraries", headers=user.headers)).json()
    assert {(lib["title"], lib["kind"], lib["enabled"]) for lib in libs} == {
        ("Movies", "movie", True),
        ("Music", "music", True),
        ("Photos", "other", False),
    }
    listed = (await client.get("/api/v1/connections", headers=user.headers)).json()
    assert [c["id"] for c in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("bad_token", "connection_auth_failed"),
        ("unreachable", "connection_unreachable"),
        ("not_plex", "connection_wrong_server"),
        ("server_error", "connection_server_error"),
        ("tls", "connection_tls_error"),
    ],
)
async def test_add_plex_failures_are_explained_and_nothing_is_saved(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter, setup: str, code: str
) -> None:
    if setup == "bad_token":
        plex_server(upstream, token="another-token")
    elif setup == "unreachable":
        upstream.get(f"{PLEX}/identity").mock(side_effect=httpx.ConnectError("connection refused"))
    elif setup == "not_plex":
        upstream.get(f"{PLEX}/identity").mock(return_value=Response(200, html="<html>my router</html>"))
    elif setup == "server_error":
        upstream.get(f"{PLEX}/identity").mock(return_value=Response(503, text="busy"))
    else:
        upstream.get(f"{PLEX}/identity").mock(side_effect=httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]"))
    user = await signup()
    r = await _add_plex(client, user.headers)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == code
    assert PLEX_TOKEN not in r.text
    assert "plex.example.com" in r.json()["detail"]
    assert (await client.get("/api/v1/connections", headers=user.headers)).json() == []


async def test_internal_addresses_are_refused_in_hosted_mode(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    for url in ("http://127.0.0.1:32400", "http://10.0.0.2:32400", "http://169.254.169.254"):
        r = await _add_plex(client, user.headers, url=url)
        assert r.status_code == 400, url
        assert r.json()["error"] == "connection_blocked_address"
        assert "JANITOR_ALLOW_PRIVATE_NETWORKS" in r.json()["detail"]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("plex.example.com", "must start with http"),
        ("ftp://plex.example.com", "must start with http"),
        ("https://plex.example.com/?X-Plex-Token=abc", "query string"),
        ("https://user:pw@plex.example.com", "user name or password"),
        ("https://plex.example.com:99999", "optional port (1-65535)"),
        ("https://plex.example.com/\n", "is not a server address"),
    ],
)
async def test_bad_urls_get_clear_messages(
    client: httpx.AsyncClient, signup: SignupFn, url: str, fragment: str
) -> None:
    user = await signup()
    r = await _add_plex(client, user.headers, url=url)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]


async def test_the_same_server_cannot_be_added_twice(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    plex_server(upstream)
    user = await signup()
    assert (await _add_plex(client, user.headers)).status_code == 201
    r = await _add_plex(client, user.headers)
    assert r.status_code == 409
    assert r.json()["error"] == "connection_exists"


async def test_another_tenant_sees_nothing_and_gets_404(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    plex_server(upstream)
    owner, other = await signup(), await signup()
    conn = (await _add_plex(client, owner.headers)).json()
    lib = (await client.get("/api/v1/libraries", headers=owner.headers)).json()[0]
    h = other.headers
    assert (await client.get("/api/v1/connections", headers=h)).json() == []
    assert (await client.get("/api/v1/libraries", headers=h)).json() == []
    cid, lid = conn["id"], lib["id"]
    for method, path, body in [
        ("GET", f"/api/v1/connections/{cid}", None),
        ("PATCH", f"/api/v1/connections/{cid}", {"name": "mine now"}),
        ("DELETE", f"/api/v1/connections/{cid}", None),
        ("POST", f"/api/v1/connections/{cid}/test", None),
        ("GET", f"/api/v1/libraries?connection_id={cid}", None),
        ("PATCH", f"/api/v1/libraries/{lid}", {"enabled": False}),
    ]:
        r = await client.request(method, path, json=body, headers=h)
        assert r.status_code == 404, (method, path, r.text)
    # the owner's data is untouched
    assert (await client.get(f"/api/v1/connections/{cid}", headers=owner.headers)).json()["name"] == "Basement"
    assert (await client.get("/api/v1/libraries", headers=owner.headers)).json()[0]["enabled"] is True


async def test_test_rename_toggle_and_delete(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    plex_server(upstream)
    user = await signup()
    conn = (await _add_plex(client, user.headers)).json()
    cid = conn["id"]
    ok = await client.post(f"/api/v1/connections/{cid}/test", headers=user.headers)
    assert ok.json()["status"] == "ok"
    upstream.get(f"{PLEX}/identity").mock(side_effect=httpx.ConnectError("down"))
    failed = await client.post(f"/api/v1/connections/{cid}/test", headers=user.headers)
    assert failed.status_code == 200
    assert failed.json()["status"] == "error"
    assert "Could not reach plex.example.com" in failed.json()["last_error"]
    renamed = await client.patch(f"/api/v1/connections/{cid}", json={"name": "Living room"}, headers=user.headers)
    assert renamed.json()["name"] == "Living room"
    music = next(
        lib for lib in (await client.get("/api/v1/libraries", headers=user.headers)).json() if lib["title"] == "Music"
    )
    off = await client.patch(f"/api/v1/libraries/{music['id']}", json={"enabled": False}, headers=user.headers)
    assert off.json()["enabled"] is False
    assert (await client.delete(f"/api/v1/connections/{cid}", headers=user.headers)).status_code == 204
    assert (await client.get("/api/v1/libraries", headers=user.headers)).json() == []
    assert (await client.get(f"/api/v1/connections/{cid}", headers=user.headers)).status_code == 404


async def test_changing_the_token_is_validated_before_it_is_saved(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    plex_server(upstream)
    user = await signup()
    cid = (await _add_plex(client, user.headers)).json()["id"]
    bad = await client.patch(f"/api/v1/connections/{cid}", json={"token": "wrong"}, headers=user.headers)
    assert bad.status_code == 400
    assert bad.json()["error"] == "connection_auth_failed"
    # the old token still works: the failed change wrote nothing
    assert (await client.post(f"/api/v1/connections/{cid}/test", headers=user.headers)).json()["status"] == "ok"


async def test_a_ciphertext_moved_to_another_row_cannot_be_used(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter, ctx: AppContext
) -> None:
    plex_server(upstream)
    seerr_server(upstream)
    user = await signup()
    plex = (await _add_plex(client, user.headers)).json()
    seerr = (
        await client.post(
            "/api/v1/connections/jellyseerr",
            json={"url": "https://requests.example.com", "api_key": SEERR_KEY},
            headers=user.headers,
        )
    ).json()
    async with ctx.sessionmaker() as s, s.begin():
        await s.execute(
            text(
                "UPDATE connections SET token_ciphertext = (SELECT token_ciphertext FROM connections WHERE id = :p) "
                "WHERE id = :s"
            ),
            {"p": plex["id"], "s": seerr["id"]},
        )
    r = await client.post(f"/api/v1/connections/{seerr['id']}/test", headers=user.headers)
    assert r.json()["status"] == "error"
    assert "Enter the token again" in r.json()["last_error"]


async def test_jellyfin_probe_then_add_acting_as_a_user(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    jellyfin_server(upstream)
    user = await signup()
    body = {"url": "https://jellyfin.example.com", "api_key": JELLYFIN_KEY}
    probe = await client.post("/api/v1/connections/jellyfin/probe", json=body, headers=user.headers)
    assert probe.status_code == 200, probe.text
    assert probe.json()["version"] == "10.11.5"
    assert {(u["name"], u["can_delete"]) for u in probe.json()["users"]} == {("admin", True), ("kid", False)}
    missing = await client.post(
        "/api/v1/connections/jellyfin", json={**body, "user_id": "0" * 32}, headers=user.headers
    )
    assert missing.status_code == 400
    assert missing.json()["error"] == "jellyfin_user_not_found"
    added = await client.post(
        "/api/v1/connections/jellyfin", json={**body, "user_id": JELLYFIN_VIEWER}, headers=user.headers
    )
    assert added.status_code == 201, added.text
    assert added.json()["acting_user"] == "kid"
    assert added.json()["deletion_enabled"] is False
    assert JELLYFIN_KEY not in added.text
    libs = (await client.get("/api/v1/libraries", headers=user.headers)).json()
    assert {(lib["title"], lib["kind"], lib["enabled"]) for lib in libs} == {
        ("Films", "movie", True),
        ("Series", "show", True),
        ("Playlists", "other", False),
    }
    switched = await client.patch(
        f"/api/v1/connections/{added.json()['id']}", json={"user_id": JELLYFIN_ADMIN}, headers=user.headers
    )
    assert switched.json()["acting_user"] == "admin"
    assert switched.json()["deletion_enabled"] is True


async def test_jellyfin_wrong_key_and_not_jellyfin(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    jellyfin_server(upstream, key="the-real-key")
    user = await signup()
    body = {"url": "https://jellyfin.example.com", "api_key": JELLYFIN_KEY}
    r = await client.post("/api/v1/connections/jellyfin/probe", json=body, headers=user.headers)
    assert r.json()["error"] == "connection_auth_failed"
    upstream.get("https://93.184.216.35/System/Info/Public").mock(return_value=Response(200, json={"hello": 1}))
    r = await client.post("/api/v1/connections/jellyfin/probe", json=body, headers=user.headers)
    assert r.json()["error"] == "connection_wrong_server"
    assert "Jellyfin" in r.json()["detail"]


async def test_jellyseerr_add_and_bad_key(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter
) -> None:
    seerr_server(upstream)
    user = await signup()
    bad = await client.post(
        "/api/v1/connections/jellyseerr",
        json={"url": "https://requests.example.com", "api_key": "nope"},
        headers=user.headers,
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "connection_auth_failed"
    ok = await client.post(
        "/api/v1/connections/jellyseerr",
        json={"url": "https://requests.example.com/", "api_key": SEERR_KEY},
        headers=user.headers,
    )
    assert ok.status_code == 201
    assert ok.json()["version"] == "2.7.3"
    assert ok.json()["base_url"] == "https://requests.example.com"


async def test_secrets_never_reach_the_logs(
    client: httpx.AsyncClient,
    signup: SignupFn,
    upstream: respx.MockRouter,
    capsys: pytest.CaptureFixture[str],
    settings: Settings,
) -> None:
    plex_server(upstream)
    jellyfin_server(upstream, key="other")
    user = await signup()
    await _add_plex(client, user.headers)
    await client.post(
        "/api/v1/connections/jellyfin/probe",
        json={"url": "https://jellyfin.example.com", "api_key": JELLYFIN_KEY},
        headers=user.headers,
    )
    out = capsys.readouterr()
    for secret in (PLEX_TOKEN, JELLYFIN_KEY):
        assert secret not in out.out
        assert secret not in out.err
