"""Each guard of the deleter, against the simulator: with the guard in place the row is not deleted
(it waits or is cancelled, with the reason in the audit log); the same world without the cause is
deleted, so each test fails if its guard is taken away."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from janitor.allowlists.models import AllowlistEntry
from janitor.core.config import Settings
from janitor.deletions.models import AuditEvent, DeletionEvent, DeletionSettings, ServiceFlag
from janitor.library.models import MediaItem
from janitor.sync.models import SyncRun
from janitor.sync.vanish import freezes

from .conftest import World


async def audit(world: World, row_id: uuid.UUID) -> list[tuple[str, str | None, dict[str, Any]]]:
    async with world.ctx.sessionmaker() as session:
        rows = await session.execute(
            select(DeletionEvent.event, DeletionEvent.message, DeletionEvent.details)
            .where(DeletionEvent.queue_id == row_id)
            .order_by(DeletionEvent.id)
        )
    return [(e, m, d) for e, m, d in rows.all()]


async def settings(world: World, **values: Any) -> None:
    async with world.ctx.sessionmaker() as session, session.begin():
        session.add(DeletionSettings(account_id=world.account_id, **values))


async def assert_waits(world: World, row_id: uuid.UUID, words: str) -> None:
    assert (await world.row(row_id)).status == "scheduled"
    assert world.deletes() == []
    skipped = [(m, d) for e, m, d in await audit(world, row_id) if e == AuditEvent.SKIPPED]
    assert skipped, "no skip recorded"
    assert words in (skipped[-1][0] or ""), skipped[-1][0]
    assert skipped[-1][1]["checks"][-1]["ok"] is False


async def assert_cancelled(world: World, row_id: uuid.UUID, words: str) -> None:
    row = await world.row(row_id)
    assert row.status == "cancelled", row.status
    assert words in (row.status_reason or ""), row.status_reason
    assert world.deletes() == []
    cancelled = [(m, d) for e, m, d in await audit(world, row_id) if e == AuditEvent.CANCELLED]
    assert len(cancelled) == 1 and cancelled[0][0] == row.status_reason
    # Every check up to the one that failed is recorded with what it found.
    assert all(c["ok"] for c in cancelled[0][1]["checks"][:-1])


async def deletes_once_cleared(world: World, row_id: uuid.UUID) -> None:
    await world.run()
    assert (await world.row(row_id)).status == "deleted"
    assert len(world.deletes()) == 1


# ---------------------------------------------------------------- 1. kill switches


@pytest.mark.parametrize("switch", ["service_flag", "setting", "account"])
async def test_kill_switches_stop_everything_and_log_once(world: World, switch: str) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    if switch == "service_flag":
        async with world.ctx.sessionmaker() as session, session.begin():
            session.add(ServiceFlag(key="deletions_disabled", enabled=True, note="maintenance"))
        words = "the operator has turned deletions off for this service: maintenance"
    elif switch == "setting":
        world.ctx.settings = world.ctx.settings.model_copy(update={"deletions_disabled": True})
        words = "JANITOR_DELETIONS_DISABLED"
    else:
        await settings(world, paused=True)
        words = "deletions are paused for this account"
    await world.run()
    await world.run()
    await assert_waits(world, row.id, words)
    # Once per reason, not on every run.
    assert [e for e, _, _ in await audit(world, row.id)].count(AuditEvent.SKIPPED) == 1
    if switch == "service_flag":
        async with world.ctx.sessionmaker() as session, session.begin():
            await session.execute(update(ServiceFlag).values(enabled=False))
    elif switch == "setting":
        world.ctx.settings = world.ctx.settings.model_copy(update={"deletions_disabled": False})
    else:
        async with world.ctx.sessionmaker() as session, session.begin():
            await session.execute(update(DeletionSettings).values(paused=False))
    await deletes_once_cleared(world, row.id)


def test_the_operator_switch_is_a_setting() -> None:
    assert Settings(deletions_disabled="true").deletions_disabled is True  # type: ignore[arg-type]


# ---------------------------------------------------------------- 2. allowlists, read at execution


async def protect(world: World, connection_id: uuid.UUID, upstream_id: str, title: str = "x", **extra: Any) -> None:
    async with world.ctx.sessionmaker() as session, session.begin():
        session.add(
            AllowlistEntry(
                account_id=world.account_id,
                list="protected",
                connection_id=connection_id,
                upstream_id=upstream_id,
                title=title,
                **extra,
            )
        )


async def test_an_item_protected_after_it_was_queued_is_not_deleted(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    await protect(world, world.plex, world.upstream_id("matrix"), "The Matrix")
    await world.run()
    await assert_cancelled(world, row.id, "protected (list protected")


async def test_protection_through_the_show_or_the_other_servers_copy(world: World) -> None:
    episode = await world.queue("e1")
    movie = await world.queue("alien")
    await world.go_live()
    show = (await world.item("e1")).grandparent_id
    assert show is not None
    await protect(world, world.plex, show, "Old Show")
    # Alien is protected through Jellyfin's copy of the same file.
    await protect(world, world.jellyfin, world.upstream_id("alien", "jellyfin"), "Alien")
    await world.run()
    await assert_cancelled(world, episode.id, "through its show Old Show")
    await assert_cancelled(world, movie.id, "protected (list protected)")


async def test_an_expired_protection_protects_nothing(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    await protect(world, world.plex, world.upstream_id("matrix"), expires_at=datetime.now(UTC) - timedelta(days=1))
    await deletes_once_cleared(world, row.id)


# ---------------------------------------------------------------- 3. fingerprint


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"added_at": datetime(2025, 6, 1, tzinfo=UTC)}, "the file was added again"),
        ("replaced", "the file was replaced"),
        ({"gone": True}, "no longer on the server"),
        ({"missing_runs": 1}, "the last complete sync did not find it"),
    ],
)
async def test_a_target_that_changed_since_it_was_queued_is_dropped(
    world: World, change: dict[str, Any] | str, words: str
) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    item = await world.item("matrix")
    if change == "replaced":
        parts = [{**p, "file": "/data/movies/matrix-remux.mkv", "size": 30_000_000_000} for p in item.parts]
        values: dict[str, Any] = {"parts": parts, "size_bytes": 30_000_000_000}
    else:
        assert isinstance(change, dict)
        values = change
    async with world.ctx.sessionmaker() as session, session.begin():
        await session.execute(update(MediaItem).where(MediaItem.id == item.id).values(**values))
    await world.run()
    await assert_cancelled(world, row.id, words)


async def test_a_file_redated_on_the_server_and_synced_again_is_dropped(world: World) -> None:
    row = await world.queue("dune")
    await world.go_live()
    await world.admin(
        "/items/added", {"service": "pms:home", "ids": [world.upstream_id("dune")], "added_at": "2025-12-01T00:00:00Z"}
    )
    await world.resync()
    await world.run()
    await assert_cancelled(world, row.id, "the file was added again")


# ---------------------------------------------------------------- 4. the sync behind the decision


async def latest_sync(world: World, **values: Any) -> None:
    async with world.ctx.sessionmaker() as session, session.begin():
        latest = await session.scalar(select(SyncRun).order_by(SyncRun.created_at.desc()).limit(1))
        assert latest is not None
        for key, value in values.items():
            setattr(latest, key, value)


async def test_an_incomplete_sync_of_the_server_makes_rows_wait(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    async with world.ctx.sessionmaker() as session:
        latest = await session.scalar(select(SyncRun).order_by(SyncRun.created_at.desc()).limit(1))
        assert latest is not None
        sources = dict(latest.sources)
    key = str(world.plex)
    sources[key] = {**sources[key], "status": "partial", "error": "Movies: page 3 failed"}
    await latest_sync(world, sources=sources, status="partial")
    await world.run()
    await assert_waits(world, row.id, "the last sync of this server was not complete (partial: Movies: page 3 failed)")
    sources[key] = {**sources[key], "status": "complete", "error": None}
    await latest_sync(world, sources=sources, status="complete")
    await deletes_once_cleared(world, row.id)


async def test_an_old_sync_makes_rows_wait(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    await world.run(now=datetime.now(UTC) + timedelta(hours=40))
    await assert_waits(world, row.id, "h old (deletions need one from the last 36 h)")
    await settings(world, sync_max_age_hours=48)
    await world.run(now=datetime.now(UTC) + timedelta(hours=40))
    assert (await world.row(row.id)).status == "deleted"


async def test_stale_derived_data_makes_rows_wait(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    await latest_sync(world, derived_stale=True, derived_error="the report figures could not be rebuilt")
    await world.run()
    await assert_waits(world, row.id, "not rebuilt after the last sync (the report figures could not be rebuilt)")
    await latest_sync(world, derived_stale=False, derived_error=None)
    await deletes_once_cleared(world, row.id)


async def test_a_running_sync_makes_rows_wait(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    async with world.ctx.sessionmaker() as session, session.begin():
        session.add(SyncRun(account_id=world.account_id, trigger="manual", status="running", sources={}))
    await world.run()
    await assert_waits(world, row.id, "a sync is running")


async def test_a_mass_vanish_freezes_the_server(world: World) -> None:
    """Most of the Movies library vanishes without a DELETE (a lost mount): the sync holds it back, and
    the server's deletions freeze, with the reason. A complete refresh settles nothing (only a full
    pass notices removed items): the freeze holds until a full sync reads the server completely."""
    row = await world.queue("matrix")
    await world.go_live()
    movies = [world.upstream_id(n) for n in ("alien", "heat", "dune", "big", *(f"m{i}" for i in range(1, 9)))]
    await world.admin("/items/vanish", {"service": "pms:home", "ids": movies})
    await world.resync()
    await world.run()
    await assert_waits(world, row.id, "are frozen: Movies: 12 of 13 items vanished at once")
    async with world.ctx.sessionmaker() as session:
        (freeze,) = (await freezes(session, world.account_id)).values()
    assert freeze.connection_id == world.connection("plex")
    assert [(lib.title, lib.vanished, lib.known) for lib in freeze.libraries] == [("Movies", 12, 13)]
    # The mount comes back; a refresh reads the server completely, yet decides nothing about vanishes.
    world.sim.app.reset()
    r = await world.api.post("/api/v1/sync/runs", headers=world.user.headers)
    assert r.status_code == 202, r.text
    await world.run_job(world.user)
    runs = (await world.api.get("/api/v1/sync/runs", headers=world.user.headers)).json()
    assert (runs[0]["full"], runs[0]["status"]) == (False, "complete")
    await world.run()
    await assert_waits(world, row.id, "are frozen: Movies: 12 of 13 items vanished at once")
    # The next full sync finds the items again: it lifts the freeze.
    await world.resync()
    await deletes_once_cleared(world, row.id)
