"""A small exact world for the deletion API: what each report lists is planted (dates relative to
now), the music holds a duplicate pair and a track with two versions, and Jellyfin mirrors the Plex
server with an administrator and a user who may not delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.library.models import MediaItem
from mediasim import SimServer, world_from_scenario

NOW = datetime.now(UTC).replace(microsecond=0)
LANGS: dict[str, Any] = {"audio": ["eng"], "subtitles": ["eng"]}


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).date().isoformat()


def movie(label: str, title: str, *, added: int = 700, size: str = "4GB", **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"label": label, "title": title, "year": 2020, "added": ago(added), "size": size}
    watched = extra.pop("watched", None)
    if watched:
        item["watched"] = [{"user": u, "at": ago(d)} for u, d in watched]
    return {**item, **LANGS, **extra}


MOVIES = [
    movie("forgotten", "Forgotten", watched=[("hank", 365)]),
    movie("never", "Never Seen", added=400),
    movie("recent", "Watched Recently", watched=[("alice", 10)]),
    movie("huge", "Huge Remux", size="40GB", watched=[("alice", 365)]),
    movie("keep", "Family Favourite", added=500),
    {
        "label": "versions",
        "title": "Two Versions",
        "year": 2021,
        "added": ago(600),
        "watched": [{"user": "alice", "at": ago(5)}],
        "media": [
            {"size": "8GB", "resolution": "1080", **LANGS},
            {"size": "30GB", "resolution": "4k", **LANGS},
        ],
    },
    movie("dubbed", "Dubbed Only", watched=[("hank", 3)], audio=["ger"]),
]


def episode(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "size": "2GB", "added": ago(700), **LANGS, **extra}


SHOWS = [
    {"title": "Old Show", "added": ago(700), "seasons": [{"episodes": [episode("Pilot"), episode("Second")]}]},
]
MUSIC = [
    {
        "artist": "Artist X",
        "albums": [
            {
                "title": "Album Y",
                "year": 2001,
                "tracks": [
                    {
                        "label": "d1",
                        "title": "Song D",
                        "duration": 180,
                        "media": [{"container": "flac", "bitrate": 900}],
                    },
                    {
                        "label": "d2",
                        "title": "Song D",
                        "duration": 180,
                        "media": [{"container": "mp3", "bitrate": 320}],
                    },
                    {
                        "label": "b",
                        "title": "Song B",
                        "duration": 200,
                        "media": [{"container": "flac", "bitrate": 880}, {"container": "mp3", "bitrate": 320}],
                    },
                ],
            }
        ],
    }
]

SCENARIO: dict[str, Any] = {
    "seed": 15,
    "now": NOW.isoformat().replace("+00:00", "Z"),
    "plex": {
        "owner": {"username": "hank", "email": "hank@example.com"},
        "friends": ["alice"],
        "servers": [
            {
                "name": "home",
                "libraries": [
                    {"type": "movie", "title": "Movies", "items": MOVIES},
                    {"type": "show", "title": "TV", "items": SHOWS},
                    {"type": "artist", "title": "Music", "items": MUSIC},
                ],
            }
        ],
    },
    "jellyfin": {"users": [{"name": "admin", "admin": True}, {"name": "alice", "can_delete": False}]},
    "jellyseerr": {"requests": []},
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server


@dataclass
class World:
    """A signed-up account with the simulator's Plex server connected and synced."""

    user: SignedUp
    plex: uuid.UUID
    api: httpx.AsyncClient
    sim: SimServer

    @property
    def headers(self) -> dict[str, str]:
        return self.user.headers

    def rk(self, label: str) -> str:
        """The Plex ratingKey of a planted item."""
        return str(self.sim.state.world.planted["labels"][label]["ratingKey"])

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.api.get(f"/api/v1/deletions{path}", params=params, headers=self.headers)

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.api.post(f"/api/v1/deletions{path}", json=body or {}, headers=self.headers)

    async def put(self, path: str, body: Any) -> httpx.Response:
        return await self.api.put(f"/api/v1/deletions{path}", json=body, headers=self.headers)

    async def queue(self, reason: str, *labels: str, **extra: Any) -> httpx.Response:
        items = [{"connection_id": str(self.plex), "upstream_id": self.rk(label)} for label in labels]
        return await self.post("/queue", {"reason": reason, "items": items, **extra})


async def sync(api: httpx.AsyncClient, user: SignedUp, run_job: RunJob) -> None:
    r = await api.post("/api/v1/sync/runs", params={"full": "true"}, headers=user.headers)
    assert r.status_code == 202, r.text
    await run_job(user)
    run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert run["status"] == "complete", run


async def connect_plex(api: httpx.AsyncClient, user: SignedUp, sim: SimServer) -> uuid.UUID:
    pms = sim.info["pms"]["home"]
    r = await api.post(
        "/api/v1/connections/plex/manual",
        json={"url": pms["base_url"], "token": pms["owner_token"]},
        headers=user.headers,
    )
    assert r.status_code == 201, r.text
    return uuid.UUID(r.json()["id"])


@pytest.fixture
async def world(api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob) -> World:
    user = await signup()
    plex = await connect_plex(api, user, sim)
    await sync(api, user, run_job)
    return World(user=user, plex=plex, api=api, sim=sim)


async def item(ctx: AppContext, connection_id: uuid.UUID, upstream_id: str) -> MediaItem:
    async with ctx.sessionmaker() as session:
        found = await session.scalar(
            select(MediaItem).where(MediaItem.connection_id == connection_id, MediaItem.upstream_id == upstream_id)
        )
    assert found is not None
    return found
