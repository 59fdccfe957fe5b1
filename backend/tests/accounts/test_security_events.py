"""Security events are logged as such (kind, account, client address; never a secret) and counted."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from janitor.core.audit import SecurityEvent
from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import TEST_PASSWORD, SignupFn

WRONG = "not the password at all"


def _count(app: FastAPI, kind: SecurityEvent) -> float:
    value = app.state.metrics.registry.get_sample_value("janitor_security_events_total", {"kind": kind.value})
    assert value is not None, kind
    return float(value)


def _counts(app: FastAPI) -> dict[SecurityEvent, float]:
    return {kind: _count(app, kind) for kind in SecurityEvent}


def _events(out: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "security_event"]


@pytest.fixture
async def attacker(app: FastAPI, clean_state: None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("192.0.2.66", 4242))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_failed_logins_lockout_and_429_are_logged_and_counted(
    app: FastAPI,
    attacker: httpx.AsyncClient,
    signup: SignupFn,
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    user = await signup()
    capsys.readouterr()
    before = _counts(app)
    limit = settings.login_failures_per_account_ip
    for _ in range(limit):
        r = await attacker.post("/api/v1/auth/login", json={"email": user.email, "password": WRONG})
        assert r.status_code == 401
    r = await attacker.post("/api/v1/auth/login", json={"email": user.email, "password": WRONG})
    assert r.status_code == 429
    r = await attacker.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": WRONG})
    assert r.status_code == 401

    out = capsys.readouterr().out
    events = _events(out)
    kinds = [e["kind"] for e in events]
    assert kinds == ["login_failed"] * limit + ["login_lockout", "rate_limited", "login_failed"]
    account = str(user.account_id)
    assert all(e["client_ip"] == "192.0.2.66" for e in events)
    assert [e["account_id"] for e in events] == [account] * (limit + 2) + [None]
    assert events[limit]["seconds"] == settings.login_window_seconds
    assert events[limit + 1]["limit"] == "login-fail"
    assert all(e["level"] == "warning" for e in events)
    for secret in (WRONG, TEST_PASSWORD, user.email, "nobody@example.com", user.access_token):
        assert secret not in out

    after = _counts(app)
    assert after[SecurityEvent.LOGIN_FAILED] - before[SecurityEvent.LOGIN_FAILED] == limit + 1
    assert after[SecurityEvent.LOGIN_LOCKOUT] - before[SecurityEvent.LOGIN_LOCKOUT] == 1
    assert after[SecurityEvent.RATE_LIMITED] - before[SecurityEvent.RATE_LIMITED] == 1


async def test_the_signup_limit_is_logged_and_counted(
    app: FastAPI, attacker: httpx.AsyncClient, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _count(app, SecurityEvent.RATE_LIMITED)
    for i in range(settings.signups_per_ip + 1):
        email = f"s{i}-{uuid.uuid4().hex[:6]}@example.com"
        r = await attacker.post("/api/v1/auth/signup", json={"email": email, "password": TEST_PASSWORD})
    assert r.status_code == 429
    [event] = _events(capsys.readouterr().out)
    assert (event["kind"], event["limit"], event["client_ip"], event["account_id"]) == (
        "rate_limited",
        "signup-ip",
        "192.0.2.66",
        None,
    )
    assert _count(app, SecurityEvent.RATE_LIMITED) - before == 1


async def test_refresh_reuse_password_change_and_deletion_are_logged_and_counted(
    app: FastAPI, attacker: httpx.AsyncClient, signup: SignupFn, capsys: pytest.CaptureFixture[str]
) -> None:
    user = await signup()
    capsys.readouterr()
    before = _counts(app)
    c = attacker
    first = await c.post("/api/v1/auth/refresh", headers={"Cookie": f"mj_refresh={user.refresh_cookie}"})
    assert first.status_code == 200
    c.cookies.clear()
    replay = await c.post("/api/v1/auth/refresh", headers={"Cookie": f"mj_refresh={user.refresh_cookie}"})
    assert replay.status_code == 401
    c.cookies.clear()
    session = await c.post("/api/v1/auth/login", json={"email": user.email, "password": TEST_PASSWORD})
    headers = {"Authorization": f"Bearer {session.json()['access_token']}"}
    new = TEST_PASSWORD + " renewed"
    body = {"current_password": WRONG, "new_password": new}
    assert (await c.post("/api/v1/account/password", json=body, headers=headers)).status_code == 403
    body = {"current_password": TEST_PASSWORD, "new_password": new}
    changed = await c.post("/api/v1/account/password", json=body, headers=headers)
    assert changed.status_code == 200
    headers = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await c.post("/api/v1/account/delete", json={"password": new}, headers=headers)).status_code == 204

    out = capsys.readouterr().out
    events = _events(out)
    assert [e["kind"] for e in events] == [
        "refresh_token_reuse",
        "reauth_failed",
        "password_changed",
        "account_deleted",
    ]
    assert all(e["account_id"] == str(user.account_id) and e["client_ip"] == "192.0.2.66" for e in events)
    assert events[1]["action"] == "change_password"
    assert [e["level"] for e in events] == ["warning", "warning", "info", "info"]
    for secret in (WRONG, TEST_PASSWORD, new, user.refresh_cookie, user.email):
        assert secret not in out

    after = _counts(app)
    for kind in (
        SecurityEvent.REFRESH_TOKEN_REUSE,
        SecurityEvent.REAUTH_FAILED,
        SecurityEvent.PASSWORD_CHANGED,
        SecurityEvent.ACCOUNT_DELETED,
    ):
        assert after[kind] - before[kind] == 1, kind


async def test_metrics_show_every_kind_from_the_start(app: FastAPI, client: httpx.AsyncClient) -> None:
    text = (await client.get("/metrics")).text
    for kind in SecurityEvent:
        assert f'janitor_security_events_total{{kind="{kind.value}"}}' in text
