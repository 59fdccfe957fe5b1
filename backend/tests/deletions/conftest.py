"""A small exact world for the deleter: a Plex server (movies, one with two versions, a show), Jellyfin
showing the same files, and Jellyseerr knowing one of the movies; synced once per test, then rows are
queued straight into the deletion queue and the deleter is run against the simulator."""

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
from janitor.deletions.deleter import RunOutcome, run_deletions
from janitor.deletions.models import QueuedDeletion, ServerDeletionState
from janitor.deletions.queue import Target, enqueue
from janitor.deletions.upstream import HttpFactory
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from janitor.library.models import MediaItem
from janitor.main import wire_events
from mediasim import SimServer, world_from_scenario
from mediasim.app import SimApp


def movie(label: str, title: str, tmdb: int, *media: str, added: str = "2024-01-02") -> dict[str, Any]:
    return {
        "label": label,
        "title": title,
        "year": 2001,
        "tmdb": tmdb,
        "added": added,
        "media": [{"size": size, "file": f"/data/movies/{label}-{i}.mkv"} for i, size in enumerate(media or ("4GB",))],
    }


MOVIES = [
    movie("matrix", "The Matrix", 603, "8GB"),
    movie("alien", "Alien", 348, "6GB"),
    movie("heat", "Heat", 949, "4GB", "20GB"),
    movie("dune", "Dune", 438631, "5GB"),
    movie("big", "Big Remux", 5001, "60GB"),
    *(movie(f"m{i}", f"Small {i}", 6000 + i, "1GB") for i in range(1, 9)),
]
SHOWS = [
    {
        "title": "Old Show",
        "tmdb": 7001,
        "added": "2024-01-02",
        "seasons": [
            {
                "index": 1,
                "episodes": [
                    {"label": "e1", "title": "One", "size": "2GB"},
                    {"label": "e2", "title": "Two", "size": "2GB"},
                ],
            }
        ],
    }
]
SCENARIO: dict[str, Any] = {
    "seed": 21,
    "plex": {
        "owner": {"username": "hank", "email": "hank@example.com"},
        "friends": ["alice"],
        "servers": [
            {
                "name": "home",
                "libraries": [
                    {"type": "movie", "title": "Movies", "items": MOVIES},
                    {"type": "show", "title": "TV", "items": SHOWS},
                ],
            }
        ],
    },
    "jellyfin": {"users": [{"name": "admin", "admin": True, "password": "admin"}, {"name": "alice"}]},
    "jellyseerr": {
        "requests": [{"type": "movie", "tmdb": 603, "item": "matrix", "status": 5, "requested_by": "alice"}]
    },
}


def new_app() -> SimApp:
    return SimApp(world_from_scenario(SCENARIO), factory=lambda: world_from_scenario(SCENARIO))


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(new_app()) as server:
        yield server


@dataclass
class World:
    ctx: AppContext
    sim: SimServer
    user: SignedUp
    plex: uuid.UUID
    jellyfin: uuid.UUID
    seerr: uuid.UUID
    api: httpx.AsyncClient
    run_job: RunJob

    async def resync(self) -> None:
        r = await self.api.post("/api/v1/sync/runs?full=true", headers=self.user.headers)
        assert r.status_code in (201, 202), r.text
        await self.run_job(self.user)

    async def admin(self, path: str, body: dict[str, Any], method: str = "POST") -> Any:
        async with httpx.AsyncClient(base_url=self.sim.url) as client:
            r = await client.request(method, "/_admin" + path, json=body)
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    @property
    def account_id(self) -> uuid.UUID:
        return self.user.account_id

    def label(self, name: str) -> dict[str, Any]:
        labels: dict[str, dict[str, Any]] = self.sim.app.state.world.planted["labels"]
        return labels[name]

    def upstream_id(self, name: str, server: str = "plex") -> str:
        info = self.label(name)
        return str(info["ratingKey"] if server == "plex" else info["jellyfinId"])

    def connection(self, server: str) -> uuid.UUID:
        return self.plex if server == "plex" else self.jellyfin

    async def item(self, name: str, server: str = "plex") -> MediaItem:
        async with self.ctx.sessionmaker() as session:
            found = await session.scalar(
                select(MediaItem).where(
                    MediaItem.connection_id == self.connection(server),
                    MediaItem.upstream_id == self.upstream_id(name, server),
                )
            )
        assert found is not None, name
        return found

    async def queue(
        self,
        name: str,
        *,
        server: str = "plex",
        reason: str = "stale",
        media_id: str = "",
        due: timedelta = timedelta(hours=-1),
        details: dict[str, Any] | None = None,
    ) -> QueuedDeletion:
        item = await self.item(name, server)
        async with self.ctx.sessionmaker() as session, session.begin():
            connection = await session.get(Connection, self.connection(server))
            assert connection is not None
            row = await enqueue(
                session,
                connection=connection,
                target=Target(item, media_id),
                reason=reason,
                origin="owner",
                due_at=datetime.now(UTC) + due,
                details=details,
            )
        assert row is not None
        return row

    async def go_live(self, server: str = "plex", *, live_runs: int = 1) -> None:
        """Leave dry-run (as the owner's explicit step does), past the first real run by default."""
        async with self.ctx.sessionmaker() as session, session.begin():
            session.add(
                ServerDeletionState(
                    connection_id=self.connection(server),
                    account_id=self.account_id,
                    dry_run=False,
                    live_since=datetime.now(UTC),
                    live_runs=live_runs,
                )
            )

    async def run(
        self, server: str = "plex", *, now: datetime | None = None, http: HttpFactory | None = None
    ) -> RunOutcome | None:
        return await run_deletions(
            self.ctx,
            self.account_id,
            self.connection(server),
            now=now or datetime.now(UTC),
            events=wire_events(),
            http=http,
        )

    async def row(self, row_id: uuid.UUID) -> QueuedDeletion:
        async with self.ctx.sessionmaker() as session:
            found = await session.get(QueuedDeletion, row_id)
        assert found is not None
        return found

    def deletes(self) -> list[dict[str, Any]]:
        """What the simulator deleted (items and versions; Jellyseerr records apart)."""
        return [
            m
            for m in self.sim.app.state.mutations
            if m["kind"] in ("delete", "delete_media") and m["service"] != "jellyseerr"
        ]


@pytest.fixture
async def world(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> World:
    user = await signup()
    ids = await connect_all(api, user, sim)
    r = await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    assert r.status_code in (201, 202), r.text
    await run_job(user)
    return World(
        job_ctx,
        sim,
        user,
        uuid.UUID(ids["plex"]),
        uuid.UUID(ids["jellyfin"]),
        uuid.UUID(ids["jellyseerr"]),
        api,
        run_job,
    )
