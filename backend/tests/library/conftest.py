"""A household running Plex and Jellyfin over the same files: Jellyfin mirrors the Plex server's
libraries and sees the disk under /media where Plex sees /data (two containers, one disk)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mediasim import SimServer, world_from_scenario

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).date().isoformat()


LANGS: dict[str, Any] = {"audio": ["eng", "fre"], "subtitles": ["fre"]}

SCENARIO: dict[str, Any] = {
    "seed": 13,
    "now": NOW.isoformat().replace("+00:00", "Z"),
    "plex": {
        "owner": {"username": "hank", "email": "hank@example.com"},
        "friends": ["alice"],
        "servers": [
            {
                "name": "home",
                "libraries": [
                    {
                        "type": "movie",
                        "title": "Movies",
                        "items": [
                            {
                                "label": "alien",
                                "title": "Alien",
                                "year": 1979,
                                "tmdb": 348,
                                "added": ago(700),
                                "size": "40GB",
                                **LANGS,
                            },
                            {
                                "label": "solaris",
                                "title": "Solaris",
                                "year": 1972,
                                "tmdb": 593,
                                "added": ago(700),
                                "size": "20GB",
                                **LANGS,
                            },
                            {
                                "label": "ran",
                                "title": "Ran",
                                "year": 1985,
                                "tmdb": 11645,
                                "added": ago(700),
                                "size": "15GB",
                                **LANGS,
                            },
                            {
                                "label": "heat",
                                "title": "Heat",
                                "year": 1995,
                                "tmdb": 949,
                                "added": ago(700),
                                "size": "8GB",
                                "watched": [{"user": "alice", "at": ago(10)}],
                                **LANGS,
                            },
                            {
                                "label": "fresh",
                                "title": "Fresh Arrival",
                                "year": 2026,
                                "tmdb": 777001,
                                "added": ago(2),
                                "size": "2GB",
                                "audio": ["eng"],
                                "subtitles": ["fre"],
                            },
                        ],
                    },
                    {
                        "type": "show",
                        "title": "TV",
                        "items": [
                            {
                                "title": "Dark",
                                "tvdb": 334824,
                                "added": ago(700),
                                "seasons": [
                                    {
                                        "episodes": [
                                            {"title": "Secrets", "size": "2GB", "added": ago(700), **LANGS},
                                            {"title": "Lies", "size": "2GB", "added": ago(700), **LANGS},
                                        ]
                                    }
                                ],
                            }
                        ],
                    },
                    {
                        "type": "artist",
                        "title": "Music",
                        "items": [
                            {
                                "artist": "Artist X",
                                "albums": [
                                    {
                                        "title": "Album Y",
                                        "year": 2001,
                                        "tracks": [
                                            {
                                                "title": "Song A",
                                                "duration": 241,
                                                "media": [{"container": "flac", "bitrate": 900}],
                                            },
                                            {
                                                "title": "Song A",
                                                "duration": 241,
                                                "media": [{"container": "mp3", "bitrate": 320}],
                                            },
                                        ],
                                    }
                                ],
                            }
                        ],
                    },
                ],
            }
        ],
    },
    "jellyfin": {
        "mirror": "home",
        "mount": {"from": "/data", "to": "/media"},
        "users": [{"name": "admin", "admin": True}, {"name": "alice"}],
        # Solaris was watched on Jellyfin only; Jellyfin holds Ran as another, larger file.
        "user_data": [{"item": "solaris", "user": "alice", "played": True, "play_count": 1, "last_played": ago(5)}],
        "other_files": [{"item": "ran", "size": "60GB"}],
    },
    "jellyseerr": {"requests": []},
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server
