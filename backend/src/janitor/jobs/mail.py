"""The ``send_mail`` job: the account's pending mails go out (``mail.outbox.send_pending``); and
``send_system_mail``: the mails of no account (the notice that an account was deleted)."""

from __future__ import annotations

from typing import Any

import structlog
from arq import Retry

from janitor.core.deps import AppContext
from janitor.core.errors import TransientError
from janitor.jobs.runner import TenantJob, backoff_seconds
from janitor.mail.outbox import SYSTEM_JOB, send_pending

log = structlog.get_logger(__name__)


async def send_mail_job(job: TenantJob) -> None:
    sent = await send_pending(job.session, job.app.settings, job.account.id)
    job.log.info("mails_sent", sent=sent)


async def send_system_mail(arq_ctx: dict[str, Any]) -> str:
    """Not a tenant's job (no account to load or skip): retried with the tenant jobs' back-off."""
    ctx: AppContext = arq_ctx["app"]
    attempt = int(arq_ctx.get("job_try", 1))
    async with ctx.sessionmaker() as session:
        try:
            sent = await send_pending(session, ctx.settings, None)
        except TransientError as exc:
            if attempt >= ctx.settings.worker_max_tries:
                log.error("system_mail_failed", error=str(exc), attempt=attempt)
                raise
            raise Retry(defer=backoff_seconds(attempt, retry_after=exc.retry_after)) from exc
    log.info("mails_sent", sent=sent, job=SYSTEM_JOB)
    return "ok"
