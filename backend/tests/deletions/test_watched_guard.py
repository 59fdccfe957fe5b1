"""A watched row goes only if, right before it goes, every person assigned to it still watched it
(``deletions/watched.py``, asked by the deleter). A newly assigned person who has not watched it, an
assignment removed, or an unknown answer drops the row with the reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, select

from janitor.library.models import RemoteUser
from janitor.people.models import Assignment, PersonMember
from janitor.people.repository import ensure_people

from .conftest import World
from .test_guards import assert_cancelled


async def person(world: World, name: str) -> uuid.UUID:
    async with world.ctx.sessionmaker() as session, session.begin():
        await ensure_people(session, world.account_id)
        remote = await session.scalar(
            select(RemoteUser).where(RemoteUser.connection_id == world.plex, RemoteUser.name == name)
        )
        assert remote is not None, name
        member = await session.get(PersonMember, remote.id)
        assert member is not None
        return member.person_id


async def assign(world: World, name: str, *people: uuid.UUID) -> None:
    async with world.ctx.sessionmaker() as session, session.begin():
        for person_id in people:
            session.add(
                Assignment(
                    account_id=world.account_id,
                    person_id=person_id,
                    connection_id=world.plex,
                    item_upstream_id=world.upstream_id(name),
                    kind="movie",
                )
            )


async def play(world: World, name: str, who: str, *, at: datetime | None = None) -> None:
    async with world.ctx.sessionmaker() as session:
        remote = await session.scalar(
            select(RemoteUser).where(RemoteUser.connection_id == world.plex, RemoteUser.name == who)
        )
    assert remote is not None
    body: dict[str, Any] = {"ratingKey": int(world.upstream_id(name)), "accountID": int(remote.upstream_id)}
    if at is not None:
        body["viewedAt"] = int(at.timestamp())
    r = httpx.post(f"{world.sim.url}/_admin/pms/home/play", json=body)
    assert r.status_code == 200, r.text


async def watched_by(world: World, name: str, *who: str) -> None:
    for someone in who:
        await play(world, name, someone)
    await world.resync()


async def test_a_row_everyone_assigned_watched_goes(world: World) -> None:
    hank, alice = await person(world, "hank"), await person(world, "alice")
    await assign(world, "alien", hank, alice)
    await watched_by(world, "alien", "hank", "alice")
    row = await world.queue("alien", reason="watched")
    await world.go_live()
    await world.run()
    assert (await world.row(row.id)).status == "deleted"


async def test_a_newly_assigned_person_who_has_not_watched_it_keeps_it(world: World) -> None:
    hank, alice = await person(world, "hank"), await person(world, "alice")
    await assign(world, "alien", hank)
    await watched_by(world, "alien", "hank")
    row = await world.queue("alien", reason="watched")  # queued while hank alone was assigned
    await assign(world, "alien", alice)
    await world.go_live()
    await world.run()
    await assert_cancelled(world, row.id, "alice has not watched it")


async def test_an_item_nobody_is_assigned_to_any_more_is_kept(world: World) -> None:
    hank = await person(world, "hank")
    await assign(world, "alien", hank)
    await watched_by(world, "alien", "hank")
    row = await world.queue("alien", reason="watched")
    async with world.ctx.sessionmaker() as session, session.begin():
        await session.execute(delete(Assignment))
    await world.go_live()
    await world.run()
    await assert_cancelled(world, row.id, "nobody is assigned to it")


async def test_an_unknown_watch_state_keeps_it(world: World) -> None:
    """A play dated in the future cannot be trusted: the answer is unknown, and unknown keeps the file."""
    hank, alice = await person(world, "hank"), await person(world, "alice")
    await assign(world, "alien", hank, alice)
    await play(world, "alien", "hank")
    await play(world, "alien", "alice", at=datetime.now(UTC) + timedelta(days=30))
    await world.resync()
    row = await world.queue("alien", reason="watched")
    await world.go_live()
    await world.run()
    await assert_cancelled(world, row.id, "unknown")
    cancelled = await world.row(row.id)
    assert "alice" in (cancelled.status_reason or "")
