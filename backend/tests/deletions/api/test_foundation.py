"""The queue's primitives: enqueue takes the fingerprint and writes one audit event (twice is
harmless), ``move`` is a compare-and-set only one of two racing callers wins, and ``differences``
names every way a target can have changed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from janitor.connections.models import Connection
from janitor.core.deps import AppContext
from janitor.deletions import fingerprint
from janitor.deletions.models import DeletionEvent, DeletionStatus, QueuedDeletion
from janitor.deletions.queue import Target, active_row, enqueue, move

from .conftest import World, item

DUE = datetime.now(UTC) + timedelta(hours=24)


async def _enqueue(ctx: AppContext, world: World, label: str, media_id: str = "") -> QueuedDeletion | None:
    target = await item(ctx, world.plex, world.rk(label))
    async with ctx.sessionmaker() as session, session.begin():
        connection = await session.get(Connection, world.plex)
        assert connection is not None
        return await enqueue(
            session,
            connection=connection,
            target=Target(target, media_id),
            reason="stale",
            origin="owner",
            due_at=DUE,
            details={"why": "planted"},
        )


async def _events(ctx: AppContext) -> list[DeletionEvent]:
    async with ctx.sessionmaker() as session:
        return list((await session.scalars(select(DeletionEvent).order_by(DeletionEvent.id))).all())


async def test_enqueue_takes_the_fingerprint_and_records_one_event(ctx: AppContext, world: World) -> None:
    row = await _enqueue(ctx, world, "forgotten")
    assert row is not None
    synced = await item(ctx, world.plex, world.rk("forgotten"))
    async with ctx.sessionmaker() as session:
        connection = await session.get(Connection, world.plex)
    assert connection is not None and connection.server_id
    assert row.fingerprint == fingerprint.take(synced, server_id=connection.server_id)
    assert row.fingerprint["server_id"] == connection.server_id
    assert row.fingerprint["parts"] and row.fingerprint["parts"][0]["file"]
    assert row.size_bytes == row.fingerprint["size"] == synced.size_bytes == 4_000_000_000
    assert (row.title, row.kind, row.status, row.library_id) == (
        "Forgotten (2020)",
        "movie",
        "scheduled",
        synced.library_id,
    )
    events = await _events(ctx)
    assert [(e.event, e.queue_id, e.server_name, e.title, e.details) for e in events] == [
        ("queued", row.id, connection.name, "Forgotten (2020)", {"why": "planted"})
    ]


async def test_a_second_enqueue_of_the_same_target_changes_nothing(ctx: AppContext, world: World) -> None:
    first = await _enqueue(ctx, world, "forgotten")
    assert first is not None
    assert await _enqueue(ctx, world, "forgotten") is None
    assert len(await _events(ctx)) == 1
    async with ctx.sessionmaker() as session:
        found = await active_row(
            session, world.user.account_id, connection_id=world.plex, item_upstream_id=world.rk("forgotten")
        )
        assert found is not None and found.id == first.id
        # another tenant asking for the same target finds nothing
        assert (
            await active_row(session, uuid.uuid4(), connection_id=world.plex, item_upstream_id=world.rk("forgotten"))
            is None
        )
    # once the row is finished, the target may be queued again (a new row)
    async with ctx.sessionmaker() as session, session.begin():
        assert await move(session, first.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.CANCELLED)
    again = await _enqueue(ctx, world, "forgotten")
    assert again is not None and again.id != first.id
    assert [e.event for e in await _events(ctx)] == ["queued", "queued"]


async def test_one_version_is_its_own_target_with_only_its_parts(ctx: AppContext, world: World) -> None:
    synced = await item(ctx, world.plex, world.rk("versions"))
    media = [str(p["media_id"]) for p in synced.parts]
    assert len(set(media)) == 2
    row = await _enqueue(ctx, world, "versions", media_id=media[1])
    assert row is not None
    assert row.media_id == media[1]
    assert [p["part_id"] for p in row.fingerprint["parts"]] == [str(synced.parts[1]["part_id"])]
    assert row.size_bytes == 30_000_000_000
    events = await _events(ctx)
    assert events[0].media_id == media[1]


async def test_move_is_a_compare_and_set_only_one_racer_wins(ctx: AppContext, world: World) -> None:
    row = await _enqueue(ctx, world, "forgotten")
    assert row is not None
    go = asyncio.Event()

    async def racer() -> bool:
        async with ctx.sessionmaker() as session, session.begin():
            await go.wait()
            moved = await move(session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.EXECUTING)
            await asyncio.sleep(0.05)  # hold the row's lock while the other racer waits on it
            return moved

    tasks = [asyncio.create_task(racer()) for _ in range(2)]
    await asyncio.sleep(0.01)
    go.set()
    assert sorted(await asyncio.gather(*tasks)) == [False, True]
    async with ctx.sessionmaker() as session, session.begin():
        # the loser's expectation is stale: nothing changes
        assert not await move(session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.CANCELLED)
        assert await move(
            session, row.id, expected=DeletionStatus.EXECUTING, to=DeletionStatus.DELETED, reason="verified gone"
        )
    async with ctx.sessionmaker() as session:
        done = await session.get(QueuedDeletion, row.id)
    assert done is not None
    assert (done.status, done.status_reason) == ("deleted", "verified gone")
    assert done.finished_at is not None


async def test_a_move_that_stays_active_leaves_finished_at_empty(ctx: AppContext, world: World) -> None:
    row = await _enqueue(ctx, world, "forgotten")
    assert row is not None
    later = DUE + timedelta(hours=5)
    async with ctx.sessionmaker() as session, session.begin():
        assert await move(session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.SCHEDULED, due_at=later)
    async with ctx.sessionmaker() as session:
        moved = await session.get(QueuedDeletion, row.id)
    assert moved is not None
    assert (moved.status, moved.due_at, moved.finished_at) == ("scheduled", later, None)


def _print(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "server_id": "abc",
        "item": "101",
        "media_id": "",
        "parts": [{"part_id": "7", "file": "/data/m.mkv", "size": 8}],
        "size": 8,
        "added_at": "2024-01-01T00:00:00+00:00",
    }
    return {**base, **changes}


def test_differences_names_each_change() -> None:
    assert fingerprint.differences(_print(), _print()) == []
    assert fingerprint.differences(_print(), _print(server_id="other")) == ["the server is another one"]
    assert fingerprint.differences(_print(), _print(item="102")) == ["the item id changed"]
    assert fingerprint.differences(_print(), _print(media_id="9")) == ["the version changed"]
    replaced = _print(parts=[{"part_id": "8", "file": "/data/m.mkv", "size": 8}])
    assert fingerprint.differences(_print(), replaced) == ["the file was replaced (other path, part or size)"]
    moved = _print(parts=[{"part_id": "7", "file": "/data/other.mkv", "size": 8}])
    assert fingerprint.differences(_print(), moved) == ["the file was replaced (other path, part or size)"]
    assert fingerprint.differences(_print(), _print(size=9)) == ["the size changed"]
    assert fingerprint.differences(_print(), _print(added_at="2025-01-01T00:00:00+00:00")) == [
        "the file was added again (a new added date)"
    ]
    assert fingerprint.differences(_print(), _print(added_at=None)) == ["the file was added again (a new added date)"]
    # a version gone: no parts now
    gone = fingerprint.differences(_print(), _print(parts=[], size=0))
    assert gone == ["the file was replaced (other path, part or size)", "the size changed"]


async def test_take_after_a_file_is_replaced_differs(ctx: AppContext, world: World) -> None:
    """The fingerprint taken from the item as synced: a new part (a replaced file) or a new added
    date is a difference, and the same item unchanged is none."""
    synced = await item(ctx, world.plex, world.rk("forgotten"))
    queued = fingerprint.take(synced, server_id="abc")
    assert fingerprint.differences(queued, fingerprint.take(synced, server_id="abc")) == []
    synced.parts = [{**synced.parts[0], "part_id": "999999", "file": "/data/new.mkv"}]
    synced.added_at = datetime.now(UTC)
    assert fingerprint.differences(queued, fingerprint.take(synced, server_id="abc")) == [
        "the file was replaced (other path, part or size)",
        "the file was added again (a new added date)",
    ]
    # a version asked for that the item no longer has: no parts, a difference
    assert "the file was replaced (other path, part or size)" in fingerprint.differences(
        fingerprint.take(synced, server_id="abc", media_id=str(synced.parts[0]["media_id"])),
        fingerprint.take(synced, server_id="abc", media_id="nope"),
    )
