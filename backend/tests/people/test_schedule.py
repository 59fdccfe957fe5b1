"""The watch-based schedule against a real sync of simulated servers (deletions/schedule.py)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from janitor.allowlists.models import AllowlistEntry
from janitor.connections.models import Library
from janitor.deletions.models import AuditEvent, DeletionSettings, DeletionStatus, LibraryDeletionDelay

from .conftest import NOW, SHOWS, Household, events, queue_rows, scenario, schedule

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_an_episode_both_assignees_watched_is_queued_for_now_plus_24_hours(household: Household) -> None:
    home = household
    alice, bob = await home.person(home.plex, "alice"), await home.person(home.plex, "bob")
    await home.assign("show", alice, bob)
    await home.play("s1e1", "alice")
    await home.play("s1e1", "bob")
    await home.play("s1e2", "alice")  # bob has not watched E2
    await home.sync(full=False)
    outcome = await schedule(home)
    assert (outcome.queued, outcome.cancelled, outcome.frozen) == (1, 0, [])
    [row] = await queue_rows(home)
    assert row.item_upstream_id == home.rk("s1e1")
    assert (row.reason, row.origin, row.status, row.kind) == ("watched", "schedule", "scheduled", "episode")
    assert row.due_at == NOW + timedelta(hours=24)
    assert [p["name"] for p in row.details["people"]] == ["alice", "bob"]
    assert all(p["state"] == "watched" and p["at"] for p in row.details["people"])
    [queued] = await events(home)
    assert queued.event == AuditEvent.QUEUED and queued.details["people"] == row.details["people"]
    # Running it again changes nothing.
    again = await schedule(home)
    assert (again.queued, again.cancelled) == (0, 0)
    assert len(await queue_rows(home)) == 1 and len(await events(home)) == 1


async def test_a_play_before_the_file_was_added_queues_nothing(household: Household) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("film", alice)
    await home.play("film", "alice", at=NOW - timedelta(days=31))  # the file was added 30 days ago
    await home.sync(full=False)
    assert (await schedule(home)).queued == 0
    assert await queue_rows(home) == []


async def test_a_future_dated_play_makes_the_answer_unknown_and_queues_nothing(household: Household) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("film", alice)
    await home.assign("other", alice)
    await home.play("other", "alice")  # a plain play today...
    await home.play("film", "alice", at=NOW + timedelta(days=3))  # ...and one dated in the future
    await home.sync(full=False)
    assert (await schedule(home)).queued == 0
    # A clock wrong once may be wrong for every date it gave: alice's other answers are unknown too.
    from janitor.deletions.watched import watched_verdict

    async with home.ctx.sessionmaker() as session:
        other = await watched_verdict(
            session, home.account_id, connection_id=home.plex.id, item_upstream_id=home.rk("other"), now=NOW
        )
    assert other.qualifies is None and "in the future" in other.why


async def test_an_ended_assignment_no_longer_counts(household: Household) -> None:
    home = household
    alice, bob = await home.person(home.plex, "alice"), await home.person(home.plex, "bob")
    await home.assign("film", alice, ends_at=NOW - timedelta(hours=1))  # alice dropped out
    await home.assign("film", bob)
    await home.assign("other", alice, ends_at=NOW - timedelta(hours=1))  # nobody left
    await home.play("film", "bob")
    await home.play("other", "alice")
    await home.sync(full=False)
    assert (await schedule(home)).queued == 1
    [row] = await queue_rows(home)
    assert row.item_upstream_id == home.rk("film")
    assert [p["name"] for p in row.details["people"]] == ["bob"]
    # An end still ahead counts: alice assigned until tomorrow, not watched, keeps the film.
    async with home.ctx.sessionmaker() as session, session.begin():
        row = (await session.scalars(select(type(row)).where(type(row).id == row.id))).one()
        row.status = DeletionStatus.CANCELLED  # start over
    await home.assign("other", bob, ends_at=NOW + timedelta(days=1))
    assert (await schedule(home)).queued == 1  # the film again (alice's ended one is ignored)...
    assert home.rk("other") not in {r.item_upstream_id for r in await queue_rows(home, "scheduled")}


async def test_a_newly_assigned_person_who_has_not_watched_cancels_the_row_with_the_reason(
    household: Household,
) -> None:
    home = household
    alice, bob = await home.person(home.plex, "alice"), await home.person(home.plex, "bob")
    await home.assign("film", alice)
    await home.play("film", "alice")
    await home.sync(full=False)
    assert (await schedule(home)).queued == 1
    await home.assign("film", bob)
    outcome = await schedule(home)
    assert (outcome.queued, outcome.cancelled) == (0, 1)
    [row] = await queue_rows(home)
    assert row.status == DeletionStatus.CANCELLED
    assert row.status_reason is not None and "bob has not watched it" in row.status_reason
    cancelled = [e for e in await events(home) if e.event == AuditEvent.CANCELLED]
    assert len(cancelled) == 1 and cancelled[0].message == row.status_reason
    # Bob watches it: queued again, as a new row.
    await home.play("film", "bob")
    await home.sync(full=False)
    assert (await schedule(home)).queued == 1
    assert len(await queue_rows(home, "scheduled")) == 1


async def test_unassigned_or_protected_rows_are_cancelled(household: Household) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("film", alice)
    await home.assign("other", alice)
    await home.play("film", "alice")
    await home.play("other", "alice")
    await home.sync(full=False)
    assert (await schedule(home)).queued == 2
    async with home.ctx.sessionmaker() as session, session.begin():
        from janitor.people.models import Assignment

        await session.execute(Assignment.__table__.delete().where(Assignment.item_upstream_id == home.rk("film")))
        session.add(
            AllowlistEntry(
                account_id=home.account_id,
                list="protected",
                connection_id=home.plex.id,
                upstream_id=home.rk("other"),
                title="Other Film",
            )
        )
    assert (await schedule(home)).cancelled == 2
    reasons = {r.item_upstream_id: r.status_reason for r in await queue_rows(home)}
    assert reasons[home.rk("film")] == "no longer qualifies: nobody is assigned to it"
    assert reasons[home.rk("other")] == "no longer qualifies: it is on the protected list"


async def test_whole_seasons_are_queued_once_every_episode_is_watched(household: Household) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("show", alice)
    for label in ("s1e1", "s1e2"):
        await home.play(label, "alice")
    await home.sync(full=False)
    async with home.ctx.sessionmaker() as session, session.begin():
        session.add(DeletionSettings(account_id=home.account_id, whole_seasons=True, delay_hours=48))
    assert (await schedule(home)).queued == 1
    [row] = await queue_rows(home)
    assert row.kind == "season" and row.title.endswith("Season 1")
    assert row.due_at == NOW + timedelta(hours=48)
    episodes = row.details["people"][0]["episodes"]
    assert [e["label"] for e in episodes] == ["S01E01", "S01E02"]
    # Back to episodes one by one: the season row is cancelled, each episode queued.
    async with home.ctx.sessionmaker() as session, session.begin():
        found = await session.get(DeletionSettings, home.account_id)
        assert found is not None
        found.whole_seasons = False
    outcome = await schedule(home)
    assert (outcome.queued, outcome.cancelled) == (2, 1)
    assert {r.kind for r in await queue_rows(home, "scheduled")} == {"episode"}


async def test_a_library_delay_overrides_the_account_delay(household: Household) -> None:
    home = household
    alice = await home.person(home.plex, "alice")
    await home.assign("film", alice)
    await home.play("film", "alice")
    await home.sync(full=False)
    async with home.ctx.sessionmaker() as session, session.begin():
        movies = await session.scalar(
            select(Library).where(Library.connection_id == home.plex.id, Library.title == "Movies")
        )
        assert movies is not None
        session.add(
            LibraryDeletionDelay(
                library_id=movies.id, account_id=home.account_id, connection_id=home.plex.id, delay_hours=3
            )
        )
    await schedule(home)
    [row] = await queue_rows(home)
    assert row.due_at == NOW + timedelta(hours=3)


async def test_a_mass_vanish_freezes_the_schedule(household: Household) -> None:
    home = household
    alice, bob = await home.person(home.plex, "alice"), await home.person(home.plex, "bob")
    await home.assign("film", alice)
    await home.play("film", "alice")
    await home.sync(full=False)
    assert (await schedule(home)).queued == 1
    # Bob is assigned: the row no longer qualifies. But the movies vanished at once (a lost mount):
    # the server's sync is held back, and the schedule decides nothing, cancels nothing.
    await home.assign("film", bob)
    await home.assign("other", alice)
    await home.play("other", "alice")
    r = httpx.post(
        f"{home.sim.url}/_admin/items/vanish",
        json={"service": "pms:home", "ids": [home.rk("film"), home.rk("other")]},
    )
    assert r.status_code == 200, r.text
    run = await home.sync(full=True)
    assert run["status"] != "complete"
    outcome = await schedule(home)
    assert (outcome.queued, outcome.cancelled) == (0, 0)
    assert outcome.frozen and "did not complete" in outcome.frozen[0].reason
    [row] = await queue_rows(home)
    assert row.status == DeletionStatus.SCHEDULED
    # A refresh reads the server completely but cannot see vanishes: the server stays frozen.
    assert (await home.sync(full=False))["status"] == "complete"
    outcome = await schedule(home)
    assert (outcome.queued, outcome.cancelled) == (0, 0)
    assert [(f.connection_id, "are frozen: Movies:" in f.reason) for f in outcome.frozen] == [(home.plex.id, True)]
    # The mount is back: a full sync reads the server completely, and the schedule decides again.
    for it in home.sim.state.world.pms("home").items.values():
        it.deleted = False
    home.sim.state.invalidate()
    assert (await home.sync(full=True))["status"] == "complete"
    outcome = await schedule(home)
    assert (outcome.frozen, outcome.cancelled) == ([], 1)  # Bob has not watched the film


@pytest.mark.parametrize("world", [scenario(shows=SHOWS, version="10.11.5")], indirect=True)
async def test_a_jellyfin_user_whose_data_could_not_be_read_is_unknown(household: Household) -> None:
    home = household
    alice = await home.person(home.jellyfin, "alice")
    await home.assign("show", alice, on=home.jellyfin)
    r = httpx.post(
        f"{home.sim.url}/_admin/faults",
        json={"server": "jellyfin", "route": "/Items", "total_size_delta": 3},
    )
    assert r.status_code == 201, r.text
    run = await home.sync(full=False)
    assert run["status"] == "partial"
    await schedule(home)
    from janitor.deletions.watched import watched_verdict

    async with home.ctx.sessionmaker() as session:
        found = await watched_verdict(
            session,
            home.account_id,
            connection_id=home.jellyfin.id,
            item_upstream_id=home.jf("s1e1"),
            now=NOW,
        )
    assert found.qualifies is None
    assert "could not be read completely in the last sync" in found.why
