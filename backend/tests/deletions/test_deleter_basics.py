"""The deleter end to end against the simulator: a verified deletion and everything that follows it,
dry-run, and the queue's compare-and-set against a duplicated job."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from janitor.connections.models import Connection
from janitor.deletions import runs
from janitor.deletions.models import (
    AuditEvent,
    DeletionEvent,
    DeletionRun,
    DeletionSettings,
    QueuedDeletion,
    ServerDeletionState,
)
from janitor.deletions.queue import Target, enqueue
from janitor.library.models import ExpectedDisappearance, MediaItem
from janitor.reports.models import ReportVideoItem

from .conftest import World


async def events_of(world: World, row_id: object) -> list[tuple[str, str | None]]:
    async with world.ctx.sessionmaker() as session:
        rows = await session.execute(
            select(DeletionEvent.event, DeletionEvent.message)
            .where(DeletionEvent.queue_id == row_id)
            .order_by(DeletionEvent.id)
        )
    return [(e, m) for e, m in rows.all()]


async def report_rows(world: World, *items: MediaItem) -> int:
    """How many of these items the stale and language reports read (library/video_rows.py)."""
    async with world.ctx.sessionmaker() as session:
        count = select(func.count()).where(ReportVideoItem.id.in_([i.id for i in items]))
        return int(await session.scalar(count) or 0)


async def test_a_due_row_is_deleted_verified_and_leaves_the_reports(world: World) -> None:
    row = await world.queue("matrix")
    copies = (await world.item("matrix"), await world.item("matrix", "jellyfin"))
    assert await report_rows(world, *copies) == 2
    await world.go_live()
    outcome = await world.run()
    assert outcome is not None and outcome.tally.deleted == 1
    deleted = world.deletes()
    assert [(d["kind"], d["ratingKey"]) for d in deleted] == [("delete", world.upstream_id("matrix"))]
    stored = await world.row(row.id)
    assert stored.status == "deleted" and stored.finished_at is not None
    kinds = [e for e, _ in await events_of(world, row.id)]
    assert kinds[:3] == [AuditEvent.QUEUED, AuditEvent.EXECUTED, AuditEvent.VERIFIED]
    # The item left the reports, and so did the same file seen through Jellyfin; both are expected
    # to be absent from their servers' next syncs.
    assert (await world.item("matrix")).gone
    assert (await world.item("matrix", "jellyfin")).gone
    assert await report_rows(world, *copies) == 0
    async with world.ctx.sessionmaker() as session:
        expected = {(e.connection_id, e.upstream_id) for e in (await session.scalars(select(ExpectedDisappearance)))}
        run = await session.scalar(select(DeletionRun).where(DeletionRun.id == outcome.run_id))
        state = await session.get(ServerDeletionState, world.plex)
    assert expected == {
        (world.plex, world.upstream_id("matrix")),
        (world.jellyfin, world.upstream_id("matrix", "jellyfin")),
    }
    assert run is not None and (run.status, run.deleted, run.deleted_bytes) == ("finished", 1, 8_000_000_000)
    assert state is not None and state.live_runs == 2  # one more real run behind it
    # Jellyseerr's record of the title was cleared so it can be requested again.
    cleared = [m for m in world.sim.app.state.mutations if m["service"] == "jellyseerr"]
    assert [m["kind"] for m in cleared] == ["delete_media"] and cleared[0]["tmdbId"] == 603
    assert (AuditEvent.EXECUTED, "Jellyseerr's record of the title was cleared: it can be requested again") in (
        await events_of(world, row.id)
    )


async def test_jellyseerr_is_left_alone_when_the_owner_says_so(world: World) -> None:
    async with world.ctx.sessionmaker() as session, session.begin():
        session.add(DeletionSettings(account_id=world.account_id, clear_jellyseerr=False))
    await world.queue("matrix")
    await world.go_live()
    await world.run()
    assert len(world.deletes()) == 1
    assert [m for m in world.sim.app.state.mutations if m["service"] == "jellyseerr"] == []


async def test_dry_run_is_the_default_records_once_and_deletes_nothing(world: World) -> None:
    row = await world.queue("matrix")
    first = await world.run()
    second = await world.run()
    assert first is not None and second is not None
    assert first.tally.dry_run == 1 and second.tally.dry_run == 1
    assert world.deletes() == []
    stored = await world.row(row.id)
    assert stored.status == "scheduled" and stored.dry_run_at is not None
    events = await events_of(world, row.id)
    assert [e for e, _ in events] == [AuditEvent.QUEUED, AuditEvent.DRY_RUN]
    assert not (await world.item("matrix")).gone
    # Leaving dry-run: the next run deletes it.
    await world.go_live()
    await world.run()
    assert (await world.row(row.id)).status == "deleted"
    assert len(world.deletes()) == 1


async def test_rows_not_yet_due_wait(world: World) -> None:
    row = await world.queue("matrix", due=timedelta(hours=2))
    await world.go_live()
    outcome = await world.run()
    assert outcome is not None and outcome.tally.sent == 0
    assert world.deletes() == [] and (await world.row(row.id)).status == "scheduled"


async def test_two_runs_at_once_delete_once(world: World) -> None:
    """A duplicated job: both start, one finds the other running and does nothing; and even a second
    run that does start finds the rows already moved (compare-and-set)."""
    rows = [await world.queue(name) for name in ("matrix", "alien", "dune")]
    await world.go_live()
    outcomes = await asyncio.gather(world.run(), world.run())
    assert sorted(o is None for o in outcomes) == [False, True]
    for row in rows:
        assert (await world.row(row.id)).status == "deleted"
    assert sorted(d["ratingKey"] for d in world.deletes()) == sorted(
        world.upstream_id(n) for n in ("matrix", "alien", "dune")
    )
    # A third run, later, has nothing left to do.
    again = await world.run()
    assert again is not None and again.tally.sent == 0 and len(world.deletes()) == 3


async def test_an_episode_goes_alone(world: World) -> None:
    row = await world.queue("e1")
    await world.go_live()
    await world.run()
    assert (await world.row(row.id)).status == "deleted"
    assert [d["ratingKey"] for d in world.deletes()] == [world.upstream_id("e1")]
    async with world.ctx.sessionmaker() as session:
        gone = (
            await session.scalars(
                select(MediaItem.title).where(MediaItem.connection_id == world.plex, MediaItem.gone.is_(True))
            )
        ).all()
    assert list(gone) == ["One"]


async def test_queueing_and_starting_runs_keep_working_past_the_prepared_statements_generic_plan(
    world: World,
) -> None:
    """Postgres plans a prepared statement generically from its sixth execution on: a partial index
    inferred from a bound predicate stops matching there. Both upserts keep working."""
    names = ["matrix", "alien", "dune", "big", *(f"m{i}" for i in range(1, 9))]
    items = [await world.item(n) for n in names]
    async with world.ctx.sessionmaker() as session, session.begin():
        connection = await session.get(Connection, world.plex)
        assert connection is not None
        for item in items + items:  # one connection: one prepared statement, 24 executions
            await enqueue(
                session,
                connection=connection,
                target=Target(item),
                reason="stale",
                origin="owner",
                due_at=datetime.now(UTC) + timedelta(hours=1),
            )
    async with world.ctx.sessionmaker() as session:
        assert len((await session.scalars(select(QueuedDeletion))).all()) == len(names)
    for _ in range(8):
        run_id = await runs.start(
            world.ctx, world.account_id, world.plex, dry_run=True, worker_id=None, now=datetime.now(UTC)
        )
        assert run_id is not None
        assert (
            await runs.start(
                world.ctx, world.account_id, world.plex, dry_run=True, worker_id=None, now=datetime.now(UTC)
            )
            is None
        )
        await runs.finish(world.ctx, run_id, runs.Tally(), now=datetime.now(UTC))
