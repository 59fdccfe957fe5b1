"""Caps per run and per day (count and bytes), the lower first real run, and duplicates: the group
keeps a copy, and a version delete takes that version only, never the item's last one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from janitor.deletions.models import DeletionStatus, QueuedDeletion
from janitor.library.models import MediaItem

from .conftest import World
from .test_guards import assert_cancelled, assert_waits, settings

SMALL = [f"m{i}" for i in range(1, 9)]


async def statuses(world: World, rows: list[QueuedDeletion]) -> list[str]:
    return [(await world.row(r.id)).status for r in rows]


async def test_the_run_cap_by_count_lets_the_oldest_go_first(world: World) -> None:
    rows = [await world.queue(n, due=timedelta(hours=-10 + i)) for i, n in enumerate(SMALL[:4])]
    await settings(world, max_run_items=2)
    await world.go_live()
    await world.run()
    assert await statuses(world, rows) == ["deleted", "deleted", "scheduled", "scheduled"]
    await assert_waits_any(world, rows[2], "this run reached its cap of 2 item(s)")
    await world.run()
    assert await statuses(world, rows) == ["deleted"] * 4


async def assert_waits_any(world: World, row: QueuedDeletion, words: str) -> None:
    saved = world.deletes
    world.deletes = lambda: []  # type: ignore[method-assign]  # others were deleted: only this row matters
    try:
        await assert_waits(world, row.id, words)
    finally:
        world.deletes = saved  # type: ignore[method-assign]


async def test_the_first_real_run_after_dry_run_is_capped_lower(world: World) -> None:
    rows = [await world.queue(n) for n in SMALL[:4]]
    await settings(world, first_live_run_items=1)
    await world.go_live(live_runs=0)
    await world.run()
    assert sorted(await statuses(world, rows)) == ["deleted", "scheduled", "scheduled", "scheduled"]
    waiting = [r for r, s in zip(rows, await statuses(world, rows), strict=True) if s == "scheduled"]
    await assert_waits_any(world, waiting[0], "the first real run after dry-run deletes at most 1 item(s)")
    await world.run()  # the second real run has the normal cap
    assert await statuses(world, rows) == ["deleted"] * 4


async def test_the_run_cap_by_bytes(world: World) -> None:
    big = await world.queue("matrix")  # 8 GB
    small = await world.queue("alien")  # 6 GB
    await settings(world, max_run_bytes=7_000_000_000)
    await world.go_live()
    await world.run()
    assert await statuses(world, [big, small]) == ["scheduled", "deleted"]
    await assert_waits_any(world, big, "past its cap of 7 GB")


async def test_the_day_caps_count_the_last_24_hours(world: World) -> None:
    earlier = [await world.queue(n) for n in SMALL[:2]]
    await settings(world, max_day_items=3, max_day_bytes=100_000_000_000)
    await world.go_live()
    await world.run()
    assert await statuses(world, earlier) == ["deleted", "deleted"]
    later = [await world.queue(n) for n in SMALL[2:4]]
    await world.run()
    assert sorted(await statuses(world, later)) == ["deleted", "scheduled"]
    waiting = next(r for r, s in zip(later, await statuses(world, later), strict=True) if s == "scheduled")
    await assert_waits_any(world, waiting, "the daily cap of 3 item(s) in 24 h is reached")
    # The day is a sliding 24 h: once the first deletions are older, the rest may go.
    async with world.ctx.sessionmaker() as session, session.begin():
        await session.execute(
            update(QueuedDeletion)
            .where(QueuedDeletion.id.in_([r.id for r in earlier]))
            .values(finished_at=QueuedDeletion.finished_at - timedelta(hours=25))
        )
    await world.run()
    assert await statuses(world, later) == ["deleted", "deleted"]


async def test_the_day_cap_by_bytes(world: World) -> None:
    row = await world.queue("big")  # 60 GB
    await settings(world, max_day_bytes=50_000_000_000)
    await world.go_live()
    await world.run()
    await assert_waits(world, row.id, "it would pass the daily cap of 50 GB in 24 h")


async def test_caps_do_not_hide_anything_from_a_dry_run(world: World) -> None:
    rows = [await world.queue(n) for n in SMALL[:3]]
    await settings(world, max_run_items=1)
    outcome = await world.run()
    assert outcome is not None and outcome.tally.dry_run == 3
    assert all(r.dry_run_at is not None for r in [await world.row(r.id) for r in rows])


# ---------------------------------------------------------------- duplicates and versions


async def versions(world: World, name: str) -> list[str]:
    return list(dict.fromkeys(str(p["media_id"]) for p in (await world.item(name)).parts))


def ref(world: World, name: str, media_id: str = "") -> dict[str, Any]:
    return {"connection_id": str(world.plex), "upstream_id": world.upstream_id(name), "media_id": media_id}


async def test_a_version_delete_takes_that_version_only(world: World) -> None:
    first, fourk = await versions(world, "heat")
    group = {
        "group_id": "g1",
        "keeper": ref(world, "heat", first),
        "members": [ref(world, "heat", first), ref(world, "heat", fourk)],
    }
    row = await world.queue("heat", reason="duplicate", media_id=fourk, details=group)
    await world.go_live()
    await world.run()
    assert (await world.row(row.id)).status == "deleted"
    (deleted,) = world.deletes()
    assert (deleted["kind"], deleted["ratingKey"], str(deleted["mediaId"])) == (
        "delete_media",
        world.upstream_id("heat"),
        fourk,
    )
    item = await world.item("heat")
    assert not item.gone and [p["media_id"] for p in item.parts] == [first]
    assert item.size_bytes == 4_000_000_000
    # The server still has the item with its other version.
    await world.resync()
    assert await versions(world, "heat") == [first]


async def test_the_last_version_is_never_deleted(world: World) -> None:
    (only,) = await versions(world, "matrix")
    group = {
        "group_id": "g1",
        "keeper": ref(world, "alien"),
        "members": [ref(world, "matrix", only), ref(world, "alien")],
    }
    row = await world.queue("matrix", reason="duplicate", media_id=only, details=group)
    await world.go_live()
    await world.run()
    await assert_cancelled(world, row.id, "it is the item's last version")


async def test_a_version_is_not_deleted_when_the_server_has_only_that_one_left(world: World) -> None:
    """Synced with two versions, but on the server the other one has gone since: the live listing,
    read just before, refuses it."""
    first, fourk = await versions(world, "heat")
    group = {"group_id": "g1", "keeper": ref(world, "heat", first), "members": [ref(world, "heat", fourk)]}
    row = await world.queue("heat", reason="duplicate", media_id=fourk, details=group)
    state = world.sim.app.state
    state.world.pms("home").items[int(world.upstream_id("heat"))].media.pop(0)
    state.forget_parts("home", int(world.upstream_id("heat")))
    state.invalidate()
    await world.go_live()
    await world.run()
    await assert_cancelled(world, row.id, "last version on the server now")


async def test_a_duplicate_goes_only_while_its_group_keeps_a_copy(world: World) -> None:
    group = {"group_id": "g2", "keeper": ref(world, "alien"), "members": [ref(world, "alien"), ref(world, "dune")]}
    # The keeper is queued for deletion itself: the group would keep nothing.
    keeper_row = await world.queue("alien", due=timedelta(hours=5))
    row = await world.queue("dune", reason="duplicate", details=group)
    await world.go_live()
    await world.run()
    await assert_cancelled(world, row.id, "the group would keep no copy")
    assert (await world.row(keeper_row.id)).status == "scheduled"


async def test_a_duplicate_whose_keeper_is_gone_is_dropped_and_one_with_a_keeper_goes(world: World) -> None:
    lost = {"group_id": "g3", "keeper": ref(world, "m1"), "members": [ref(world, "m1"), ref(world, "m2")]}
    kept = {"group_id": "g4", "keeper": ref(world, "m3"), "members": [ref(world, "m3"), ref(world, "m4")]}
    dropped = await world.queue("m2", reason="duplicate", details=lost)
    going = await world.queue("m4", reason="duplicate", details=kept)
    async with world.ctx.sessionmaker() as session, session.begin():
        await session.execute(
            update(MediaItem)
            .where(MediaItem.connection_id == world.plex, MediaItem.upstream_id == world.upstream_id("m1"))
            .values(gone=True)
        )
    await world.go_live()
    await world.run()
    assert (await world.row(dropped.id)).status == DeletionStatus.CANCELLED
    assert (await world.row(going.id)).status == DeletionStatus.DELETED
    assert [d["ratingKey"] for d in world.deletes()] == [world.upstream_id("m4")]


async def test_a_duplicate_without_its_group_is_dropped(world: World) -> None:
    row = await world.queue("dune", reason="duplicate", details={})
    await world.go_live()
    await world.run()
    await assert_cancelled(world, row.id, "the duplicate group is not recorded with the row")
