from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mediasim import SimServer, world_from_scenario

NOW = datetime.now(UTC).replace(microsecond=0)


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
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "label": label,
        "title": title,
        "year": 2020,
        "added": ago(added),
        "size": size,
        "audio": ["eng", "fre"],
        "subtitles": ["fre"],
    }
    if released is not None:
        item["released"] = ago(released)
    if watched:
        item["watched"] = [{"user": u, "at": ago(d)} for u, d in watched]
    return item


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
                    {
                        "type": "movie",
                        "title": "Movies",
                        "items": [
                            movie("recent", "Watched Recently", added=700, watched=[("alice", 10)]),
                            movie("forgotten", "Forgotten", added=700, watched=[("hank", 365)]),
                            movie("never", "Never Seen", added=400),
                            movie("fresh", "Fresh Arrival", added=10),
                            movie("new_release", "Brand New Release", added=400, released=30),
                            movie("future", "Not Out Yet", added=400, released=-60),
                            movie("huge", "Huge Remux", added=700, size="40GB", watched=[("alice", 365)]),
                        ],
                    },
                    {
                        "type": "show",
                        "title": "TV",
                        "items": [
                            {
                                "title": "Old Show",
                                "added": ago(700),
                                "seasons": [
                                    {
                                        "episodes": [
                                            {
                                                "title": "E1",
                                                "size": "2GB",
                                                "added": ago(700),
                                                "watched": [{"user": "alice", "at": ago(365)}],
                                            },
                                            {"title": "E2", "size": "2GB", "added": ago(700)},
                                        ]
                                    }
                                ],
                            },
                            {
                                "title": "Active Show",
                                "added": ago(700),
                                "seasons": [
                                    {
                                        "episodes": [
                                            {
                                                "title": "E1",
                                                "size": "2GB",
                                                "added": ago(700),
                                                "watched": [{"user": "hank", "at": ago(5)}],
                                            },
                                        ]
                                    }
                                ],
                            },
                        ],
                    },
                ],
            }
        ],
    },
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server
