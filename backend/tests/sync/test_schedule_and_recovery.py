from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from arq.constants import in_progress_key_prefix, job_key_prefix
from sqlalchemy import select, update

from janitor.connections.models import Connection
from janitor.core.deps import AppContext
from janitor.core.queue import JobBuffer
from janitor.devtools.pytest_plugin import SignupFn
from janitor.jobs.fanout import spread_offset
from janitor.jobs.models import JobRun
from janitor.jobs.names import JobName, dedupe_id
from janitor.sync.models import SyncRun
from janitor.sync.recovery import REPORTS_CHANGED, fail_orphaned_runs, mark_alive
from janitor.sync.schedule import DAY, catch_up_limit, latest_slot, owed_slot, schedule_daily


def _ticks(
    account: uuid.UUID,
    start: datetime,
    hours: int,
    *,
    down: tuple[datetime, datetime] | None = None,
    last: datetime | None = None,
) -> list[datetime]:
    """Simulate the 10-minute ticks over ``hours`` (none while the worker is ``down``), after a run
    started at ``last``: when runs start."""
    runs: list[datetime] = [last] if last else []
    for minutes in range(0, hours * 60, 10):
        now = start + timedelta(minutes=minutes, seconds=5)
        if down and down[0] <= now < down[1]:
            continue
        if owed_slot(account, now, runs[-1] if runs else None) is not None:
            runs.append(now)
    return runs[1:] if last else runs


def test_every_account_runs_exactly_once_a_day_just_after_its_slot() -> None:
    account = uuid.uuid4()
    start = datetime(2026, 11, 22, tzinfo=UTC)
    slot = timedelta(seconds=spread_offset(account, DAY))
    runs = _ticks(account, start - timedelta(days=1) + slot + timedelta(minutes=20), 24 * 4)
    # the first tick catches up yesterday's slot, then one run a day, in the 10 minutes after the slot
    assert len(runs) == 5
    for day, run in enumerate(runs[1:]):
        assert timedelta(0) <= run - (start + timedelta(days=day) + slot) < timedelta(minutes=10)


def test_a_slot_missed_while_the_worker_was_down_is_caught_up_once_at_the_next_tick() -> None:
    account = uuid.uuid4()
    slot = datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=spread_offset(account, DAY))
    first = _ticks(account, slot - timedelta(days=1), 2)[0]  # yesterday's run, on time
    # Down from an hour before today's slot to five hours after: the first tick after it starts the run.
    down = (slot - timedelta(hours=1), slot + timedelta(hours=5))
    runs = _ticks(account, slot - timedelta(hours=3), 24, down=down, last=first)
    assert runs == [down[1] + timedelta(seconds=5)]
    # a week down owes one run, not seven
    week = (slot - timedelta(days=7), slot + timedelta(hours=1))
    assert len(_ticks(account, slot - timedelta(days=7), 24 * 7 + 12, down=week)) == 1


def test_a_run_exactly_twenty_hours_before_the_slot_serves_it() -> None:
    account = uuid.uuid4()
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    slot = latest_slot(account, now)
    assert owed_slot(account, now, slot - timedelta(hours=20)) is None
    assert owed_slot(account, now, slot - timedelta(hours=20, seconds=1)) == slot
    assert owed_slot(account, now, None) == slot
    assert owed_slot(account, now, slot) is None


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


async def _runs(ctx: AppContext) -> dict[uuid.UUID, list[str]]:
    async with ctx.sessionmaker() as s:
        found: dict[uuid.UUID, list[str]] = {}
        for run in (await s.scalars(select(SyncRun).order_by(SyncRun.created_at))).all():
            found.setdefault(run.account_id, []).append(run.trigger)
        return found


async def _tick(ctx: AppContext, now: datetime) -> int:
    """One scheduler tick at ``now``; the runs it starts are dated ``now`` (not the database's clock)."""
    jobs = JobBuffer()
    async with ctx.sessionmaker() as s, s.begin():
        before = set((await s.scalars(select(SyncRun.id))).all())
        started = await schedule_daily(s, jobs, now=now, window_seconds=600)
        await s.execute(update(SyncRun).where(SyncRun.id.not_in(before)).values(created_at=now))
    await jobs.flush(ctx.redis)
    return started


async def test_a_missed_slot_is_caught_up_at_the_next_tick_and_only_once(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    await _add_connection(ctx, user.account_id)
    slot = datetime(2026, 11, 22, tzinfo=UTC) + timedelta(seconds=spread_offset(user.account_id, DAY))
    async with ctx.sessionmaker() as s, s.begin():  # yesterday's scheduled run, finished
        s.add(
            SyncRun(
                account_id=user.account_id,
                trigger="schedule",
                status="complete",
                sources={},
                created_at=slot - timedelta(days=1),
                finished_at=slot - timedelta(days=1, minutes=-5),
            )
        )
    # The ticks around the slot never ran; the next one is three hours late.
    later = slot + timedelta(hours=3)
    assert await _tick(ctx, later) == 1
    assert await _tick(ctx, later) == 0  # the same tick again (a retried cron) starts nothing
    async with ctx.sessionmaker() as s, s.begin():  # the caught-up run finishes
        await s.execute(update(SyncRun).where(SyncRun.status == "queued").values(status="complete"))
    assert await _tick(ctx, later + timedelta(minutes=10)) == 0  # served: no second run
    assert await _tick(ctx, slot + timedelta(days=1, minutes=5)) == 1  # tomorrow's slot, on time
    assert (await _runs(ctx))[user.account_id] == ["schedule", "schedule", "schedule"]


async def test_after_an_outage_late_slots_start_a_few_per_tick_and_on_time_ones_are_not_held_back(
    ctx: AppContext, signup: SignupFn
) -> None:
    users = [await signup() for _ in range(13)]
    for user in users:
        await _add_connection(ctx, user.account_id)
    day = datetime(2026, 11, 22, tzinfo=UTC)
    slots = {u.account_id: day + timedelta(seconds=spread_offset(u.account_id, DAY)) for u in users}
    # The worker comes back just after one account's slot (on time); every other slot of the day was missed.
    on_time, now = next(
        (a, slot + timedelta(seconds=60))
        for a, slot in slots.items()
        if sum(1 for s in slots.values() if timedelta(0) <= slot + timedelta(seconds=60) - s < timedelta(minutes=10))
        == 1
    )
    assert catch_up_limit(13, 600) == 5
    owed = sorted((latest_slot(a, now), a) for a in slots if a != on_time)
    assert await _tick(ctx, now) == 1 + 5
    started = await _runs(ctx)
    assert on_time in started
    assert {a for _, a in owed[:5]} == set(started) - {on_time}  # the oldest slots first
    assert await _tick(ctx, now + timedelta(minutes=10)) == 5
    assert await _tick(ctx, now + timedelta(minutes=20)) == 2
    assert await _tick(ctx, now + timedelta(minutes=30)) == 0
    assert {a: len(t) for a, t in (await _runs(ctx)).items()} == dict.fromkeys(slots, 1)


async def test_a_dead_workers_jobs_end_as_their_runs_did_and_nothing_is_left_to_run_again(
    ctx: AppContext, signup: SignupFn
) -> None:
    """The worker was killed just after a sync run completed, before its job record was closed, while
    another job (the dashboard's) was half done: the sync's job record says it succeeded (when the run
    ended), the other failed; neither is left in arq's queue or marked in progress, so no worker runs them
    again, and the same jobs can be asked for again at once."""
    user = await signup()
    finished = datetime.now(UTC) - timedelta(seconds=5)
    sync = SyncRun(
        account_id=user.account_id,
        trigger="manual",
        status="complete",
        worker_id="gone:1",
        sources={},
        started_at=finished - timedelta(minutes=1),
        finished_at=finished,
    )
    async with ctx.sessionmaker() as s, s.begin():
        s.add(sync)
        await s.flush()
        jobs = {
            "sync": JobRun(
                account_id=user.account_id, job_name="sync", job_id=dedupe_id(JobName.SYNC, sync.id), worker_id="gone:1"
            ),
            "summary": JobRun(
                account_id=user.account_id,
                job_name="report_summary",
                job_id=dedupe_id(JobName.REPORT_SUMMARY, user.account_id),
                worker_id="gone:1",
            ),
        }
        s.add_all(jobs.values())
    for job in jobs.values():  # what arq holds for a job a killed worker was running
        await ctx.redis.enqueue_job(job.job_name, str(user.account_id), _job_id=job.job_id)
        await ctx.redis.set(in_progress_key_prefix + job.job_id, "1", px=3_600_000)
    async with ctx.sessionmaker() as s, s.begin():
        assert await fail_orphaned_runs(s, ctx.redis) == 2
    async with ctx.sessionmaker() as s:
        ended = {r.job_name: r for r in (await s.scalars(select(JobRun))).all()}
        (status,) = (await s.execute(select(SyncRun.status).where(SyncRun.id == sync.id))).one()
    assert (ended["sync"].status, ended["sync"].error, ended["sync"].finished_at) == ("succeeded", None, finished)
    assert ended["report_summary"].status == "failed"
    assert status == "complete"  # the run itself is left as it ended
    assert await ctx.redis.queued_jobs() == []
    for job in jobs.values():
        assert not await ctx.redis.exists(in_progress_key_prefix + job.job_id, job_key_prefix + job.job_id)
        assert await ctx.redis.enqueue_job(job.job_name, str(user.account_id), _job_id=job.job_id) is not None
