"""A small exact world whose planted cases the report tests know (dates relative to now)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import settings

from janitor.core import clock
from janitor.devtools.pytest_plugin import SignedUp
from mediasim import SimServer, world_from_scenario

# Property tests draw new examples on every local run (that is how they find bugs); CI draws the
# same ones every time, so a red CI always means a change broke something.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def reports_read_at_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reports read the clock at NOW, the moment this world is dated: a test that starts before
    midnight and reads a report after it still sees "30 days ago" as 30 days."""
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)


LANGS: dict[str, Any] = {"audio": ["eng", "fre"], "subtitles": ["fre"]}


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).date().isoformat()


def movie(
    label: str,
    title: str,
    *,
    added: int,
    size: str = "4GB",
    released: int | None = None,
    watched: list[tuple[str, int]] | None = None,
    **langs: Any,
) -> dict[str, Any]:
    item: dict[str, Any] = {"label": label, "title": title, "year": 2020, "added": ago(added), "size": size}
    item.update({**LANGS, **langs})
    if released is not None:
        item["released"] = ago(released)
    if watched:
        item["watched"] = [{"user": u, "at": ago(d)} for u, d in watched]
    return item


def episode(title: str, *, watched: list[tuple[str, int]] | None = None, **langs: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"title": title, "size": "2GB", "added": ago(700), **LANGS, **langs}
    if watched:
        item["watched"] = [{"user": u, "at": ago(d)} for u, d in watched]
    return item


MOVIES = [
    movie("recent", "Watched Recently", added=700, watched=[("alice", 10)]),
    movie("forgotten", "Forgotten", added=700, watched=[("hank", 365)]),
    movie("never", "Never Seen", added=400),
    movie("fresh", "Fresh Arrival", added=10),
    movie("new_release", "Brand New Release", added=400, released=30),
    movie("future", "Not Out Yet", added=400, released=-60),
    movie("huge", "Huge Remux", added=700, size="40GB", watched=[("alice", 365)]),
    movie("landed", "Just Landed", added=2, size="1GB"),
]
FOREIGN = [
    movie("en_only", "English Only", added=700, watched=[("hank", 1)], audio=["eng"]),
    movie("no_subs", "No Subs", added=700, watched=[("hank", 1)], subtitles=[]),
    movie("untagged", "Untagged Audio", added=700, watched=[("hank", 1)], audio=[None]),
    movie(
        "extra", "Extra Untagged", added=700, watched=[("hank", 1)], audio=["eng", "fre", None], subtitles=["fre", None]
    ),
]
SHOWS = [
    {
        "title": "Old Show",
        "added": ago(700),
        "seasons": [{"episodes": [episode("E1", watched=[("alice", 365)]), episode("E2")]}],
    },
    {
        "title": "Active Show",
        "added": ago(700),
        "seasons": [{"episodes": [episode("E1", watched=[("hank", 5)], audio=["jpn"], subtitles=["eng"])]}],
    },
]


def track(label: str, title: str, duration: int, *media: tuple[str, int]) -> dict[str, Any]:
    return {
        "label": label,
        "title": title,
        "duration": duration,
        "media": [{"container": c, "bitrate": b} for c, b in media],
    }


MUSIC = [
    {
        "artist": "Artist X",
        "albums": [
            {
                "title": "Album Y",
                "year": 2001,
                "tracks": [
                    track("a1", "Song A", 241, ("flac", 900)),
                    track("a2", "Song A (Remastered 2011)", 243, ("mp3", 320)),
                    track("a4", "Song A", 300, ("mp3", 320)),
                    track("b", "Song B", 200, ("flac", 880), ("mp3", 320)),
                    track("c1", "Song C", 200, ("mp3", 320)),
                    track("c2", "song c!", 200, ("mp3", 192)),
                    track("d1", "Song D", 180, ("mp3", 256)),
                    track("d2", "Song D", 180, ("mp3", 256)),
                ],
            }
        ],
    },
]


def request(
    tmdb: int, title: str, status: int, media_status: int, *, created: int = 3, updated: int = 2, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "movie",
        "tmdb": tmdb,
        "title": title,
        "status": status,
        "media_status": media_status,
        "requested_by": "alice",
        "created": ago(created),
        "updated": ago(updated),
        **extra,
    }


REQUESTS = [
    request(1001, "Wanted Movie", 1, 2),
    request(1002, "Broken Download", 4, 2),
    request(1003, "Stuck Show", 2, 3, created=40, updated=30, type="tv"),
    request(1004, "Fresh Approval", 2, 3, created=2, updated=1),
    request(1005, "Deleted Later", 5, 7),
    request(1006, "Declined One", 3, 1),
    {
        "type": "movie",
        "tmdb": 1007,
        "item": "landed",
        "status": 5,
        "media_status": 5,
        "requested_by": "alice",
        "created": ago(5),
        "updated": ago(2),
    },
]

SCENARIO: dict[str, Any] = {
    "seed": 5,
    "now": NOW.isoformat().replace("+00:00", "Z"),
    "plex": {
        "owner": {"username": "hank", "email": "hank@example.com"},
        "friends": ["alice"],
        "servers": [
            {
                "name": "home",
                "libraries": [
                    {"type": "movie", "title": "Movies", "items": MOVIES},
                    {"type": "movie", "title": "Foreign", "items": FOREIGN},
                    {"type": "show", "title": "TV", "items": SHOWS},
                    {"type": "artist", "title": "Music", "items": MUSIC},
                ],
            }
        ],
    },
    "jellyseerr": {"requests": REQUESTS},
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server


async def connect_plex(api: httpx.AsyncClient, user: SignedUp, sim: SimServer) -> None:
    """Add the simulator's Plex server by URL and owner token."""
    pms = sim.info["pms"]["home"]
    r = await api.post(
        "/api/v1/connections/plex/manual",
        json={"url": pms["base_url"], "token": pms["owner_token"]},
        headers=user.headers,
    )
    assert r.status_code == 201, r.text
