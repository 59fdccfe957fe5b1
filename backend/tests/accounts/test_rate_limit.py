from __future__ import annotations

import httpx
from fastapi import FastAPI

from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import SignupFn


def _client_from(app: FastAPI, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 1)), base_url="http://testserver")


async def test_failed_logins_are_limited_per_account_and_address(
    app: FastAPI, signup: SignupFn, settings: Settings
) -> None:
    user = await signup()
    limit = settings.login_failures_per_account_ip
    async with _client_from(app, "192.0.2.10") as attacker, _client_from(app, "192.0.2.20") as owner:
        for _ in range(limit):
            r = await attacker.post("/api/v1/auth/login", json={"email": user.email, "password": "guess guess"})
            assert r.status_code == 401
        r = await attacker.post("/api/v1/auth/login", json={"email": user.email, "password": "guess guess"})
        assert r.status_code == 429
        assert r.json()["error"] == "rate_limited"
        assert int(r.headers["Retry-After"]) > 0
        # even the right password is refused from the attacker's address now
        r = await attacker.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
        assert r.status_code == 429
        # but the owner, elsewhere, is not locked out
        r = await owner.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
        assert r.status_code == 200


async def test_success_resets_the_failure_count(app: FastAPI, signup: SignupFn, settings: Settings) -> None:
    user = await signup()
    async with _client_from(app, "192.0.2.30") as c:
        for _ in range(settings.login_failures_per_account_ip - 1):
            await c.post("/api/v1/auth/login", json={"email": user.email, "password": "nope nope"})
        assert (
            await c.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
        ).status_code == 200
        for _ in range(settings.login_failures_per_account_ip - 1):
            r = await c.post("/api/v1/auth/login", json={"email": user.email, "password": "nope nope"})
            assert r.status_code == 401


async def test_login_attempts_are_limited_per_address(app: FastAPI, settings: Settings, signup: SignupFn) -> None:
    await signup()
    async with _client_from(app, "192.0.2.40") as c:
        codes = []
        for i in range(settings.login_attempts_per_ip + 1):
            r = await c.post("/api/v1/auth/login", json={"email": f"spray{i}@example.com", "password": "x" * 12})
            codes.append(r.status_code)
        assert codes[:-1] == [401] * settings.login_attempts_per_ip
        assert codes[-1] == 429


async def test_signups_are_limited_per_address(app: FastAPI, settings: Settings, signup: SignupFn) -> None:
    await signup()  # makes sure state is clean for this test
    async with _client_from(app, "192.0.2.50") as c:
        for i in range(settings.signups_per_ip):
            r = await c.post("/api/v1/auth/signup", json={"email": f"s{i}@example.com", "password": "x" * 12})
            assert r.status_code == 201
        r = await c.post("/api/v1/auth/signup", json={"email": "one-more@example.com", "password": "x" * 12})
        assert r.status_code == 429
        # and the refused signup wrote nothing
        login = await c.post("/api/v1/auth/login", json={"email": "one-more@example.com", "password": "x" * 12})
        assert login.status_code == 401
