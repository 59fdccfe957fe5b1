from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from janitor.connections.models import Connection
from janitor.core.deps import AppContext
from janitor.core.queue import JobBuffer
from janitor.devtools.pytest_plugin import SignupFn
from janitor.jobs.fanout import spread_offset
from janitor.jobs.recovery import REPORTS_CHANGED, fail_orphaned_runs, mark_alive
from janitor.sync.models import SyncRun
from janitor.sync.schedule import DAY, due, schedule_daily


def test_every_account_is_due_exactly_once_a_day() -> None:
    account = uuid.uuid4()
    start = datetime(2026, 11, 22, tzinfo=UTC)
    hits = [t for t in range(0, DAY, 600) if due(account, start + timedelta(seconds=t + 600), 600)]
    assert len(hits) == 1
    slot = spread_offset(account, DAY)
    assert hits[0] <= slot < hits[0] + 600


def test_slots_spread_over_the_day() -> None:
    hours = {spread_offset(uuid.uuid4(), DAY) // 3600 for _ in range(400)}
    assert len(hours) >= 20


async def _add_connection(ctx: AppContext, account_id: uuid.UUID) -> None:
    async with ctx.sessionmaker() as s, s.begin():
        s.add(
            Connection(
                account_id=account_id,
                kind="jellyseerr",
                name="x",
                base_url="http://x",
                token_ciphertext="-",
                options={},
                sync_state={},
            )
        )


async def test_schedule_starts_due_accounts_with_connections_once(ctx: AppContext, signup: SignupFn) -> None:
    with_conn, without = await signup(), await signup()
    await _add_connection(ctx, with_conn.account_id)
    slot = spread_offset(with_conn.account_id, DAY)
    now = datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=slot + 1)
    for _ in range(2):  # the second pass finds the run of the first
        jobs = JobBuffer()
        async with ctx.sessionmaker() as s, s.begin():
            await schedule_daily(s, jobs, now=now, window_seconds=600)
        await jobs.flush(ctx.redis)
    async with ctx.sessionmaker() as s:
        runs = (await s.scalars(select(SyncRun))).all()
    assert [(r.account_id, r.trigger, r.status) for r in runs] == [(with_conn.account_id, "schedule", "queued")]
    assert len(await ctx.redis.queued_jobs()) == 1
    assert without.account_id not in {r.account_id for r in runs}


async def test_a_sync_left_running_by_a_dead_worker_is_failed(ctx: AppContext, signup: SignupFn) -> None:
    dead, alive = await signup(), await signup()
    async with ctx.sessionmaker() as s, s.begin():
        s.add_all(
            [
                SyncRun(account_id=dead.account_id, trigger="manual", status="running", worker_id="gone:1", sources={}),
                SyncRun(
                    account_id=alive.account_id, trigger="manual", status="running", worker_id="here:1", sources={}
                ),
            ]
        )
    await mark_alive(ctx.redis, "here:1")
    async with ctx.sessionmaker() as s, s.begin():
        assert await fail_orphaned_runs(s, ctx.redis) == 1
        assert s.info[REPORTS_CHANGED] == {dead.account_id}  # whose page cache the caller moves
    async with ctx.sessionmaker() as s:
        by_account = {r.account_id: r for r in (await s.scalars(select(SyncRun))).all()}
    assert by_account[dead.account_id].status == "failed"
    assert "nothing it left unfinished was marked missing" in (by_account[dead.account_id].error or "")
    assert by_account[alive.account_id].status == "running"
