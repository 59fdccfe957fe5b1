"""The ``janitor`` command line: one entry point, ``--help`` on every command, and the account and
operator commands (``accounts create``, ``operator grant|revoke``, ``sync run``)."""

from __future__ import annotations

import argparse
import asyncio
import io
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from janitor import cli
from janitor.cli import tenants
from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.core.queue import INTERACTIVE_QUEUE, queue_depth
from janitor.devtools.pytest_plugin import SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from janitor.operator.models import OperatorAuditEntry
from janitor.sync.errors import NothingToSync
from janitor.sync.models import SyncRun
from mediasim import SimServer

from .conftest import add_connection

ROOT = Path(__file__).resolve().parents[3]
STRONG = "correct horse battery staple 42"


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _commands(child, (*prefix, name))
    return found


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _commands(cli.build_parser())
    assert ("operator", "grant") in commands and ("sync", "run") in commands and ("accounts", "create") in commands
    assert len(commands) == 22  # every command and sub-command, the bare "janitor" included
    for command in commands:
        with pytest.raises(SystemExit) as exited:
            cli.main([*command, "--help"])
        assert exited.value.code == 0, command
        out = capsys.readouterr().out
        assert out.startswith(f"usage: janitor {' '.join(command)}".rstrip()), (command, out)


def test_janitor_is_one_entry_point_and_python_m_still_works() -> None:
    scripts = tomllib.loads((ROOT / "backend" / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"janitor": "janitor.cli:main"}
    janitor = Path(sys.executable).with_name("janitor")
    for argv in ([str(janitor), "--help"], [sys.executable, "-m", "janitor.cli", "--help"]):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert "usage: janitor" in done.stdout and "operator" in done.stdout and "sync" in done.stdout


async def test_accounts_create_makes_a_verified_account_that_signs_in(
    client: httpx.AsyncClient, settings: Settings, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JANITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("JANITOR_REDIS_URL", settings.redis_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(STRONG + "\n"))
    assert await asyncio.to_thread(cli.main, ["accounts", "create", " New@Example.com ", "--password-stdin"]) == 0
    login = await client.post("/api/v1/auth/login", json={"email": "new@example.com", "password": STRONG})
    assert login.status_code == 200, login.text
    me = await client.get("/api/v1/account", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert me.json()["email"] == "new@example.com" and me.json()["is_operator"] is False
    async with ctx.sessionmaker() as s:
        entry = (await s.scalars(select(OperatorAuditEntry))).one()
    assert (entry.action, entry.actor_email, entry.target_email) == (
        "account_created",
        "command line",
        "new@example.com",
    )


@pytest.mark.parametrize(
    ("email", "password", "said"),
    [
        ("someone@example.com", "short", "at least 10 characters"),
        ("someone@example.com", "password123", "one of the most common passwords"),
        ("someone@example.com", "someone@example.com", "must not be your email address"),
        ("not an address", STRONG, "is not a valid email address"),
    ],
)
def test_accounts_create_refuses_what_sign_up_refuses(
    settings: Settings,
    clean_state: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    email: str,
    password: str,
    said: str,
) -> None:
    monkeypatch.setenv("JANITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    assert cli.main(["accounts", "create", email, "--password-stdin"]) == 2
    assert said in capsys.readouterr().err


async def test_accounts_create_refuses_a_taken_address_and_differing_prompts(
    signup: SignupFn, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user = await signup()
    monkeypatch.setenv("JANITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(STRONG + "\n"))
    assert await asyncio.to_thread(cli.main, ["accounts", "create", user.email, "--password-stdin"]) == 2
    assert "already exists" in capsys.readouterr().err
    answers = iter([STRONG, STRONG + "!"])
    monkeypatch.setattr(tenants.getpass, "getpass", lambda prompt: next(answers))
    assert await asyncio.to_thread(cli.main, ["accounts", "create", "other@example.com"]) == 2
    assert "the two passwords differ" in capsys.readouterr().err


async def test_operator_grant_and_revoke_decide_the_console(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings, ctx: AppContext
) -> None:
    user = await signup()
    assert (await client.get("/api/v1/operator/queue", headers=user.headers)).status_code == 403
    said = await tenants.set_operator(settings, user.email.upper(), operator=True)
    assert said.startswith(f"{user.email} is an operator")
    assert (await client.get("/api/v1/account", headers=user.headers)).json()["is_operator"] is True
    assert (await client.get("/api/v1/operator/queue", headers=user.headers)).status_code == 200
    assert await tenants.set_operator(settings, user.email, operator=False) == f"{user.email} is no longer an operator"
    assert (await client.get("/api/v1/operator/queue", headers=user.headers)).status_code == 403
    async with ctx.sessionmaker() as s:
        actions = (await s.scalars(select(OperatorAuditEntry.action).order_by(OperatorAuditEntry.id))).all()
    assert actions == ["operator_granted", "operator_revoked"]


def test_operator_grant_names_an_unknown_account(
    settings: Settings, clean_state: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JANITOR_DATABASE_URL", settings.database_url)
    assert cli.main(["operator", "grant", "nobody@example.org"]) == 2
    assert "no account has the e-mail address 'nobody@example.org'" in capsys.readouterr().err


async def test_sync_run_queues_a_refresh_once_and_refuses_what_cannot_run(
    signup: SignupFn, settings: Settings, ctx: AppContext
) -> None:
    user, empty = await signup(), await signup()
    await add_connection(ctx, user.account_id)
    said, ok = await tenants.run_sync(settings, user.email)
    assert ok and said.startswith("queued sync ")
    again, ok = await tenants.run_sync(settings, user.email)
    assert ok and again == said.replace("queued sync", "sync") + " was already queued"
    async with ctx.sessionmaker() as s:
        runs = (await s.scalars(select(SyncRun))).all()
    assert [(r.account_id, r.trigger, r.status) for r in runs] == [(user.account_id, "manual", "queued")]
    assert (await queue_depth(ctx.redis))[INTERACTIVE_QUEUE] == 1  # like a Refresh click
    with pytest.raises(NothingToSync):
        await tenants.run_sync(settings, empty.email)
    await cli.accounts_switch(settings, user.email, disabled=True)
    with pytest.raises(tenants.CommandFailed, match="is disabled"):
        await tenants.run_sync(settings, user.email)


async def test_sync_run_wait_follows_the_run_to_its_end(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, self_hosted: Settings, run_job: RunJob
) -> None:
    user = await signup()
    await connect_all(api, user, sim)
    waiting = asyncio.ensure_future(tenants.run_sync(self_hosted, user.email, wait=True, poll=0.1, limit=120))
    await asyncio.sleep(0.5)
    assert not waiting.done()
    await run_job(user)  # the worker's part, with the worker's own wrapper
    said, ok = await asyncio.wait_for(waiting, 30)
    assert ok, said
    assert said.startswith("sync ") and " complete: " in said and " items in " in said
