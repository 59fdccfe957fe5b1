"""The account's e-mail address (issue 18): verification (a link at sign-up; until it is followed no
server can be connected, while the operator requires it; "send again" is limited) and change of
e-mail (confirmed from the new address, announced to the old one with a way to undo that ends every
session). Tokens are random, stored hashed, single use, expire, and only fit the address they were
issued for. Against a real Postgres and Redis; the mails are read from the outbox, decrypted."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from janitor import cli
from janitor.accounts.models import Account, AccountToken, TokenPurpose
from janitor.core.config import Settings
from janitor.core.context import build_context, close_context
from janitor.core.deps import AppContext
from janitor.core.queue import QUICK_QUEUE
from janitor.devtools.mailcatcher import MailCatcher, free_port
from janitor.devtools.pytest_plugin import SignedUp, SignupFn, queued_mails
from janitor.devtools.sim_fixtures import SimServer, connect_all
from janitor.jobs.mail import send_system_mail
from janitor.mail import outbox
from janitor.mail.models import MailStatus, OutgoingMail

VERIFY = "/api/v1/account/email/verify"
RESEND = "/api/v1/account/email/verification"
CHANGE = "/api/v1/account/email"
UNDO = "/api/v1/account/email/undo"


@pytest.fixture
async def required(settings: Settings, clean_state: None) -> None:
    """The operator requires verification (the test settings' default is off); after the tables are
    emptied, or the switch would go with them."""
    await cli.verification_switch(settings, "on")


def _token(link: str) -> str:
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token


async def _last_link(ctx: AppContext, user: SignedUp, template: str) -> tuple[str, str]:
    """(to, token) of the account's newest mail ``template``."""
    mails = [(to, values) for t, to, values in await queued_mails(ctx, user.account_id) if t == template]
    assert mails, f"no {template} mail"
    to, values = mails[-1]
    return to, _token(values["link"])


async def _me(client: httpx.AsyncClient, user: SignedUp) -> dict[str, str]:
    r = await client.get("/api/v1/account", headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, str] = r.json()
    return body


async def _expire(ctx: AppContext, token: str) -> None:
    async with ctx.sessionmaker() as s, s.begin():
        await s.execute(
            update(AccountToken)
            .where(AccountToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
            .values(expires_at=AccountToken.created_at - timedelta(seconds=1))
        )


@pytest.mark.usefixtures("required")
async def test_a_new_account_confirms_its_address_before_it_can_connect_a_server(
    api: httpx.AsyncClient, signup: SignupFn, ctx: AppContext, sim: SimServer, settings: Settings
) -> None:
    client = api  # a self-hosted install's app: it may reach the simulator on loopback
    user = await signup()
    assert (await _me(client, user))["email_verification"] == "pending"
    to, token = await _last_link(ctx, user, "verify_email")
    assert to == user.email
    (_, _, values), *_ = await queued_mails(ctx, user.account_id)
    assert values["link"].startswith(f"{settings.public_url}/verify-email?token=")
    assert values["hours"] == str(settings.email_link_hours)

    # Every step that reaches a new server is refused, with what to do about it.
    pms = sim.info["pms"]["home"]
    attempts = [
        ("/api/v1/connections/plex/manual", {"url": pms["base_url"], "token": pms["owner_token"]}),
        ("/api/v1/connections/plex/pins", None),
        ("/api/v1/connections/plex/pins/1/connect", {"client_identifier": "x"}),
        ("/api/v1/connections/jellyfin/probe", {"url": "http://127.0.0.1:1", "api_key": "k" * 32}),
        ("/api/v1/connections/jellyfin", {"url": "http://127.0.0.1:1", "api_key": "k" * 32, "user_id": "u" * 32}),
        ("/api/v1/connections/jellyseerr", {"url": "http://127.0.0.1:1", "api_key": "k" * 32}),
    ]
    for path, body in attempts:
        r = await client.post(path, json=body, headers=user.headers)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"] == "email_not_verified"
        assert "Confirm your e-mail address" in r.json()["detail"]
    assert (await client.get("/api/v1/connections", headers=user.headers)).json() == []

    # The link, without a session (it may be opened on another device).
    r = await client.post(VERIFY, json={"token": token})
    assert r.status_code == 200, r.text
    assert r.json() == {"email": user.email, "changed": False}
    assert (await _me(client, user))["email_verification"] == "verified"
    await connect_all(client, user, sim)
    # Used once: the same link again is refused
    again = await client.post(VERIFY, json={"token": token})
    assert again.status_code == 400 and again.json()["error"] == "invalid_email_link"


@pytest.mark.usefixtures("required")
async def test_the_token_is_stored_hashed_and_a_newer_link_an_expiry_or_a_garbled_one_end_it(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    _, first = await _last_link(ctx, user, "verify_email")
    async with ctx.sessionmaker() as s:
        rows = (await s.scalars(select(AccountToken).where(AccountToken.account_id == user.account_id))).all()
    assert [r.token_hash for r in rows] == [hashlib.sha256(first.encode()).hexdigest()]
    assert rows[0].purpose == TokenPurpose.VERIFY_EMAIL and rows[0].email == user.email
    assert len(first) >= 40

    sent = await client.post(RESEND, headers=user.headers)
    assert sent.status_code == 202 and user.email in sent.json()["detail"]
    _, second = await _last_link(ctx, user, "verify_email")
    assert second != first
    for dead in (first, second[:-2] + "xx", "nope"):
        r = await client.post(VERIFY, json={"token": dead})
        assert r.status_code == 400 and r.json()["error"] == "invalid_email_link", dead
    await _expire(ctx, second)
    assert (await client.post(VERIFY, json={"token": second})).status_code == 400
    assert (await _me(client, user))["email_verification"] == "pending"
    assert (await client.post(RESEND, headers=user.headers)).status_code == 202
    _, third = await _last_link(ctx, user, "verify_email")
    assert (await client.post(VERIFY, json={"token": third})).status_code == 200
    assert (await _me(client, user))["email_verification"] == "verified"


@pytest.mark.usefixtures("required")
async def test_send_again_is_limited_per_account_and_refused_once_confirmed(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user, other = await signup(), await signup()
    codes = [(await client.post(RESEND, headers=user.headers)).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    limited = await client.post(RESEND, headers=user.headers)
    assert limited.headers["Retry-After"].isdigit()
    # another account's budget is its own
    assert (await client.post(RESEND, headers=other.headers)).status_code == 202
    mails = [t for t, _, _ in await queued_mails(ctx, user.account_id)]
    assert mails.count("verify_email") == 4  # the sign-up's and three more
    _, token = await _last_link(ctx, other, "verify_email")
    assert (await client.post(VERIFY, json={"token": token})).status_code == 200
    done = await client.post(RESEND, headers=other.headers)
    assert done.status_code == 409 and done.json()["error"] == "already_verified"
    assert (await client.post(RESEND)).status_code == 401


async def test_when_the_operator_does_not_require_it_nothing_is_mailed_and_servers_connect(
    api: httpx.AsyncClient, signup: SignupFn, ctx: AppContext, sim: SimServer, settings: Settings
) -> None:
    client = api  # a self-hosted install's app: it may reach the simulator on loopback
    assert await cli.verification_switch(settings, "status") is False  # the test settings' default
    user = await signup()
    assert (await _me(client, user))["email_verification"] == "not_required"
    assert await queued_mails(ctx, user.account_id) == []
    await connect_all(client, user, sim)
    # Switched on later: the unconfirmed account can ask for its link, and no new server until then.
    assert await cli.verification_switch(settings, "on") is True
    assert (await _me(client, user))["email_verification"] == "pending"
    refused = await client.post("/api/v1/connections/plex/pins", headers=user.headers)
    assert refused.status_code == 403
    assert (await client.post(RESEND, headers=user.headers)).status_code == 202
    # The switch wins over the install's default from now on, both ways.
    assert await cli.verification_switch(settings, "off") is False
    assert (await _me(client, user))["email_verification"] == "not_required"


def test_the_operator_switches_verification_from_the_command_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JANITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("JANITOR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("JANITOR_EMAIL_VERIFICATION", "true")
    assert cli.main(["verification", "off"]) == 0  # wins over the install's default
    assert "OFF" in capsys.readouterr().out
    assert cli.main(["verification", "status"]) == 0
    assert "OFF" in capsys.readouterr().out
    assert cli.main(["verification", "on"]) == 0
    assert "ON" in capsys.readouterr().out
    assert cli.main(["verification", "status"]) == 0
    assert "ON" in capsys.readouterr().out
    assert cli.main(["verification", "off"]) == 0
    assert "OFF" in capsys.readouterr().out


async def _change(client: httpx.AsyncClient, user: SignedUp, new: str, password: str | None = None) -> httpx.Response:
    body = {"new_email": new, "password": password or user.password}
    return await client.post(CHANGE, json=body, headers=user.headers)


async def test_a_change_of_email_is_confirmed_from_the_new_address_and_announced_to_the_old_one(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    new = f"moved-{uuid.uuid4().hex[:8]}@example.net"
    r = await _change(client, user, f"  {new.upper()} ")
    assert r.status_code == 202, r.text
    assert new in r.json()["detail"]
    to, token = await _last_link(ctx, user, "confirm_email_change")
    assert to == new
    # Nothing moved yet
    assert (await _me(client, user))["email"] == user.email

    r = await client.post(VERIFY, json={"token": token})
    assert r.status_code == 200, r.text
    assert r.json() == {"email": new, "changed": True}
    me = await _me(client, user)  # the session goes on: the owner asked for it with the password
    assert me["email"] == new and me["email_verification"] == "verified"
    old_to, undo = await _last_link(ctx, user, "email_changed")
    assert old_to == user.email
    (_, _, notice) = [m for m in await queued_mails(ctx, user.account_id) if m[0] == "email_changed"][-1]
    assert notice["new"] == new and "/undo-email-change?token=" in notice["link"]
    login = "/api/v1/auth/login"
    assert (await client.post(login, json={"email": user.email, "password": user.password})).status_code == 401
    assert (await client.post(login, json={"email": new, "password": user.password})).status_code == 200
    assert (await client.post(VERIFY, json={"token": token})).status_code == 400  # single use
    assert undo


async def test_the_old_address_undoes_the_change_and_every_session_ends(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    first, second = (f"{n}-{uuid.uuid4().hex[:8]}@example.net" for n in ("first", "second"))
    assert (await _change(client, user, first)).status_code == 202
    _, token = await _last_link(ctx, user, "confirm_email_change")
    assert (await client.post(VERIFY, json={"token": token})).status_code == 200
    _, undo_first = await _last_link(ctx, user, "email_changed")
    # The intruder changes it again and changes the password: the first undo still works.
    assert (await _change(client, user, second)).status_code == 202
    _, token = await _last_link(ctx, user, "confirm_email_change")
    assert (await client.post(VERIFY, json={"token": token})).status_code == 200
    changed = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password, "new_password": "the intruder's passphrase"},
        headers=user.headers,
    )
    assert changed.status_code == 200, changed.text
    headers = {"Authorization": f"Bearer {changed.json()['access_token']}"}

    r = await client.post(UNDO, json={"token": undo_first})
    assert r.status_code == 200, r.text
    assert r.json() == {"email": user.email, "changed": True}
    assert (await client.get("/api/v1/account", headers=headers)).status_code == 401  # signed out
    async with ctx.sessionmaker() as s:
        account = await s.get(Account, user.account_id)
        assert account is not None and account.email == user.email and account.email_verified_at is not None
        live = (
            await s.scalars(
                select(AccountToken).where(
                    AccountToken.account_id == user.account_id,
                    AccountToken.used_at.is_(None),
                    AccountToken.revoked_at.is_(None),
                )
            )
        ).all()
    assert live == []  # every link still out ends, the second change's undo too
    assert (await client.post(UNDO, json={"token": undo_first})).status_code == 400


async def test_a_change_of_email_is_refused_with_a_reason_and_leaves_nothing_behind(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user, other = await signup(), await signup()
    wrong = await _change(client, user, "someone@example.net", password="not the password at all")
    assert wrong.status_code == 403 and wrong.json()["error"] == "wrong_password"
    same = await _change(client, user, user.email.upper())
    assert same.status_code == 400 and same.json()["error"] == "email_rejected"
    assert same.json()["fields"][0]["field"] == "new_email"
    taken = await _change(client, user, other.email)
    assert taken.status_code == 409 and taken.json()["error"] == "email_taken"
    bad = await _change(client, user, "not an address")
    assert bad.status_code == 422
    assert await queued_mails(ctx, user.account_id) == []
    async with ctx.sessionmaker() as s:
        assert (await s.scalars(select(AccountToken).where(AccountToken.account_id == user.account_id))).all() == []
    assert (await client.post(CHANGE, json={"new_email": "a@example.net", "password": "x"})).status_code == 401


async def test_a_password_change_ends_a_pending_change_of_email_and_mails_a_notice(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    assert (await _change(client, user, f"new-{uuid.uuid4().hex[:8]}@example.net")).status_code == 202
    _, token = await _last_link(ctx, user, "confirm_email_change")
    changed = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password, "new_password": "another long passphrase"},
        headers=user.headers,
    )
    assert changed.status_code == 200
    assert (await client.post(VERIFY, json={"token": token})).status_code == 400
    mails = await queued_mails(ctx, user.account_id)
    assert [(t, to) for t, to, _ in mails][-1] == ("password_changed", user.email)


async def test_the_address_taken_meanwhile_by_a_new_account_stops_the_change(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    new = f"race-{uuid.uuid4().hex[:8]}@example.net"
    assert (await _change(client, user, new)).status_code == 202
    _, token = await _last_link(ctx, user, "confirm_email_change")
    await signup(email=new)
    r = await client.post(VERIFY, json={"token": token})
    assert r.status_code == 409 and r.json()["error"] == "email_taken"
    assert (await _me(client, user))["email"] == user.email


@pytest.mark.usefixtures("required")
async def test_a_verification_link_for_an_address_the_account_left_does_nothing(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    _, verify = await _last_link(ctx, user, "verify_email")
    new = f"left-{uuid.uuid4().hex[:8]}@example.net"
    assert (await _change(client, user, new)).status_code == 202
    _, token = await _last_link(ctx, user, "confirm_email_change")
    assert (await client.post(VERIFY, json={"token": token})).status_code == 200
    assert (await _me(client, user))["email_verification"] == "verified"  # the new address is proven
    assert (await client.post(VERIFY, json={"token": verify})).status_code == 400


@pytest.mark.usefixtures("required")
async def test_a_password_reset_through_the_mailed_link_proves_the_address(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    assert (await client.post("/api/v1/auth/password/forgot", json={"email": user.email})).status_code == 202
    _, token = await _last_link(ctx, user, "password_reset")
    r = await client.post("/api/v1/auth/password/reset", json={"token": token, "new_password": "a reset passphrase"})
    assert r.status_code == 204, r.text
    login = await client.post("/api/v1/auth/login", json={"email": user.email, "password": "a reset passphrase"})
    assert login.json()["account"]["email_verification"] == "verified"


async def test_deleting_the_account_mails_a_notice_that_outlives_it(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings
) -> None:
    user = await signup()
    r = await client.post("/api/v1/account/delete", json={"password": user.password}, headers=user.headers)
    assert r.status_code == 204
    port = free_port()
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    mail_ctx = await build_context(settings.model_copy(update=smtp))
    try:
        async with mail_ctx.sessionmaker() as s:
            (row,) = (await s.scalars(select(OutgoingMail))).all()
        assert row.account_id is None and row.to_address == user.email and row.template == "account_deleted"
        # The job the outbox queued for it: not a tenant's (the account is gone), in the quick slots.
        assert await mail_ctx.redis.zscore(QUICK_QUEUE, outbox.SYSTEM_JOB) is not None
        assert send_system_mail.__name__ == outbox.SYSTEM_JOB
        arq_ctx: dict[str, Any] = {"app": mail_ctx, "job_try": 1}
        with MailCatcher(port=port) as catcher:
            assert await send_system_mail(arq_ctx) == "ok"
            (mail,) = catcher.mails
        async with mail_ctx.sessionmaker() as s:
            assert (await s.get(OutgoingMail, row.id, populate_existing=True)).status == MailStatus.SENT  # type: ignore[union-attr]
    finally:
        await close_context(mail_ctx)
    assert mail.recipients == [user.email]
    assert mail.subject == "Media Janitor: your account was deleted"
    assert "were not\r\ntouched" in mail.body("plain")
