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
