"""The outbox and the ``send_mail`` job, against a real Postgres, Redis and SMTP server (the catcher):
mails are queued in the caller's transaction, sent by the worker's job oldest first, retried when the
server says later, failed with the reason when it says never, dropped when too old."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import Retry
from sqlalchemy import select, update

from janitor.core.config import Settings
from janitor.core.context import build_context, close_context
from janitor.core.crypto import TokenCipher
from janitor.core.deps import AppContext
from janitor.core.queue import QUICK_QUEUE, JobBuffer
from janitor.devtools.mailcatcher import MailCatcher, free_port
from janitor.devtools.pytest_plugin import SignupFn
from janitor.jobs.names import JobName, dedupe_id
from janitor.jobs.runner import tenant_job
from janitor.mail import outbox
from janitor.mail.models import MailStatus, OutgoingMail
from janitor_worker.registry import TENANT_HANDLERS

Queue = Callable[..., Awaitable[OutgoingMail]]


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
async def mail_ctx(settings: Settings, clean_state: None, port: int) -> AsyncIterator[AppContext]:
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "worker_max_tries": 3}
    context = await build_context(settings.model_copy(update=smtp))
    try:
        yield context
    finally:
        await close_context(context)


@pytest.fixture
def queue(mail_ctx: AppContext) -> Queue:
    async def _queue(account_id: uuid.UUID, to: str, site: str = "here") -> OutgoingMail:
        jobs = JobBuffer()
        async with mail_ctx.sessionmaker() as session, session.begin():
            row = outbox.queue_mail(
                session,
                jobs,
                TokenCipher.from_settings(mail_ctx.settings),
                account_id=account_id,
                to=to,
                template="test",
                values={"site": site},
            )
        await jobs.flush(mail_ctx.redis)
        return row

    return _queue


async def _run(ctx: AppContext, account_id: uuid.UUID, attempt: int = 1) -> str:
    job = tenant_job(JobName.SEND_MAIL, TENANT_HANDLERS[JobName.SEND_MAIL])
    arq_ctx: dict[str, Any] = {"app": ctx, "worker_id": "test", "job_try": attempt, "job_id": uuid.uuid4().hex}
    return await job(arq_ctx, str(account_id))


async def _rows(ctx: AppContext, account_id: uuid.UUID) -> list[OutgoingMail]:
    async with ctx.sessionmaker() as session:
        found = await session.scalars(
            select(OutgoingMail).where(OutgoingMail.account_id == account_id).order_by(OutgoingMail.created_at)
        )
        return list(found.all())


async def test_queued_mails_wait_for_the_job_then_go_oldest_first_with_their_values_encrypted_at_rest(
    signup: SignupFn, mail_ctx: AppContext, queue: Queue, port: int
) -> None:
    user = await signup()
    await queue(user.account_id, "one@example.org", site="https://janitor.example/reset?token=abc123")
    await queue(user.account_id, "two@example.org")
    job_id = dedupe_id(JobName.SEND_MAIL, user.account_id)
    assert JobName.SEND_MAIL.value == outbox.JOB
    assert await mail_ctx.redis.zscore(QUICK_QUEUE, job_id) is not None
    rows = await _rows(mail_ctx, user.account_id)
    assert [r.status for r in rows] == [MailStatus.PENDING, MailStatus.PENDING]
    assert "abc123" not in rows[0].values_ciphertext
    with MailCatcher(port=port) as catcher:
        assert await _run(mail_ctx, user.account_id) == "ok"
        assert [m.recipients for m in catcher.mails] == [["one@example.org"], ["two@example.org"]]
        assert "reset?token=abc123" in catcher.mails[0].body("plain")
    rows = await _rows(mail_ctx, user.account_id)
    assert [(r.status, r.attempts, r.last_error) for r in rows] == [(MailStatus.SENT, 1, None)] * 2
    assert all(r.sent_at is not None for r in rows)


async def test_no_answer_keeps_the_mail_and_retries_the_job_then_it_goes(
    signup: SignupFn, mail_ctx: AppContext, queue: Queue, port: int
) -> None:
    user = await signup()
    await queue(user.account_id, "ana@example.org")
    with pytest.raises(Retry):
        await _run(mail_ctx, user.account_id)
    (row,) = await _rows(mail_ctx, user.account_id)
    assert (row.status, row.attempts) == (MailStatus.PENDING, 1)
    assert row.last_error is not None and "could not be reached" in row.last_error
    with MailCatcher(port=port) as catcher:
        await _run(mail_ctx, user.account_id, attempt=2)
        assert len(catcher.mails) == 1
    (row,) = await _rows(mail_ctx, user.account_id)
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)


async def test_a_refused_address_fails_that_mail_with_the_reason_and_the_others_still_go(
    signup: SignupFn, mail_ctx: AppContext, queue: Queue, port: int
) -> None:
    user = await signup()
    await queue(user.account_id, "gone@example.org")
    await queue(user.account_id, "ana@example.org")
    with MailCatcher(port=port, refuse=frozenset({"gone@example.org"})) as catcher:
        assert await _run(mail_ctx, user.account_id) == "ok"
        assert [m.recipients for m in catcher.mails] == [["ana@example.org"]]
    refused, sent = await _rows(mail_ctx, user.account_id)
    assert refused.status == MailStatus.FAILED and "refused the address 'gone@example.org'" in (
        refused.last_error or ""
    )
    assert sent.status == MailStatus.SENT


async def test_a_mail_pending_for_a_day_is_dropped_not_sent_late(
    signup: SignupFn, mail_ctx: AppContext, queue: Queue, port: int
) -> None:
    user = await signup()
    old = await queue(user.account_id, "ana@example.org")
    async with mail_ctx.sessionmaker() as session, session.begin():
        await session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == old.id)
            .values(created_at=datetime.now(UTC) - outbox.MAX_AGE - timedelta(minutes=1))
        )
    with MailCatcher(port=port) as catcher:
        await _run(mail_ctx, user.account_id)
        assert catcher.mails == []
    (row,) = await _rows(mail_ctx, user.account_id)
    assert row.status == MailStatus.FAILED and row.last_error == "not sent within 24 hours"


async def test_a_mail_queued_while_the_job_sends_goes_in_the_same_run(
    signup: SignupFn, mail_ctx: AppContext, queue: Queue, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await signup()
    await queue(user.account_id, "first@example.org")
    send = outbox.smtp.send
    calls = 0

    async def send_and_queue_another(settings: Settings, mail: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # a second mail commits while the job holds the first
            await queue(user.account_id, "second@example.org")
        await send(settings, mail)

    monkeypatch.setattr(outbox.smtp, "send", send_and_queue_another)
    with MailCatcher(port=port) as catcher:
        await _run(mail_ctx, user.account_id)
        assert [m.recipients for m in catcher.mails] == [["first@example.org"], ["second@example.org"]]
