"""The shared job wrapper: a session per job, a bound logger, commit or rollback, retries.

Every tenant job is ``handler(job)`` with a ``TenantJob``: the session, the account, a buffer of
follow-up jobs and the process context, calling the same service code the API calls.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from arq import Retry
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.core.deps import AppContext
from janitor.core.errors import TransientError
from janitor.core.queue import JobBuffer
from janitor.core.retry import backoff
from janitor.jobs.models import JobRun, RunStatus
from janitor.jobs.names import JobName


@dataclass
class TenantJob:
    session: AsyncSession
    account: Account
    jobs: JobBuffer
    app: AppContext
    job_id: str
    worker_id: str
    attempt: int
    log: Any
    # When the job started (time.monotonic()): how long it has run against arq's time limit.
    started: float = field(default_factory=time.monotonic)


TenantHandler = Callable[[TenantJob], Awaitable[None]]
ArqJob = Callable[..., Awaitable[str]]

log = structlog.get_logger(__name__)


def backoff_seconds(attempt: int, *, retry_after: float | None = None) -> float:
    """When arq runs a job again after its ``attempt``-th transient failure: the product's one retry
    policy (``core/retry.py``) with a 2 s base and a 5 min cap; an upstream ``Retry-After`` is a floor."""
    return backoff(attempt, base=2.0, cap=300.0, retry_after=retry_after)


async def _finish(ctx: AppContext, run_id: uuid.UUID, status: RunStatus, error: str | None) -> None:
    # Written in its own transaction: a rolled-back job still records how it ended.
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(
            update(JobRun).where(JobRun.id == run_id).values(status=status, error=error, finished_at=datetime.now(UTC))
        )


def tenant_job(name: JobName, handler: TenantHandler) -> ArqJob:
    """Wrap a tenant handler as an arq job function taking the account id only."""

    async def job(arq_ctx: dict[str, Any], account_id: str) -> str:
        started = time.monotonic()
        ctx: AppContext = arq_ctx["app"]
        worker_id: str = arq_ctx["worker_id"]
        attempt = int(arq_ctx.get("job_try", 1))
        job_id = str(arq_ctx.get("job_id", ""))
        bound = log.bind(job=name.value, job_id=job_id, account_id=account_id, attempt=attempt)
        async with ctx.sessionmaker() as session:
            account = await session.get(Account, uuid.UUID(account_id))
            if account is None:
                bound.info("job_skipped_account_gone")
                return "account_gone"
            if account.disabled_at is not None:
                bound.info("job_skipped_account_disabled")
                return "account_disabled"
            run = JobRun(
                account_id=account.id,
                job_name=name.value,
                job_id=job_id,
                attempt=attempt,
                worker_id=worker_id,
                status=RunStatus.RUNNING,
            )
            session.add(run)
            await session.commit()
            run_id = run.id
            jobs = JobBuffer()
            bound.info("job_started")
            try:
                await handler(TenantJob(session, account, jobs, ctx, job_id, worker_id, attempt, bound, started))
                await session.commit()
            except TransientError as exc:
                await session.rollback()
                max_tries = ctx.settings.worker_max_tries
                if attempt < max_tries:
                    delay = backoff_seconds(attempt, retry_after=exc.retry_after)
                    await _finish(ctx, run_id, RunStatus.FAILED, f"{exc} (retrying in {delay:.0f}s)")
                    bound.warning("job_retry", error=str(exc), delay=round(delay, 1))
                    raise Retry(defer=delay) from exc
                await _finish(ctx, run_id, RunStatus.FAILED, f"{exc} (gave up after {attempt} tries)")
                bound.error("job_failed", error=str(exc))
                raise
            except BaseException as exc:
                await session.rollback()
                await _finish(ctx, run_id, RunStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
                bound.exception("job_failed")
                raise
        await _finish(ctx, run_id, RunStatus.SUCCEEDED, None)
        await jobs.flush(ctx.redis)
        bound.info("job_succeeded")
        return "ok"

    job.__name__ = name.value
    job.__qualname__ = name.value
    return job
