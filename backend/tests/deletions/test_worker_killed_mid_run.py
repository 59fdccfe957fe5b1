"""The real arq worker, SIGKILLed in the middle of a deletion run against the simulator: nothing is
deleted twice and no row is lost. The next worker ends the dead run, reads back the row that was
being sent, and carries on with the rest."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from janitor.core.config import Settings
from janitor.deletions.deleter_jobs import enqueue_due
from janitor.deletions.models import DeletionRun, DeletionSettings, DeletionStatus, QueuedDeletion
from janitor.devtools.sim_fixtures import worker_process
from janitor.jobs.names import JobName, dedupe_id

from .conftest import World

NAMES = ["alien", "dune", "big", "heat", *(f"m{i}" for i in range(1, 9))]


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    return worker_process(settings)


async def count(world: World, *statuses: str) -> int:
    async with world.ctx.sessionmaker() as session:
        n = await session.scalar(
            select(func.count()).select_from(QueuedDeletion).where(QueuedDeletion.status.in_(statuses))
        )
    return int(n or 0)


async def wait_for(predicate: object, seconds: float = 90) -> None:
    for _ in range(int(seconds * 10)):
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def enqueue(world: World) -> int:
    async with world.ctx.sessionmaker() as session:
        return await enqueue_due(session, world.ctx.redis, now=datetime.now(UTC))


async def test_sigkill_mid_run_loses_nothing_and_deletes_nothing_twice(world: World) -> None:
    rows = [await world.queue(n) for n in NAMES]
    await world.go_live()
    async with world.ctx.sessionmaker() as session, session.begin():
        session.add(DeletionSettings(account_id=world.account_id, max_run_items=100, max_day_items=100))
    # A slow server: one request at a time, 250 ms each (a deletion is a delete and a read back).
    await world.admin("/servers/pms:home/pace", {"pace_ms": 250, "max_in_flight": 1})
    worker = start_worker(world.ctx.settings)
    try:
        assert await enqueue(world) == 1

        async def some_deleted() -> bool:
            return await count(world, DeletionStatus.DELETED) >= 3

        await wait_for(some_deleted)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
    deleted_before = await count(world, DeletionStatus.DELETED)
    assert deleted_before < len(rows)  # killed in the middle
    async with world.ctx.sessionmaker() as session:
        running = (await session.scalars(select(DeletionRun.status))).all()
    assert list(running) == ["running"]  # the dead worker's run, left as it was
    # What expires on its own after a crash (the worker's heartbeat in 30 s, arq's hold on the job after
    # its time limit) is expired now; the job is still queued and the next worker takes it up again.
    for key in await world.ctx.redis.keys("worker:alive:*"):
        await world.ctx.redis.delete(key)
    await world.ctx.redis.delete("arq:in-progress:" + dedupe_id(JobName.DELETION_RUN, world.account_id))
    await world.admin("/servers/pms:home/pace", {"pace_ms": 0})
    worker = start_worker(world.ctx.settings)
    try:

        async def all_settled() -> bool:
            done = await count(world, DeletionStatus.DELETED, DeletionStatus.FAILED)
            if done < len(rows):
                await enqueue(world)  # the 5-minute cron, sooner
            return done == len(rows)

        await wait_for(all_settled, 120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    deleted = [str(m["ratingKey"]) for m in world.deletes()]
    assert not [k for k, n in Counter(deleted).items() if n > 1]  # never twice
    async with world.ctx.sessionmaker() as session:
        stored = (await session.scalars(select(QueuedDeletion))).all()
        runs = (await session.scalars(select(DeletionRun.status).order_by(DeletionRun.started_at))).all()
    assert all(r.attempts <= 1 for r in stored)
    # No row lost: each ended as the server says (deleted exactly when the server deleted it). The
    # one in flight at the kill reached the server (it finished the request after the client died).
    for row in stored:
        assert (row.status == DeletionStatus.DELETED) == (row.item_upstream_id in deleted), row.status
    assert sorted(deleted) == sorted(world.upstream_id(n) for n in NAMES)
    assert runs[0] == "failed" and "running" not in runs
