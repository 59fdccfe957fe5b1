"""Queueing a mail (``queue_mail``: a row in the caller's transaction and, once it commits, the
account's ``send_mail`` job) and sending what an account has pending (``send_pending``, the job).

One job per account at a time (its id is the account's), however many mails are queued; it sends the
account's pending mails oldest first and looks again until none is left, so a mail queued while it ran
is not forgotten. A refusal the SMTP server calls temporary (or no answer) leaves the mail pending and
retries the job later with the worker's backoff; anything else fails that mail with the reason, and
the others still go. A mail still pending after ``MAX_AGE`` is dropped (its links have expired)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.config import Settings
from janitor.core.crypto import CredentialError, TokenCipher
from janitor.core.db import new_id
from janitor.core.errors import TransientError
from janitor.core.queue import QUICK_QUEUE, JobBuffer
from janitor.mail import smtp
from janitor.mail.compose import render
from janitor.mail.errors import MailError
from janitor.mail.models import MailStatus, OutgoingMail

log = structlog.get_logger(__name__)

# The worker's job (``jobs.names.JobName.SEND_MAIL`` is the same name).
JOB = "send_mail"
# Mails of no account (the notice that an account was deleted: its rows are gone with it) are sent
# by a job of their own, not a tenant's (janitor_worker.main), and their values are bound to this id.
SYSTEM_JOB = "send_system_mail"
NO_ACCOUNT = uuid.UUID(int=0)
MAX_AGE = timedelta(hours=24)
BATCH = 50


def queue_mail(
    session: AsyncSession,
    jobs: JobBuffer,
    cipher: TokenCipher,
    *,
    account_id: uuid.UUID | None,
    to: str,
    template: str,
    values: dict[str, str],
) -> OutgoingMail:
    """Queue the mail ``template`` to ``to`` (rendered now, so a missing value fails here and not in
    the worker); it is sent once the caller's transaction commits and ``jobs`` is flushed. A mail of
    no account (``account_id`` None) outlives the account it is about."""
    render(template, to, **values)
    row_id = new_id()
    # The row's id binds the ciphertext to it, as a connection's id binds its token.
    ciphertext = cipher.encrypt(
        orjson.dumps(values).decode(), account_id=account_id or NO_ACCOUNT, connection_id=row_id
    )
    row = OutgoingMail(id=row_id, account_id=account_id, to_address=to, template=template, values_ciphertext=ciphertext)
    session.add(row)
    if account_id is None:
        jobs.enqueue(SYSTEM_JOB, dedupe_id=SYSTEM_JOB, queue=QUICK_QUEUE)
    else:
        jobs.enqueue(JOB, str(account_id), dedupe_id=f"{JOB}:{account_id}", queue=QUICK_QUEUE)
    return row


async def send_pending(session: AsyncSession, settings: Settings, account_id: uuid.UUID | None) -> int:
    """Send the account's pending mails (None: the mails of no account), committing after each (see the
    module's docstring). Returns how many were sent; raises ``TransientError`` when the server asked
    to try again later."""
    cipher = TokenCipher.from_settings(settings)
    whose = OutgoingMail.account_id.is_(None) if account_id is None else OutgoingMail.account_id == account_id
    sent = 0
    while True:
        rows = (
            await session.scalars(
                select(OutgoingMail)
                .where(whose, OutgoingMail.status == MailStatus.PENDING)
                .order_by(OutgoingMail.created_at, OutgoingMail.id)
                .limit(BATCH)
            )
        ).all()
        if not rows:
            return sent
        for row in rows:
            if await _send_one(session, settings, cipher, row):
                sent += 1
            await session.commit()


async def _send_one(session: AsyncSession, settings: Settings, cipher: TokenCipher, row: OutgoingMail) -> bool:
    bound = log.bind(mail_id=str(row.id), account_id=str(row.account_id), template=row.template)
    if row.created_at < datetime.now(UTC) - MAX_AGE:
        row.status, row.last_error = MailStatus.FAILED, f"not sent within {MAX_AGE.total_seconds() / 3600:g} hours"
        bound.warning("mail_dropped", error=row.last_error)
        return False
    row.attempts += 1
    try:
        values = orjson.loads(
            cipher.decrypt(row.values_ciphertext, account_id=row.account_id or NO_ACCOUNT, connection_id=row.id)
        )
        await smtp.send(settings, render(row.template, row.to_address, **values))
    except CredentialError as exc:
        row.status, row.last_error = MailStatus.FAILED, str(exc)
    except MailError as exc:
        row.last_error = str(exc)
        if exc.transient:
            await session.commit()
            bound.warning("mail_retry", error=row.last_error)
            raise TransientError(row.last_error) from None
        row.status = MailStatus.FAILED
    else:
        row.status, row.sent_at, row.last_error = MailStatus.SENT, datetime.now(UTC), None
        return True
    bound.warning("mail_failed", error=row.last_error)
    return False
