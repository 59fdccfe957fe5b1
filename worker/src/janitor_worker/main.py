"""The worker process: ``python -m janitor_worker``. No business logic lives here.

One process runs five arq workers on one event loop and one app context (core/queue.py): the background
worker (the ``arq:queue`` queue, ``JANITOR_WORKER_MAX_JOBS`` at once), the interactive worker
(``arq:queue:interactive``, ``JANITOR_WORKER_INTERACTIVE_MAX_JOBS`` at once, slots no daily run can take:
a Refresh starts within a poll of being clicked however many daily runs wait), the first-sync worker
(``arq:queue:first_sync``, ``JANITOR_WORKER_FIRST_SYNC_MAX_JOBS``: the sync after connecting a server),
the quick worker (``arq:queue:quick``, ``JANITOR_WORKER_QUICK_MAX_JOBS``: mails and the dashboard
figures, which never wait behind a sync) and the cron worker (``arq:queue:system``: the schedules and
the recovery, which never wait behind any). SIGTERM/SIGINT stop them all from taking jobs and let
running ones finish for up to ``job_completion_wait`` seconds, together."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import uuid
from typing import Any, ClassVar, cast

import structlog
from arq import cron
from arq.connections import RedisSettings, create_pool
from arq.cron import CronJob
from arq.worker import Worker, create_worker
from redis.exceptions import RedisError

from janitor.core.config import get_settings
from janitor.core.context import build_context, close_context
from janitor.core.deps import AppContext
from janitor.core.logging import configure_logging
from janitor.core.migrations import head_revision, schema_is_current
from janitor.core.queue import FIRST_SYNC_QUEUE, INTERACTIVE_QUEUE, QUICK_QUEUE, SYSTEM_QUEUE, JobBuffer
from janitor.deletions.deleter_jobs import enqueue_due
from janitor.jobs.fanout import fan_out
from janitor.jobs.mail import send_system_mail
from janitor.jobs.names import JobName
from janitor.jobs.runner import ArqJob, tenant_job
from janitor.sync.models import SyncStatus
from janitor.sync.progress import publish_end
from janitor.sync.recovery import (
    ALIVE_TTL_SECONDS,
    REPORTS_CHANGED,
    RUNS_ENDED,
    fail_orphaned_runs,
    fail_stalled_runs,
    mark_alive,
    mark_gone,
)
from janitor.sync.schedule import schedule_daily, utcnow
from janitor_worker.registry import TENANT_HANDLERS, missing_handlers

log = structlog.get_logger("janitor.worker")


class WorkerRefusedToStart(RuntimeError):
    pass


async def _keep_alive(ctx: dict[str, Any]) -> None:
    while True:
        await mark_alive(ctx["app"].redis, ctx["worker_id"])
        await asyncio.sleep(ALIVE_TTL_SECONDS / 3)


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    missing = missing_handlers()
    if missing:
        raise WorkerRefusedToStart(f"jobs without a handler: {', '.join(m.value for m in missing)}")
    app = await build_context(settings)
    if not await schema_is_current(app.engine):
        await close_context(app)
        raise WorkerRefusedToStart(
            f"database schema is not at {head_revision()}: run the migrate step (task db:migrate) first"
        )
    ctx["app"] = app
    ctx["worker_id"] = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    await mark_alive(app.redis, ctx["worker_id"])
    ctx["keep_alive"] = asyncio.create_task(_keep_alive(ctx))
    failed = await _recover(app)
    log.info("worker_started", worker_id=ctx["worker_id"], orphaned_runs_failed=failed)


async def shutdown(ctx: dict[str, Any]) -> None:
    task = ctx.get("keep_alive")
    if task:
        task.cancel()
    app = ctx.get("app")
    if app is not None:
        await mark_gone(app.redis, ctx["worker_id"])
        await close_context(app)
    log.info("worker_stopped", worker_id=ctx.get("worker_id"))


async def heartbeat_fan_out(ctx: dict[str, Any]) -> int:
    app = ctx["app"]
    async with app.sessionmaker() as session:
        queued = await fan_out(
            session, app.redis, JobName.HEARTBEAT, spread_seconds=app.settings.heartbeat_cron_minutes * 60
        )
    log.info("fan_out", job=JobName.HEARTBEAT.value, queued=queued)
    return queued


SCHEDULE_WINDOW_SECONDS = 600
DELETION_CRON_MINUTES = 5


async def schedule_syncs(ctx: dict[str, Any]) -> int:
    """Every 10 minutes: start the daily runs owed (a slot missed while the worker was down, or by a late
    tick, is caught up here, at a bounded pace after a long outage: sync/schedule.py)."""
    app = ctx["app"]
    jobs = JobBuffer()
    async with app.sessionmaker() as session, session.begin():
        started = await schedule_daily(session, jobs, now=utcnow(), window_seconds=SCHEDULE_WINDOW_SECONDS)
    await jobs.flush(app.redis)
    log.info("scheduled_syncs", started=started)
    return started


async def schedule_deletions(ctx: dict[str, Any]) -> int:
    """Every 5 minutes: a deletion run for the accounts with something due (or to read back)."""
    app = ctx["app"]
    async with app.sessionmaker() as session:
        queued = await enqueue_due(session, app.redis, now=utcnow())
    log.info("scheduled_deletions", queued=queued)
    return queued


async def recover_orphans(ctx: dict[str, Any]) -> int:
    return await _recover(ctx["app"])


async def _recover(app: AppContext) -> int:
    """Fail what dead workers left running, and sync runs that stopped making progress or whose job was
    lost (the stall watchdog); then the accounts concerned see it on their dashboards and reports,
    and a page following one of those runs live learns that it ended."""
    async with app.sessionmaker() as session:
        async with session.begin():
            failed = await fail_orphaned_runs(session, app.redis)
            failed += await fail_stalled_runs(session, app.redis, stall_minutes=app.settings.sync_stall_minutes)
        for account_id in session.info.pop(REPORTS_CHANGED, set()):
            await app.page_cache.bump_quietly(account_id)
        for account_id, run_id in session.info.pop(RUNS_ENDED, []):
            try:
                await publish_end(app.redis, account_id, run_id, SyncStatus.FAILED.value)
            except RedisError as exc:  # the page polls the run when its stream fails
                log.warning("sync_end_not_published", error=type(exc).__name__)
    return failed


def job_functions() -> list[ArqJob]:
    return [tenant_job(name, handler) for name, handler in TENANT_HANDLERS.items()]


# The jobs the quick queue runs (core/queue.py): short, and someone waits for them. Its worker knows
# only these, so a sync sent there by mistake fails at once instead of taking a quick slot for minutes.
QUICK_JOBS = frozenset({JobName.SEND_MAIL, JobName.REPORT_SUMMARY})


def _settings_attrs() -> dict[str, Any]:
    s = get_settings()
    return {
        "redis_settings": RedisSettings.from_dsn(s.redis_url),
        "poll_delay": s.worker_poll_delay,
        "max_jobs": s.worker_max_jobs,
        "interactive_max_jobs": s.worker_interactive_max_jobs,
        "quick_max_jobs": s.worker_quick_max_jobs,
        "first_sync_max_jobs": s.worker_first_sync_max_jobs,
        "job_timeout": s.worker_job_timeout_seconds,
        "max_tries": s.worker_max_tries,
        "minutes": set(range(0, 60, s.heartbeat_cron_minutes)),
    }


_attrs = _settings_attrs()


class WorkerSettings:
    """The background queue's worker: every tenant job (daily syncs, deletion runs, fan-outs)."""

    functions: ClassVar[list[ArqJob]] = job_functions()
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = _attrs["redis_settings"]
    poll_delay = _attrs["poll_delay"]
    max_jobs = _attrs["max_jobs"]
    job_timeout = _attrs["job_timeout"]
    max_tries = _attrs["max_tries"]
    keep_result = 0  # job ids are dedupe keys: free them as soon as the job ends
    handle_signals = True
    job_completion_wait = 30  # on SIGTERM, let running jobs finish (up to 30 s) before cancelling


def _lane(name: str, doc: str, queue_name: str, functions: list[ArqJob], max_jobs: int) -> type:
    """The settings class of a tenant queue's worker besides the background one: its own queue and
    slots, no cron. Built with every attribute in the class's own ``__dict__``: arq reads only that, so
    a subclass of ``WorkerSettings`` would not carry its parent's."""
    attrs = {
        "__doc__": doc,
        "functions": functions,
        "queue_name": queue_name,
        "redis_settings": _attrs["redis_settings"],
        "poll_delay": _attrs["poll_delay"],
        "max_jobs": max_jobs,
        "job_timeout": _attrs["job_timeout"],
        "max_tries": _attrs["max_tries"],
        "keep_result": 0,
        "job_completion_wait": WorkerSettings.job_completion_wait,
    }
    return type(name, (), attrs)


def _of(*names: str) -> list[ArqJob]:
    return [job for job in WorkerSettings.functions if job.__name__ in names]


InteractiveWorkerSettings = _lane(
    "InteractiveWorkerSettings",
    "The interactive queue's worker (Refresh): the same jobs, its own slots.",
    INTERACTIVE_QUEUE,
    WorkerSettings.functions,
    _attrs["interactive_max_jobs"],
)
FirstSyncWorkerSettings = _lane(
    "FirstSyncWorkerSettings",
    "The first-sync queue's worker: the sync after connecting a server, in slots of its own.",
    FIRST_SYNC_QUEUE,
    _of(JobName.SYNC),
    _attrs["first_sync_max_jobs"],
)
QuickWorkerSettings = _lane(
    "QuickWorkerSettings",
    "The quick queue's worker: mails and the dashboard figures, in slots no sync can take.",
    QUICK_QUEUE,
    [*_of(*QUICK_JOBS), send_system_mail],
    _attrs["quick_max_jobs"],
)


class SystemWorkerSettings:
    """The cron jobs, on a queue of their own: the stall watchdog, the recovery of what a dead worker
    left running and the schedules never wait behind a backlog of daily runs (in the background queue
    they waited until it drained: runs a killed worker left "running" stayed so for ten minutes)."""

    functions: ClassVar[list[ArqJob]] = []
    cron_jobs: ClassVar[list[CronJob]] = [
        cron(heartbeat_fan_out, minute=_attrs["minutes"], second=0, unique=True),
        cron(recover_orphans, second=30, unique=True),
        cron(schedule_syncs, minute=set(range(0, 60, 10)), second=5, unique=True),
        cron(schedule_deletions, minute=set(range(0, 60, DELETION_CRON_MINUTES)), second=15, unique=True),
    ]
    queue_name = SYSTEM_QUEUE
    redis_settings = _attrs["redis_settings"]
    poll_delay = _attrs["poll_delay"]
    max_jobs = len(cron_jobs)
    job_timeout = _attrs["job_timeout"]
    max_tries = _attrs["max_tries"]
    keep_result = 0
    job_completion_wait = WorkerSettings.job_completion_wait


WORKERS = (
    WorkerSettings,
    InteractiveWorkerSettings,
    FirstSyncWorkerSettings,
    QuickWorkerSettings,
    SystemWorkerSettings,
)


def build_workers(ctx: dict[str, Any], pool: Any) -> list[Worker]:
    """The workers of a process (background, interactive, first sync, quick, cron), sharing ``ctx`` (the
    app context) and one Redis pool; the caller runs ``startup``/``shutdown`` once for all and handles
    the signals."""
    common: dict[str, Any] = {
        "ctx": ctx,
        "redis_pool": pool,
        "handle_signals": False,
        "on_startup": None,
        "on_shutdown": None,
    }
    # arq types its settings as a protocol these plain classes do not declare
    return [create_worker(cast(Any, settings), **common) for settings in WORKERS]


async def serve() -> None:
    loop = asyncio.get_running_loop()
    workers: list[Worker] = []
    stopping: list[signal.Signals] = []

    def stop(sig: signal.Signals) -> None:
        log.info("worker_stopping", signal=sig.name)
        stopping.append(sig)
        for worker in workers:
            worker.handle_sig_wait_for_completion(sig)

    # Before anything else: a signal during start-up stops the process cleanly too.
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop, sig)
    ctx: dict[str, Any] = {}
    await startup(ctx)
    pool = await create_pool(WorkerSettings.redis_settings)
    ctx["redis"] = pool
    if stopping:  # asked to stop while starting: nothing was taken, nothing to wait for
        await shutdown(ctx)
        await pool.close(close_connection_pool=True)
        return
    workers.extend(build_workers(ctx, pool))
    mains = [asyncio.ensure_future(worker.async_run()) for worker in workers]
    crashed: BaseException | None = None
    try:
        done, _ = await asyncio.wait(mains, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                crashed = task.exception()
        if crashed is not None:  # one worker failed (Redis gone, …): the process ends, stopping the other
            log.error("worker_crashed", error=type(crashed).__name__)
            for worker in workers:
                worker.handle_sig(signal.SIGTERM)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*mains, return_exceptions=True)
    finally:
        for worker in workers:
            await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
            with contextlib.suppress(RedisError):
                await pool.delete(worker.health_check_key)
        await shutdown(ctx)
        await pool.close(close_connection_pool=True)
    if crashed is not None:
        raise crashed


def run() -> None:
    asyncio.run(serve())
