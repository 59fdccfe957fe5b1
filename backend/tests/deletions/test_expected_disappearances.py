"""A file the deleter removed is absent from every server's next sync: that absence is explained —
counted gone at once, never part of a mass vanish that freezes deletions, never an unexplained loss."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from janitor.library.models import ExpectedDisappearance, MediaItem
from janitor.sync.models import SyncRun

from .conftest import World

MOVIES = ["matrix", "alien", "heat", "dune", "big", *(f"m{i}" for i in range(1, 9))]


async def latest_source(world: World, server: str = "plex") -> dict[str, Any]:
    async with world.ctx.sessionmaker() as session:
        run = await session.scalar(select(SyncRun).order_by(SyncRun.created_at.desc()).limit(1))
    assert run is not None
    source: dict[str, Any] = run.sources[str(world.connection(server))]
    return source


async def expectations(world: World) -> set[tuple[object, str]]:
    async with world.ctx.sessionmaker() as session:
        rows = await session.scalars(select(ExpectedDisappearance))
        return {(e.connection_id, e.upstream_id) for e in rows}


async def test_the_next_syncs_count_a_deleted_file_as_gone_on_every_server(world: World) -> None:
    await world.queue("matrix")
    await world.go_live()
    await world.run()
    assert len(await expectations(world)) == 2
    # Jellyfin's next library scan finds the file gone (the simulator keeps its mirror apart).
    await world.admin("/items/vanish", {"service": "jellyfin", "ids": [world.upstream_id("matrix", "jellyfin")]})
    await world.resync()
    assert (await latest_source(world))["status"] == "complete"
    assert (await latest_source(world, "jellyfin"))["status"] == "complete"
    assert (await world.item("matrix")).gone and (await world.item("matrix", "jellyfin")).gone
    assert await expectations(world) == set()  # settled by the complete passes


async def test_many_files_deleted_through_another_server_are_not_a_mass_vanish(world: World) -> None:
    """Every movie of the Plex library disappears at once: unexplained, it would be held back and freeze
    the server (test_guards.test_a_mass_vanish_freezes_the_server); deleted through Jellyfin, whose
    deleter expected them gone on Plex too, it is counted as it is."""
    now = datetime.now(UTC)
    ids = [world.upstream_id(n) for n in MOVIES]
    async with world.ctx.sessionmaker() as session, session.begin():
        for upstream_id in ids:
            session.add(
                ExpectedDisappearance(
                    connection_id=world.plex,
                    upstream_id=upstream_id,
                    account_id=world.account_id,
                    queue_id=world.account_id,
                    expected_at=now,
                )
            )
    await world.admin("/items/vanish", {"service": "pms:home", "ids": ids})
    await world.resync()
    source = await latest_source(world)
    assert source["status"] == "complete" and source["held_back"] == []
    for name in MOVIES:
        assert (await world.item(name)).gone, name  # at once, not after a second pass
    assert await expectations(world) == set()


async def test_an_expected_item_the_sync_still_finds_comes_back(world: World) -> None:
    """A copy judged the same file by mistake: the server still lists it, so it is there after all."""
    item = await world.item("dune", "jellyfin")
    async with world.ctx.sessionmaker() as session, session.begin():
        await session.execute(update(MediaItem).where(MediaItem.id == item.id).values(gone=True))
        session.add(
            ExpectedDisappearance(
                connection_id=world.jellyfin,
                upstream_id=item.upstream_id,
                account_id=world.account_id,
                queue_id=world.account_id,
                expected_at=datetime.now(UTC),
            )
        )
    await world.resync()
    assert not (await world.item("dune", "jellyfin")).gone
    assert await expectations(world) == set()
