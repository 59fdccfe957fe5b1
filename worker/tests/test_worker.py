from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from arq import Worker
from arq.connections import RedisSettings
from sqlalchemy import select

from janitor.core.config import Settings, get_settings
from janitor.core.deps import AppContext, unit_of_work
from janitor.core.errors import TransientError
from janitor.core.queue import JobBuffer
from janitor.devtools.pytest_plugin import SignupFn, create_database
from janitor.jobs.fanout import fan_out
from janitor.jobs.models import JobRun, RunStatus, TenantHeartbeat
from janitor.jobs.names import JobName, dedupe_id
from janitor.jobs.runner import TenantJob, tenant_job
from janitor.sync.models import SyncRun
from janitor.sync.recovery import fail_orphaned_runs, mark_alive
from janitor_worker import main as worker_main
from janitor_worker.registry import missing_handlers


@pytest.fixture
def worker_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("JANITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("JANITOR_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("JANITOR_LOG_JSON", "true")
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def _worker(settings: Settings, functions: list[Any] | None = None, **kw: Any) -> Worker:
    return Worker(
        functions=functions or worker_main.job_functions(),
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        on_startup=worker_main.startup,
        on_shutdown=worker_main.shutdown,
        burst=True,
        poll_delay=0.01,
        keep_result=0,
        handle_signals=False,
        **kw,
    )


async def _drain(worker: Worker) -> None:
    try:
        await worker.main()
    finally:
        await worker.close()


async def _runs(ctx: AppContext) -> list[JobRun]:
    async with ctx.sessionmaker() as s:
        return list((await s.scalars(select(JobRun).order_by(JobRun.started_at))).all())


async def test_every_job_name_has_a_handler() -> None:
    assert missing_handlers() == []
    assert missing_handlers({}) == list(JobName)


async def test_job_enqueued_after_commit_runs_and_records_heartbeat(
    worker_env: Settings, ctx: AppContext, signup: SignupFn
) -> None:
    user = await signup()
    uow_gen = unit_of_work(ctx)
    uow = await anext(uow_gen)
    uow.jobs.enqueue(JobName.HEARTBEAT, str(user.account_id), dedupe_id=dedupe_id(JobName.HEARTBEAT, user.account_id))
    assert await ctx.redis.queued_jobs() == []  # nothing published before the commit
    with pytest.raises(StopAsyncIteration):
        await anext(uow_gen)
    assert len(await ctx.redis.queued_jobs()) == 1
    await _drain(_worker(worker_env))
    async with ctx.sessionmaker() as s:
        beat = await s.get(TenantHeartbeat, user.account_id)
    assert beat is not None
    assert beat.beats == 1
    runs = await _runs(ctx)
    assert [(r.job_name, r.status, r.account_id) for r in runs] == [("heartbeat", "succeeded", user.account_id)]


async def test_rolled_back_request_publishes_no_job(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    uow_gen = unit_of_work(ctx)
    uow = await anext(uow_gen)
    uow.jobs.enqueue(JobName.HEARTBEAT, str(user.account_id), dedupe_id="heartbeat:x")
    with pytest.raises(RuntimeError):
        await uow_gen.athrow(RuntimeError("request failed"))
    assert await ctx.redis.queued_jobs() == []


async def test_dedupe_id_never_stacks_jobs(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    buffer = JobBuffer()
    for _ in range(3):
        buffer.enqueue(JobName.HEARTBEAT, str(user.account_id), dedupe_id=dedupe_id(JobName.HEARTBEAT, user.account_id))
    await buffer.flush(ctx.redis)
    assert len(await ctx.redis.queued_jobs()) == 1


async def test_fan_out_enqueues_one_job_per_tenant(worker_env: Settings, ctx: AppContext, signup: SignupFn) -> None:
    users = [await signup() for _ in range(3)]
    async with ctx.sessionmaker() as s:
        assert await fan_out(s, ctx.redis, JobName.HEARTBEAT, spread_seconds=0) == 3
        assert await fan_out(s, ctx.redis, JobName.HEARTBEAT, spread_seconds=0) == 0  # deduped
    await _drain(_worker(worker_env))
    async with ctx.sessionmaker() as s:
        beats = (await s.scalars(select(TenantHeartbeat.account_id))).all()
    assert sorted(beats) == sorted(u.account_id for u in users)


async def test_transient_errors_are_retried_then_succeed(
    worker_env: Settings, ctx: AppContext, signup: SignupFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await signup()
    calls: list[int] = []

    async def flaky(job: TenantJob) -> None:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("upstream timed out", retry_after=0)

    monkeypatch.setattr("janitor.jobs.runner.backoff_seconds", lambda attempt, **kw: 0.0)
    await ctx.redis.enqueue_job("heartbeat", str(user.account_id), _job_id="flaky")
    await _drain(_worker(worker_env, functions=[tenant_job(JobName.HEARTBEAT, flaky)]))
    assert len(calls) == 3
    runs = await _runs(ctx)
    assert [r.status for r in runs] == ["failed", "failed", "succeeded"]
    assert [r.attempt for r in runs] == [1, 2, 3]
    assert "retrying" in (runs[0].error or "")


async def test_a_failing_job_rolls_back_its_writes(worker_env: Settings, ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()

    async def half_then_crash(job: TenantJob) -> None:
        job.session.add(TenantHeartbeat(account_id=job.account.id, last_seen_at=job.account.created_at, beats=99))
        await job.session.flush()
        raise ValueError("boom")

    await ctx.redis.enqueue_job("heartbeat", str(user.account_id), _job_id="crash")
    await _drain(_worker(worker_env, functions=[tenant_job(JobName.HEARTBEAT, half_then_crash)], max_tries=1))
    async with ctx.sessionmaker() as s:
        assert await s.get(TenantHeartbeat, user.account_id) is None
    runs = await _runs(ctx)
    assert runs[0].status == RunStatus.FAILED
    assert "ValueError: boom" in (runs[0].error or "")


async def test_backoff_honours_retry_after_and_grows() -> None:
    from janitor.jobs.runner import backoff_seconds

    assert backoff_seconds(1, retry_after=42) >= 42
    assert all(0 <= backoff_seconds(a) <= min(300, 2 * 2 ** (a - 1)) for a in range(1, 12) for _ in range(20))


async def test_startup_recovery_fails_runs_of_dead_workers_only(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    async with ctx.sessionmaker() as s, s.begin():
        s.add_all(
            [
                JobRun(
                    account_id=user.account_id,
                    job_name="heartbeat",
                    job_id="a",
                    worker_id="dead:1",
                    status="running",
                ),
                JobRun(
                    account_id=user.account_id,
                    job_name="heartbeat",
                    job_id="b",
                    worker_id="live:1",
                    status="running",
                ),
            ]
        )
    await mark_alive(ctx.redis, "live:1")
    async with ctx.sessionmaker() as s, s.begin():
        assert await fail_orphaned_runs(s, ctx.redis) == 1
    by_job = {r.job_id: r for r in await _runs(ctx)}
    assert by_job["a"].status == "failed"
    assert "stopped before it finished" in (by_job["a"].error or "")
    assert by_job["b"].status == "running"


async def test_worker_refuses_to_start_on_a_stale_schema(
    settings: Settings, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = await create_database(services.postgres_url, f"janitor_empty_{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("JANITOR_DATABASE_URL", empty)
    monkeypatch.setenv("JANITOR_REDIS_URL", settings.redis_url)
    get_settings.cache_clear()
    try:
        with pytest.raises(worker_main.WorkerRefusedToStart, match="not at"):
            await worker_main.startup({})
    finally:
        get_settings.cache_clear()


async def test_worker_refuses_to_start_when_a_job_has_no_handler(
    worker_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_main, "missing_handlers", lambda: [JobName.HEARTBEAT])
    with pytest.raises(worker_main.WorkerRefusedToStart, match="heartbeat"):
        await worker_main.startup({})


@pytest.fixture
async def worker_process(worker_env: Settings) -> AsyncIterator[subprocess.Popen[bytes]]:
    env = dict(os.environ, JANITOR_DATABASE_URL=worker_env.database_url, JANITOR_REDIS_URL=worker_env.redis_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "janitor_worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).parents[2],
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


async def test_worker_process_starts_and_stops_gracefully_on_sigterm(
    worker_process: subprocess.Popen[bytes], ctx: AppContext
) -> None:
    for _ in range(300):
        if await ctx.redis.keys("worker:alive:*"):
            break
        assert worker_process.poll() is None, worker_process.stdout.read() if worker_process.stdout else ""
        await asyncio.sleep(0.1)
    else:
        pytest.fail("worker did not report itself alive")
    worker_process.send_signal(signal.SIGTERM)
    for _ in range(200):
        if worker_process.poll() is not None:
            break
        await asyncio.sleep(0.1)
    output = worker_process.stdout.read().decode() if worker_process.stdout else ""
    assert worker_process.returncode == 0, output
    assert "worker_stopped" in output
    assert await ctx.redis.keys("worker:alive:*") == []


async def test_recovery_moves_the_page_cache_of_accounts_whose_sync_it_failed(
    ctx: AppContext, signup: SignupFn
) -> None:
    """Which runs are orphaned is tested with fail_orphaned_runs; here: their accounts' dashboards."""
    user, other = await signup(), await signup()
    async with ctx.sessionmaker() as s, s.begin():
        s.add(SyncRun(account_id=user.account_id, trigger="manual", status="running", worker_id="gone:2", sources={}))

    async def generations() -> list[str]:
        return [(await ctx.page_cache.read(str(a), 2**31, "any"))[1] for a in (user.account_id, other.account_id)]

    before = await generations()
    assert await worker_main.recover_orphans({"app": ctx}) == 1
    after = await generations()
    assert after[0] != before[0]  # the dashboard shows "failed" at once
    assert after[1] == before[1]


def test_each_kind_of_work_has_its_own_queue_and_slots() -> None:
    """Daily runs fill the background slots for hours on a busy day: a Refresh (interactive) and the
    cron jobs (the recovery of what a dead worker left running, the schedules) must not queue behind
    them, so each has its own queue and slots in every worker process."""
    workers = worker_main.build_workers({}, None)
    by_queue = {w.queue_name: w for w in workers}
    assert set(by_queue) == {
        "arq:queue",
        "arq:queue:interactive",
        "arq:queue:first_sync",
        "arq:queue:quick",
        "arq:queue:system",
    }
    crons = {name for w in workers for name in w.functions if name.startswith("cron:")}
    assert crons == {c.name for c in worker_main.SystemWorkerSettings.cron_jobs}
    assert "cron:recover_orphans" in crons
    system = by_queue["arq:queue:system"]
    assert {n for n in system.functions if not n.startswith("cron:")} == set()
    assert system.max_jobs >= len(worker_main.SystemWorkerSettings.cron_jobs), "every cron job can run at once"
    for queue in ("arq:queue", "arq:queue:interactive"):
        assert not [n for n in by_queue[queue].functions if n.startswith("cron:")], queue
        assert set(by_queue[queue].functions) == {j.__name__ for j in worker_main.job_functions()}
    # The first-sync slots run syncs only; the quick ones mails and the dashboard figures only: no
    # sync can take them.
    assert set(by_queue["arq:queue:first_sync"].functions) == {"sync"}
    assert set(by_queue["arq:queue:quick"].functions) == {"send_mail", "report_summary", "send_system_mail"}
