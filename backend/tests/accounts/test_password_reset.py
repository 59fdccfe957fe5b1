"""Password reset (issue 18): "forgot password" mails a single-use link that expires, bound to the
account and its current password; the answer never tells whether an address has an account; using
the link sets the new password, signs out every session and mails a notice. Against a real Postgres,
Redis and SMTP server (the catcher)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from janitor import cli
from janitor.accounts.models import Account, AccountToken
from janitor.core import clock
from janitor.core.config import Settings
from janitor.core.context import build_context, close_context
from janitor.core.deps import AppContext
from janitor.core.security import hash_password
from janitor.devtools.mailcatcher import MailCatcher, free_port
from janitor.devtools.pytest_plugin import SignupFn, queued_mails
from janitor.jobs.names import JobName
from janitor.jobs.runner import tenant_job
from janitor.mail.models import OutgoingMail
from janitor_worker.registry import TENANT_HANDLERS

NEW_PASSWORD = "a brand new reset passphrase"
FORGOT = "/api/v1/auth/password/forgot"
RESET = "/api/v1/auth/password/reset"


async def _mails(ctx: AppContext, account_id: uuid.UUID) -> list[tuple[str, dict[str, str]]]:
    """The account's queued mails, oldest first: (template, values decrypted)."""
    return [(template, values) for template, _, values in await queued_mails(ctx, account_id)]


async def _tokens(ctx: AppContext, account_id: uuid.UUID | None = None) -> list[AccountToken]:
    async with ctx.sessionmaker() as session:
        query = select(AccountToken).order_by(AccountToken.created_at)
        if account_id is not None:
            query = query.where(AccountToken.account_id == account_id)
        return list((await session.scalars(query)).all())


def _token_of(link: str) -> str:
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token


async def _forgot(client: httpx.AsyncClient, ctx: AppContext, email: str, account_id: uuid.UUID) -> str:
    r = await client.post(FORGOT, json={"email": email})
    assert r.status_code == 202, r.text
    template, values = (await _mails(ctx, account_id))[-1]
    assert template == "password_reset"
    return _token_of(values["link"])


async def test_the_mailed_link_sets_a_new_password_signs_out_everywhere_and_says_so(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings, ctx: AppContext
) -> None:
    user = await signup()
    other = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    other_cookie = other.cookies["mj_refresh"]
    client.cookies.clear()
    r = await client.post(FORGOT, json={"email": f"  {user.email.upper()} "})
    assert r.status_code == 202
    assert r.json() == {
        "detail": "If this address has an account, a link to reset its password is on its way. Check your inbox."
    }

    # The worker sends it: read it as its reader does, through the SMTP catcher.
    port = free_port()
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    mail_ctx = await build_context(settings.model_copy(update=smtp))
    try:
        job = tenant_job(JobName.SEND_MAIL, TENANT_HANDLERS[JobName.SEND_MAIL])
        arq_ctx: dict[str, Any] = {"app": mail_ctx, "worker_id": "t", "job_try": 1, "job_id": uuid.uuid4().hex}
        with MailCatcher(port=port) as catcher:
            assert await job(arq_ctx, str(user.account_id)) == "ok"
            (mail,) = catcher.mails
    finally:
        await close_context(mail_ctx)
    assert mail.recipients == [user.email] and mail.subject == "Media Janitor: reset your password"
    plain = mail.body("plain")
    link = next(word for word in plain.split() if "/reset-password?token=" in word)
    assert link.startswith(f"{settings.public_url}/reset-password?token=")
    assert f'href="{link}"' in mail.body("html")
    assert f"within {settings.password_reset_minutes} minutes" in plain

    r = await client.post(RESET, json={"token": _token_of(link), "new_password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    assert r.content == b""
    # Every session is over: the access token, the sign-up's and the other sign-in's refresh tokens.
    assert (await client.get("/api/v1/account", headers=user.headers)).status_code == 401
    for cookie in (user.refresh_cookie, other_cookie):
        client.cookies.clear()
        refreshed = await client.post("/api/v1/auth/refresh", headers={"Cookie": f"mj_refresh={cookie}"})
        assert refreshed.status_code == 401
    old = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert old.status_code == 401
    new = await client.post("/api/v1/auth/login", json={"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 200
    assert [t for t, _ in await _mails(ctx, user.account_id)] == ["password_reset", "password_changed"]
    (row,) = await _tokens(ctx, user.account_id)
    assert row.used_at is not None and row.purpose == "password_reset"


async def test_a_link_works_once(client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext) -> None:
    user = await signup()
    token = await _forgot(client, ctx, user.email, user.account_id)
    assert (await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})).status_code == 204
    again = await client.post(RESET, json={"token": token, "new_password": "yet another passphrase here"})
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_reset_token"
    login = await client.post("/api/v1/auth/login", json={"email": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 200


async def test_a_link_expires(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await signup()
    token = await _forgot(client, ctx, user.email, user.account_id)
    issued = clock.utcnow()
    (row,) = await _tokens(ctx, user.account_id)
    assert timedelta(minutes=29) < row.expires_at - issued <= timedelta(minutes=settings.password_reset_minutes)
    later = issued + timedelta(minutes=settings.password_reset_minutes, seconds=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    r = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
    assert r.status_code == 400 and r.json()["error"] == "invalid_reset_token"
    login = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200


async def test_every_refusal_of_a_link_is_the_same_answer(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await signup()
    first = await _forgot(client, ctx, user.email, user.account_id)
    second = await _forgot(client, ctx, user.email, user.account_id)
    answers = [
        await client.post(RESET, json={"token": "not-a-token-anyone-was-sent", "new_password": NEW_PASSWORD}),
        await client.post(RESET, json={"token": first, "new_password": NEW_PASSWORD}),  # revoked by the second
    ]
    assert (await client.post(RESET, json={"token": second, "new_password": NEW_PASSWORD})).status_code == 204
    answers.append(await client.post(RESET, json={"token": second, "new_password": "yet another passphrase"}))
    third = await _forgot(client, ctx, user.email, user.account_id)
    monkeypatch.setattr(clock, "utcnow", lambda: datetime.now(UTC) + timedelta(hours=1))
    answers.append(await client.post(RESET, json={"token": third, "new_password": "yet another passphrase"}))
    assert len({(r.status_code, r.content) for r in answers}) == 1
    assert answers[0].status_code == 400
    assert answers[0].json()["error"] == "invalid_reset_token"
    assert answers[0].json()["detail"] == "This password reset link is invalid or has expired. Ask for a new one."


async def test_a_newer_link_revokes_the_older(client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext) -> None:
    user = await signup()
    older = await _forgot(client, ctx, user.email, user.account_id)
    newer = await _forgot(client, ctx, user.email, user.account_id)
    first, second = await _tokens(ctx, user.account_id)
    assert first.revoked_at is not None and second.revoked_at is None
    r = await client.post(RESET, json={"token": older, "new_password": NEW_PASSWORD})
    assert r.status_code == 400 and r.json()["error"] == "invalid_reset_token"
    assert (await client.post(RESET, json={"token": newer, "new_password": NEW_PASSWORD})).status_code == 204


async def test_a_password_change_revokes_the_link(client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext) -> None:
    user = await signup()
    token = await _forgot(client, ctx, user.email, user.account_id)
    changed = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password, "new_password": "changed the usual way here"},
        headers=user.headers,
    )
    assert changed.status_code == 200
    (row,) = await _tokens(ctx, user.account_id)
    assert row.revoked_at is not None
    r = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
    assert r.status_code == 400 and r.json()["error"] == "invalid_reset_token"


async def test_a_link_is_bound_to_the_password_it_was_issued_under(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    """Even a change that does not revoke the row (any path that sets the hash) ends the link."""
    user = await signup()
    token = await _forgot(client, ctx, user.email, user.account_id)
    async with ctx.sessionmaker() as session, session.begin():
        account = await session.get(Account, user.account_id)
        assert account is not None
        account.password_hash = await hash_password(user.password, rounds=4)  # the same password, a new hash
    r = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
    assert r.status_code == 400 and r.json()["error"] == "invalid_reset_token"


async def test_the_token_is_stored_only_hashed(client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext) -> None:
    user = await signup()
    token = await _forgot(client, ctx, user.email, user.account_id)
    (row,) = await _tokens(ctx, user.account_id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 32 random bytes
    stored = [str(getattr(row, c.key)) for c in AccountToken.__table__.columns]
    assert not any(token in value for value in stored)
    async with ctx.sessionmaker() as session:
        (mail,) = (await session.scalars(select(OutgoingMail))).all()
    assert token not in mail.values_ciphertext


async def test_an_unknown_or_disabled_address_gets_the_same_answer_and_no_mail(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext, settings: Settings
) -> None:
    known, disabled = await signup(), await signup()
    await cli.accounts_switch(settings, disabled.email, disabled=True)
    answers = [
        await client.post(FORGOT, json={"email": email})
        for email in ("nobody-here@example.com", "no-such@domain.invalid", disabled.email, known.email)
    ]
    assert len({(r.status_code, r.content, r.headers.get("content-type")) for r in answers}) == 1
    assert answers[0].status_code == 202
    assert [t.account_id for t in await _tokens(ctx)] == [known.account_id]
    async with ctx.sessionmaker() as session:
        mails = (await session.scalars(select(OutgoingMail))).all()
    assert [m.account_id for m in mails] == [known.account_id]
    assert (await client.post(FORGOT, json={"email": "not an address"})).status_code == 422


async def test_a_bad_new_password_is_refused_and_the_link_still_works(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    user = await signup()
    token = await _forgot(client, ctx, user.email, user.account_id)
    short = await client.post(RESET, json={"token": token, "new_password": "short"})
    assert short.status_code == 422
    common = await client.post(RESET, json={"token": token, "new_password": "password1234"})
    assert common.status_code == 400 and common.json()["error"] == "password_rejected"
    same = await client.post(RESET, json={"token": token, "new_password": user.password})
    assert same.status_code == 400 and same.json()["error"] == "password_rejected"
    [field] = same.json()["fields"]
    assert field["field"] == "new_password" and "must differ from your current password" in field["message"]
    assert (await client.get("/api/v1/account", headers=user.headers)).status_code == 200
    assert (await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})).status_code == 204


async def test_requests_are_rate_limited_per_client_and_mails_per_address(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext, settings: Settings
) -> None:
    user = await signup()
    for _ in range(4):  # past the per-address cap: the same answer, no more mails
        assert (await client.post(FORGOT, json={"email": user.email})).status_code == 202
    assert [t for t, _ in await _mails(ctx, user.account_id)] == ["password_reset"] * 3
    for i in range(settings.login_attempts_per_ip - 4):
        r = await client.post(FORGOT, json={"email": f"someone-{i}@example.com"})
        assert r.status_code == 202
    limited = await client.post(FORGOT, json={"email": "one-more@example.com"})
    assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
    assert "Retry-After" in limited.headers
    for _ in range(settings.login_attempts_per_ip):
        await client.post(RESET, json={"token": "guess", "new_password": NEW_PASSWORD})
    guess = await client.post(RESET, json={"token": "guess", "new_password": NEW_PASSWORD})
    assert guess.status_code == 429


async def test_the_token_is_never_logged_nor_answered(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    user = await signup()
    capsys.readouterr()
    forgot = await client.post(FORGOT, json={"email": user.email})
    _, values = (await _mails(ctx, user.account_id))[-1]
    token = _token_of(values["link"])
    reset = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
    assert reset.status_code == 204
    again = await client.post(RESET, json={"token": token, "new_password": NEW_PASSWORD})
    assert again.status_code == 400
    out = capsys.readouterr()
    lines = [json.loads(line) for line in out.out.splitlines() if line.startswith("{")]
    assert any(line["event"] == "password_reset_requested" for line in lines)
    assert any(line["event"] == "security_event" and line.get("via") == "reset" for line in lines)
    for response in (forgot, reset, again):
        assert token not in response.text and token not in str(response.headers)
    assert token not in out.out + out.err
    assert NEW_PASSWORD not in out.out + out.err
