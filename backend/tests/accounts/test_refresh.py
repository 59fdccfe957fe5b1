from __future__ import annotations

import httpx

from janitor.devtools.pytest_plugin import SignupFn


async def _refresh(client: httpx.AsyncClient, cookie: str) -> httpx.Response:
    client.cookies.clear()
    return await client.post("/api/v1/auth/refresh", headers={"Cookie": f"mj_refresh={cookie}"})


async def test_refresh_rotates_the_cookie(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    r = await _refresh(client, user.refresh_cookie)
    assert r.status_code == 200
    new_cookie = r.cookies["mj_refresh"]
    assert new_cookie != user.refresh_cookie
    me = await client.get("/api/v1/account", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.status_code == 200
    assert (await _refresh(client, new_cookie)).status_code == 200


async def test_reusing_a_rotated_token_revokes_the_whole_family(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    first = await _refresh(client, user.refresh_cookie)
    current = first.cookies["mj_refresh"]
    # The old token comes back (a thief replaying it): refused, and the family dies.
    replay = await _refresh(client, user.refresh_cookie)
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_refresh_token"
    assert (await _refresh(client, current)).status_code == 401


async def test_reuse_in_one_family_leaves_other_sign_ins_alone(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    other = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    other_cookie = other.cookies["mj_refresh"]
    await _refresh(client, user.refresh_cookie)
    await _refresh(client, user.refresh_cookie)  # reuse: kills the signup family only
    assert (await _refresh(client, other_cookie)).status_code == 200


async def test_missing_or_garbage_refresh_cookie(client: httpx.AsyncClient) -> None:
    client.cookies.clear()
    r = await client.post("/api/v1/auth/refresh")
    assert r.status_code == 401
    assert (await _refresh(client, "garbage")).status_code == 401


async def test_logout_revokes_refresh_and_clears_cookie(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    client.cookies.clear()
    r = await client.post("/api/v1/auth/logout", headers={"Cookie": f"mj_refresh={user.refresh_cookie}"})
    assert r.status_code == 204
    assert 'mj_refresh=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    assert (await _refresh(client, user.refresh_cookie)).status_code == 401


async def test_logout_without_cookie_is_harmless(client: httpx.AsyncClient) -> None:
    client.cookies.clear()
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
