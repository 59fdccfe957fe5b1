"""The ``send_mail`` job: the account's pending mails go out (``mail.outbox.send_pending``)."""

from __future__ import annotations

from janitor.jobs.runner import TenantJob
from janitor.mail.outbox import send_pending


async def send_mail_job(job: TenantJob) -> None:
    sent = await send_pending(job.session, job.app.settings, job.account.id)
    job.log.info("mails_sent", sent=sent)
