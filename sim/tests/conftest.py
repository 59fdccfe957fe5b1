"""Shared fixtures: a tiny generated world served in-process (ASGI) and on a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from mediasim import SimApp, SimServer, build_app, generate_world
from mediasim.model import World


def new_world(**kw: Any) -> World:
    return generate_world(seed=kw.pop("seed", 7), size=kw.pop("size", "tiny"), **kw)


@pytest.fixture
def world() -> World:
    return new_world()


@pytest.fixture
def app(world: World) -> SimApp:
    return build_app(world)


@pytest.fixture
async def client(app: SimApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as c:
        yield c


@pytest.fixture
def info(app: SimApp) -> dict[str, Any]:
    from mediasim import connection_info

    return connection_info(app.state, "http://sim")


@pytest.fixture
def sim() -> Iterator[SimServer]:
    """A fresh simulator on a real socket (function scope: faults and mutations never leak)."""
    with SimServer(new_world()) as s:
        yield s


@pytest.fixture
def plex_headers(info: dict[str, Any]) -> dict[str, str]:
    return {"X-Plex-Token": info["pms"]["home"]["owner_token"], "X-Plex-Client-Identifier": "tests"}


@pytest.fixture
def jf_key(info: dict[str, Any]) -> str:
    return str(info["jellyfin"]["api_key"])


@pytest.fixture
def seerr_headers(info: dict[str, Any]) -> dict[str, str]:
    return {"X-Api-Key": info["jellyseerr"]["api_key"]}
