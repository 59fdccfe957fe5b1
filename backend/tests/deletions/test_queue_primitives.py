"""The queue's primitives: enqueue takes the fingerprint and logs it once; a target is queued once
while active; status moves are compare-and-set; fingerprints tell what changed, in words."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from janitor.core.deps import AppContext
from janitor.deletions import fingerprint, queue
from janitor.deletions.models import DeletionEvent, DeletionStatus, QueuedDeletion
from janitor.devtools.pytest_plugin import SignupFn

from .world import ADDED, plant

DUE = datetime(2030, 1, 1, tzinfo=UTC)


async def test_enqueue_takes_the_fingerprint_and_writes_one_queued_event(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = await plant(session, user.account_id)
        row = await queue.enqueue(
            session,
            connection=world.connection,
            target=queue.Target(world.movie),
            reason="stale",
            origin="owner",
            due_at=DUE,
            details={"why": "never watched"},
        )
        assert row is not None
        assert row.fingerprint == {
            "server_id": "machine-1",
            "item": "101",
            "media_id": "",
            "parts": [{"part_id": "501", "file": "/movies/matrix.mkv", "size": 8_000_000_000}],
            "size": 8_000_000_000,
            "added_at": ADDED.isoformat(),
        }
        assert (row.title, row.size_bytes, row.status, row.due_at) == (
            "The Matrix (1999)",
            8_000_000_000,
            "scheduled",
            DUE,
        )
    async with ctx.sessionmaker() as session:
        events = (await session.scalars(select(DeletionEvent))).all()
        assert [(e.event, e.queue_id, e.server_name, e.details) for e in events] == [
            ("queued", row.id, "Home", {"why": "never watched"})
        ]


async def test_a_second_enqueue_of_the_same_target_returns_none_and_logs_nothing(
    ctx: AppContext, signup: SignupFn
) -> None:
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = await plant(session, user.account_id)
        args = {"connection": world.connection, "reason": "stale", "origin": "owner", "due_at": DUE}
        first = await queue.enqueue(session, target=queue.Target(world.movie), **args)
        assert first is not None
        assert await queue.enqueue(session, target=queue.Target(world.movie), **args) is None
        # another version of the same track is another target
        v1 = await queue.enqueue(session, target=queue.Target(world.track, "71"), **args)
        v2 = await queue.enqueue(session, target=queue.Target(world.track, "72"), **args)
        assert v1 is not None and v2 is not None
        assert v1.size_bytes == 30_000_000 and v2.size_bytes == 10_000_000
        assert await queue.enqueue(session, target=queue.Target(world.track, "72"), **args) is None
    async with ctx.sessionmaker() as session, session.begin():
        assert await session.scalar(select(func.count()).select_from(QueuedDeletion)) == 3
        assert await session.scalar(select(func.count()).select_from(DeletionEvent)) == 3
        # once the row is done with (cancelled), the target may be queued again
        assert await queue.move(session, first.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.CANCELLED)
        world_movie = await session.scalar(select(queue.MediaItem).where(queue.MediaItem.upstream_id == "101"))
        connection = await session.get(queue.Connection, first.connection_id)
        assert world_movie is not None and connection is not None
        again = await queue.enqueue(
            session, connection=connection, target=queue.Target(world_movie), reason="stale", origin="owner", due_at=DUE
        )
        assert again is not None and again.id != first.id


async def test_a_version_that_is_gone_has_no_size(ctx: AppContext, signup: SignupFn) -> None:
    """A version target whose media is no longer there weighs nothing (never the whole item's size)."""
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = await plant(session, user.account_id)
        taken = fingerprint.take(world.track, server_id="m", media_id="99")
        assert (taken["parts"], taken["size"]) == ([], 0)


async def test_move_is_compare_and_set_two_concurrent_callers_one_wins(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = await plant(session, user.account_id)
        row = await queue.enqueue(
            session,
            connection=world.connection,
            target=queue.Target(world.movie),
            reason="stale",
            origin="owner",
            due_at=DUE,
        )
        assert row is not None
    first_moved = asyncio.Event()

    async def first() -> bool:
        async with ctx.sessionmaker() as session, session.begin():
            moved = await queue.move(session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.EXECUTING)
            first_moved.set()
            await asyncio.sleep(0.3)  # the second caller now waits on the row lock
            return moved

    async def second() -> bool:
        await first_moved.wait()
        async with ctx.sessionmaker() as session, session.begin():
            return await queue.move(
                session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.CANCELLED, reason="owner"
            )

    assert await asyncio.gather(first(), second()) == [True, False]
    async with ctx.sessionmaker() as session:
        stored = await session.get(QueuedDeletion, row.id)
        assert stored is not None
        assert (stored.status, stored.status_reason, stored.finished_at) == ("executing", None, None)
    # a terminal move stamps when it finished
    async with ctx.sessionmaker() as session, session.begin():
        assert await queue.move(
            session, row.id, expected=DeletionStatus.EXECUTING, to=DeletionStatus.FAILED, reason="timeout"
        )
        assert not await queue.move(session, row.id, expected=DeletionStatus.EXECUTING, to=DeletionStatus.DELETED)
    async with ctx.sessionmaker() as session:
        stored = await session.get(QueuedDeletion, row.id)
        assert stored is not None and stored.status == "failed" and stored.status_reason == "timeout"
        assert stored.finished_at is not None and abs(stored.finished_at - datetime.now(UTC)) < timedelta(minutes=1)


BASE = {
    "server_id": "m1",
    "item": "101",
    "media_id": "",
    "parts": [{"part_id": "501", "file": "/movies/matrix.mkv", "size": 8}],
    "size": 8,
    "added_at": "2025-03-01T12:00:00+00:00",
}


def _with(**changes: object) -> dict[str, object]:
    out = copy.deepcopy(BASE)
    out.update(changes)
    return out


def test_differences_in_words() -> None:
    assert fingerprint.differences(BASE, copy.deepcopy(BASE)) == []
    assert fingerprint.differences(BASE, _with(server_id="m2")) == ["the server is another one"]
    replaced = _with(parts=[{"part_id": "502", "file": "/movies/matrix.mkv", "size": 9}], size=9)
    assert fingerprint.differences(BASE, replaced) == [
        "the file was replaced (other path, part or size)",
        "the size changed",
    ]
    assert fingerprint.differences(BASE, _with(added_at="2025-04-01T00:00:00+00:00")) == [
        "the file was added again (a new added date)"
    ]
    assert fingerprint.differences(BASE, _with(added_at=None)) == ["the file was added again (a new added date)"]
    # a version gone: no parts now
    gone = fingerprint.differences(BASE, _with(parts=[], size=0))
    assert "the file was replaced (other path, part or size)" in gone
    # a missing key counts as a difference, never as "same"
    assert fingerprint.differences(BASE, {k: v for k, v in BASE.items() if k != "size"}) == ["the size changed"]


async def test_enqueue_many_queues_each_target_once_with_its_event(ctx: AppContext, signup: SignupFn) -> None:
    """Many targets in one statement, each as ``enqueue`` queues one: fingerprint, title, size, due
    date, details, and one ``queued`` event with the row's details; a target that already has an
    active row is left alone and gets no event."""
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = await plant(session, user.account_id)
        first = await queue.enqueue(
            session,
            connection=world.connection,
            target=queue.Target(world.track, "71"),
            reason="stale",
            origin="owner",
            due_at=DUE,
        )
        assert first is not None
        later = DUE + timedelta(hours=3)
        added = await queue.enqueue_many(
            session,
            connection=world.connection,
            queueings=[
                queue.Queueing(world.movie, DUE, {"why": "watched by ann"}),
                queue.Queueing(world.track, later, {"why": "a version"}, media_id="72"),
                queue.Queueing(world.track, later, {"why": "already queued"}, media_id="71"),
            ],
            reason="watched",
            origin="schedule",
        )
        assert len(added) == 2
        # Again: everything is queued already, nothing is added, nothing is logged.
        again = await queue.enqueue_many(
            session,
            connection=world.connection,
            queueings=[queue.Queueing(world.movie, DUE, {}), queue.Queueing(world.track, DUE, {}, media_id="72")],
            reason="watched",
            origin="schedule",
        )
        assert again == []
    async with ctx.sessionmaker() as session:
        rows = {r.id: r for r in (await session.scalars(select(QueuedDeletion))).all()}
        movie, version = rows[added[0]], rows[added[1]]
        assert movie.fingerprint == fingerprint.take(world.movie, server_id="machine-1")
        assert version.fingerprint == fingerprint.take(world.track, server_id="machine-1", media_id="72")
        assert (movie.title, movie.kind, movie.size_bytes, movie.due_at, movie.details) == (
            "The Matrix (1999)",
            "movie",
            8_000_000_000,
            DUE,
            {"why": "watched by ann"},
        )
        assert (movie.reason, movie.origin, movie.status, movie.library_id) == (
            "watched",
            "schedule",
            "scheduled",
            world.library.id,
        )
        assert (version.title, version.media_id, version.size_bytes, version.due_at) == (
            "Artist · Album · Song",
            "72",
            10_000_000,
            later,
        )
        events = {e.queue_id: e for e in (await session.scalars(select(DeletionEvent))).all()}
        assert sorted(map(str, events)) == sorted(map(str, [first.id, movie.id, version.id]))
        assert [
            (e.event, e.server_name, e.title, e.deletion_reason, e.size_bytes, e.media_id, e.details)
            for e in (events[movie.id], events[version.id])
        ] == [
            ("queued", "Home", "The Matrix (1999)", "watched", 8_000_000_000, None, {"why": "watched by ann"}),
            ("queued", "Home", "Artist · Album · Song", "watched", 10_000_000, "72", {"why": "a version"}),
        ]


async def test_enqueue_many_from_two_callers_at_once_queues_each_target_once(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = await plant(session, user.account_id)
    first_in = asyncio.Event()

    async def call(wait: bool) -> list[object]:
        if wait:
            await first_in.wait()
        async with ctx.sessionmaker() as session, session.begin():
            added = await queue.enqueue_many(
                session,
                connection=world.connection,
                queueings=[queue.Queueing(world.movie, DUE, {}), queue.Queueing(world.track, DUE, {}, media_id="72")],
                reason="watched",
                origin="schedule",
            )
            first_in.set()
            await asyncio.sleep(0.3)  # the second caller now waits on the first one's rows
            return list(added)

    counts = sorted(len(added) for added in await asyncio.gather(call(False), call(True)))
    assert counts == [0, 2]
    async with ctx.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(QueuedDeletion)) == 2
        assert await session.scalar(select(func.count()).select_from(DeletionEvent)) == 2


async def test_cancel_many_is_compare_and_set_with_one_event_per_row_moved(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = await plant(session, user.account_id)
        args = {"connection": world.connection, "reason": "watched", "origin": "schedule", "due_at": DUE}
        movie = await queue.enqueue(session, target=queue.Target(world.movie), **args)
        v71 = await queue.enqueue(session, target=queue.Target(world.track, "71"), **args)
        v72 = await queue.enqueue(session, target=queue.Target(world.track, "72"), **args)
        assert movie is not None and v71 is not None and v72 is not None
        # Another job got to one of them first: it is executing, no longer scheduled.
        assert await queue.move(session, v72.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.EXECUTING)
    async with ctx.sessionmaker() as session, session.begin():
        moved = await queue.cancel_many(
            session,
            user.account_id,
            [
                queue.Cancelling(movie.id, "no longer qualifies: bob has not watched it", {"people": ["bob"]}),
                queue.Cancelling(v71.id, "it is no longer on the server", {}),
                queue.Cancelling(v72.id, "too late", {}),
            ],
            server_name="Home",
        )
        assert sorted(moved) == sorted([movie.id, v71.id])
    # A second time: they are cancelled already, nothing moves, nothing is logged.
    async with ctx.sessionmaker() as session, session.begin():
        assert (
            await queue.cancel_many(
                session, user.account_id, [queue.Cancelling(movie.id, "again", {})], server_name="Home"
            )
            == []
        )
    async with ctx.sessionmaker() as session:
        rows = {r.id: r for r in (await session.scalars(select(QueuedDeletion))).all()}
        assert (rows[movie.id].status, rows[movie.id].status_reason) == (
            "cancelled",
            "no longer qualifies: bob has not watched it",
        )
        assert rows[movie.id].finished_at is not None
        assert abs(rows[movie.id].finished_at - datetime.now(UTC)) < timedelta(minutes=1)
        assert (rows[v71.id].status, rows[v72.id].status, rows[v72.id].status_reason) == (
            "cancelled",
            "executing",
            None,
        )
        cancelled = (
            await session.scalars(
                select(DeletionEvent).where(DeletionEvent.event == "cancelled").order_by(DeletionEvent.id)
            )
        ).all()
        assert sorted((e.queue_id, e.message, e.server_name, e.title) for e in cancelled) == sorted(
            [
                (movie.id, "no longer qualifies: bob has not watched it", "Home", "The Matrix (1999)"),
                (v71.id, "it is no longer on the server", "Home", "Artist · Album · Song"),
            ]
        )
        assert next(e for e in cancelled if e.queue_id == movie.id).details == {"people": ["bob"]}
        assert next(e for e in cancelled if e.queue_id == v71.id).media_id == "71"


async def test_cancel_many_leaves_another_accounts_rows_alone(ctx: AppContext, signup: SignupFn) -> None:
    owner, other = await signup(), await signup()
    async with ctx.sessionmaker() as session, session.begin():
        world = await plant(session, owner.account_id)
        row = await queue.enqueue(
            session,
            connection=world.connection,
            target=queue.Target(world.movie),
            reason="watched",
            origin="schedule",
            due_at=DUE,
        )
        assert row is not None
    async with ctx.sessionmaker() as session, session.begin():
        assert (
            await queue.cancel_many(session, other.account_id, [queue.Cancelling(row.id, "x", {})], server_name="x")
            == []
        )
    async with ctx.sessionmaker() as session:
        stored = await session.get(QueuedDeletion, row.id)
        assert stored is not None and stored.status == "scheduled"
