from __future__ import annotations

import asyncio

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import SignupFn

NEW_PASSWORD = "an entirely new passphrase"


async def test_change_password(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    other_login = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    other_cookie = other_login.cookies["mj_refresh"]
    await asyncio.sleep(1.05)  # tokens carry whole seconds: the old one must predate the change
    r = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password, "new_password": NEW_PASSWORD},
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    fresh = r.json()["access_token"]
    assert (await client.get("/api/v1/account", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200
    # tokens issued before the change are dead: access and every other refresh token
    assert (await client.get("/api/v1/account", headers=user.headers)).status_code == 401
    client.cookies.clear()
    r2 = await client.post("/api/v1/auth/refresh", headers={"Cookie": f"mj_refresh={other_cookie}"})
    assert r2.status_code == 401
    old = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert old.status_code == 401
    new = await client.post("/api/v1/auth/login", json={"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 200


async def test_change_password_needs_the_current_one(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    r = await client.post(
        "/api/v1/account/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=user.headers,
    )
    assert r.status_code == 403
    assert r.json()["error"] == "wrong_password"
    r = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password, "new_password": "short"},
        headers=user.headers,
    )
    assert r.status_code == 422
    assert "At least 10 characters" in r.json()["detail"]
    same = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password, "new_password": user.password},
        headers=user.headers,
    )
    assert same.status_code == 400
    assert same.json()["error"] == "password_rejected"
    [field] = same.json()["fields"]
    assert field["field"] == "new_password" and "must differ from your current password" in field["message"]
    # the password is unchanged after every failure, and the session still works
    assert (await client.get("/api/v1/account", headers=user.headers)).status_code == 200
    ok = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert ok.status_code == 200


async def test_change_password_needs_auth(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/account/password", json={"current_password": "x", "new_password": NEW_PASSWORD})
    assert r.status_code == 401


async def _tenant_rows(settings: Settings, account_id: object) -> dict[str, int]:
    dsn = make_url(settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.columns WHERE table_schema='public' AND column_name='account_id'"
        )
        counts = {}
        for t in tables:
            name = t["table_name"]
            counts[name] = await conn.fetchval(f'SELECT count(*) FROM "{name}" WHERE account_id = $1', account_id)
        counts["accounts"] = await conn.fetchval("SELECT count(*) FROM accounts WHERE id = $1", account_id)
        return counts
    finally:
        await conn.close()


async def test_delete_account_removes_every_tenant_row(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings
) -> None:
    user = await signup()
    keeper = await signup()
    await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    before = await _tenant_rows(settings, user.account_id)
    assert before["accounts"] == 1
    assert before["refresh_tokens"] >= 2
    wrong = await client.post("/api/v1/account/delete", json={"password": "wrong one"}, headers=user.headers)
    assert wrong.status_code == 403
    assert (await _tenant_rows(settings, user.account_id))["accounts"] == 1
    r = await client.post("/api/v1/account/delete", json={"password": user.password}, headers=user.headers)
    assert r.status_code == 204
    after = await _tenant_rows(settings, user.account_id)
    assert set(after.values()) == {0}, after
    assert (await client.get("/api/v1/account", headers=user.headers)).status_code == 401
    login = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 401
    assert (await client.get("/api/v1/account", headers=keeper.headers)).status_code == 200


async def test_accounts_see_only_themselves(client: httpx.AsyncClient, signup: SignupFn) -> None:
    a = await signup()
    b = await signup()
    ra = await client.get("/api/v1/account", headers=a.headers)
    rb = await client.get("/api/v1/account", headers=b.headers)
    assert ra.json()["id"] == str(a.account_id)
    assert rb.json()["id"] == str(b.account_id)
    # a cannot delete b's account with b's password: the target is always the token's own account
    r = await client.post("/api/v1/account/delete", json={"password": b.password}, headers=a.headers)
    assert r.status_code == 204
    assert (await client.get("/api/v1/account", headers=b.headers)).status_code == 200
