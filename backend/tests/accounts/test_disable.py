"""The operator disables an account (``janitor accounts disable``): it is signed out at once, cannot
sign in or refresh, and its jobs and scheduled work stop; enabled again, it signs in and runs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from janitor import cli
from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.core.queue import JobBuffer
from janitor.devtools.pytest_plugin import SignupFn
from janitor.jobs.fanout import spread_offset
from janitor.jobs.names import JobName
from janitor.jobs.runner import tenant_job
from janitor.sync.models import SyncRun
from janitor.sync.schedule import DAY, schedule_daily
from janitor_worker.registry import TENANT_HANDLERS

from ..sync.test_schedule_and_recovery import _add_connection


async def test_a_disabled_account_is_signed_out_and_refused_until_enabled(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings
) -> None:
    user, other = await signup(), await signup()
    said = await cli.accounts_switch(settings, f"  {user.email.upper()} ", disabled=True)
    assert said.startswith(f"{user.email} is DISABLED since")
    assert (await client.get("/api/v1/account", headers=user.headers)).status_code == 401
    client.cookies.clear()
    refreshed = await client.post("/api/v1/auth/refresh", headers={"Cookie": f"mj_refresh={user.refresh_cookie}"})
    assert refreshed.status_code == 401
    login = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 403 and login.json()["error"] == "account_disabled"
    assert "Contact them" in login.json()["detail"] and "mj_refresh" not in login.cookies
    wrong = await client.post("/api/v1/auth/login", json={"email": user.email, "password": "not-the-password-1"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_credentials"
    assert (await client.get("/api/v1/account", headers=other.headers)).status_code == 200

    assert (await cli.accounts_switch(settings, user.email, disabled=False)).endswith("its syncs and deletions run")
    login = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200
    fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get("/api/v1/account", headers=fresh)).status_code == 200


async def test_a_disabled_accounts_jobs_are_skipped_and_its_daily_sync_not_scheduled(
    ctx: AppContext, signup: SignupFn, settings: Settings
) -> None:
    user = await signup()
    await _add_connection(ctx, user.account_id)
    await cli.accounts_switch(settings, user.email, disabled=True)
    job = tenant_job(JobName.HEARTBEAT, TENANT_HANDLERS[JobName.HEARTBEAT])
    arq_ctx: dict[str, Any] = {"app": ctx, "worker_id": "test", "job_try": 1, "job_id": uuid.uuid4().hex}
    assert await job(arq_ctx, str(user.account_id)) == "account_disabled"
    now = datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=spread_offset(user.account_id, DAY) + 1)

    async def tick() -> list[uuid.UUID]:
        jobs = JobBuffer()
        async with ctx.sessionmaker() as s, s.begin():
            await schedule_daily(s, jobs, now=now, window_seconds=600)
        async with ctx.sessionmaker() as s:
            return list((await s.scalars(select(SyncRun.account_id))).all())

    assert await tick() == []
    await cli.accounts_switch(settings, user.email, disabled=False)
    assert await tick() == [user.account_id]
    assert await job(arq_ctx, str(user.account_id)) == "ok"


def test_the_cli_names_an_unknown_account(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JANITOR_DATABASE_URL", settings.database_url)
    assert cli.main(["accounts", "disable", "nobody@example.org"]) == 2
    assert "no account has the e-mail address 'nobody@example.org'" in capsys.readouterr().err
