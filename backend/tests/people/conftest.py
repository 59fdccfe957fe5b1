"""A small household on simulated servers: Plex (owner hank, friends alice and bob) and a Jellyfin
mirroring it (users admin and alice). Files were added 30 days ago; plays are planted per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from janitor.connections.models import Connection
from janitor.core.deps import AppContext
from janitor.deletions.jobs import people_after_sync
from janitor.deletions.models import DeletionEvent, QueuedDeletion
from janitor.deletions.schedule import Outcome, run_schedule
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from janitor.library.models import MediaItem, RemoteUser
from janitor.people.models import Assignment, Person, PersonMember
from janitor.people.repository import ensure_people
from mediasim import SimServer, world_from_scenario

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


def episode(label: str, index: int, **extra: Any) -> dict[str, Any]:
    return {"label": label, "index": index, "title": label.upper(), "added": ago(30), "size": "1GB", **extra}


def scenario(
    *, movies: list[dict[str, Any]] | None = None, shows: list[dict[str, Any]] | None = None, **jellyfin: Any
) -> dict[str, Any]:
    return {
        "seed": 21,
        "now": NOW.isoformat().replace("+00:00", "Z"),
        "plex": {
            "owner": {"username": "hank", "email": "hank@example.com"},
            "friends": [{"username": "alice", "email": "alice@example.com"}, "bob"],
            "servers": [
                {
                    "name": "home",
                    "libraries": [
                        {"type": "movie", "title": "Movies", "items": movies or []},
                        {"type": "show", "title": "TV", "items": shows or []},
                    ],
                }
            ],
        },
        "jellyfin": {"users": [{"name": "admin", "admin": True}, {"name": "alice"}], **jellyfin},
        "jellyseerr": {},
    }


MOVIES = [
    {"label": "film", "title": "Film", "year": 2020, "added": ago(30), "size": "4GB"},
    {"label": "other", "title": "Other Film", "year": 2021, "added": ago(30), "size": "3GB"},
]
SHOWS = [
    {
        "label": "show",
        "title": "Show A",
        "added": ago(30),
        "seasons": [
            {"index": 1, "episodes": [episode("s1e1", 1), episode("s1e2", 2)]},
            {"index": 2, "episodes": [episode("s2e1", 1)]},
        ],
    },
]
SCENARIO = scenario(movies=MOVIES, shows=SHOWS)


@pytest.fixture
def world(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The default household, or the one a test parametrizes (``indirect=True``)."""
    chosen: dict[str, Any] = getattr(request, "param", SCENARIO)
    return chosen


@pytest.fixture
def sim(world: dict[str, Any]) -> Iterator[SimServer]:
    with SimServer(world_from_scenario(world)) as server:
        yield server


@dataclass
class Household:
    """A synced account with its servers, and helpers to read and change its world."""

    api: httpx.AsyncClient
    user: SignedUp
    sim: SimServer
    ctx: AppContext
    run_job: RunJob
    plex: Connection
    jellyfin: Connection

    @property
    def account_id(self) -> uuid.UUID:
        return self.user.account_id

    def rk(self, label: str) -> str:
        return str(self.sim.state.world.planted["labels"][label]["ratingKey"])

    def jf(self, label: str) -> str:
        return str(self.sim.state.world.planted["labels"][label]["jellyfinId"])

    async def remote(self, connection: Connection, name: str) -> RemoteUser:
        async with self.ctx.sessionmaker() as session:
            found = await session.scalar(
                select(RemoteUser).where(RemoteUser.connection_id == connection.id, RemoteUser.name == name)
            )
            assert found is not None, name
            return found

    async def person(self, connection: Connection, name: str) -> uuid.UUID:
        """The person that holds this server account (people are made after every sync)."""
        remote = await self.remote(connection, name)
        async with self.ctx.sessionmaker() as session, session.begin():
            await ensure_people(session, self.account_id)
            member = await session.get(PersonMember, remote.id)
            assert member is not None
            return member.person_id

    async def play(self, label: str, who: str, *, at: datetime | None = None) -> None:
        """A play on Plex by ``who`` (hank, alice, bob), now unless ``at``."""
        remote = await self.remote(self.plex, who)
        body: dict[str, Any] = {"ratingKey": int(self.rk(label)), "accountID": int(remote.upstream_id)}
        if at is not None:
            body["viewedAt"] = int(at.timestamp())
        r = httpx.post(f"{self.sim.url}/_admin/pms/home/play", json=body)
        assert r.status_code == 200, r.text

    async def sync(self, *, full: bool = True) -> dict[str, Any]:
        r = await self.api.post(f"/api/v1/sync/runs?full={'true' if full else 'false'}", headers=self.user.headers)
        assert r.status_code in (201, 202), r.text
        await self.run_job(self.user)
        run: dict[str, Any] = (await self.api.get("/api/v1/sync/runs", headers=self.user.headers)).json()[0]
        return run

    def upstream(self, connection: Connection, label: str) -> str:
        return self.rk(label) if connection.id == self.plex.id else self.jf(label)

    async def assign(
        self, label: str, *people: uuid.UUID, ends_at: datetime | None = None, on: Connection | None = None
    ) -> None:
        """Assign people straight in the tables (the API has its own tests)."""
        conn = on or self.plex
        async with self.ctx.sessionmaker() as session, session.begin():
            item = await session.scalar(
                select(MediaItem).where(
                    MediaItem.connection_id == conn.id, MediaItem.upstream_id == self.upstream(conn, label)
                )
            )
            assert item is not None and item.kind in ("movie", "show")
            for person_id in people:
                session.add(
                    Assignment(
                        account_id=self.account_id,
                        person_id=person_id,
                        connection_id=conn.id,
                        item_upstream_id=item.upstream_id,
                        kind=item.kind,
                        ends_at=ends_at,
                    )
                )

    async def person_named(self, name: str) -> Person:
        async with self.ctx.sessionmaker() as session:
            found = await session.scalar(
                select(Person).where(Person.account_id == self.account_id, Person.name == name).limit(1)
            )
            assert found is not None
            return found


@pytest.fixture
async def household(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> Household:
    user = await signup()
    ids = await connect_all(api, user, sim)
    async with job_ctx.sessionmaker() as session:
        plex = await session.get(Connection, uuid.UUID(ids["plex"]))
        jellyfin = await session.get(Connection, uuid.UUID(ids["jellyfin"]))
    assert plex is not None and jellyfin is not None
    home = Household(api, user, sim, job_ctx, run_job, plex, jellyfin)
    run = await home.sync()
    assert run["status"] == "complete", run
    return home


async def schedule(home: Household, *, now: datetime | None = None) -> Outcome:
    """The schedule job's work, in one transaction (people and watch health first)."""
    async with home.ctx.sessionmaker() as session, session.begin():
        await people_after_sync(session, home.account_id)
        return await run_schedule(session, home.account_id, now=now or NOW)


async def queue_rows(home: Household, *statuses: str) -> list[QueuedDeletion]:
    async with home.ctx.sessionmaker() as session:
        stmt = select(QueuedDeletion).where(QueuedDeletion.account_id == home.account_id)
        if statuses:
            stmt = stmt.where(QueuedDeletion.status.in_(statuses))
        return list((await session.scalars(stmt.order_by(QueuedDeletion.created_at, QueuedDeletion.title))).all())


async def events(home: Household) -> list[DeletionEvent]:
    async with home.ctx.sessionmaker() as session:
        stmt = select(DeletionEvent).where(DeletionEvent.account_id == home.account_id).order_by(DeletionEvent.id)
        return list((await session.scalars(stmt)).all())
