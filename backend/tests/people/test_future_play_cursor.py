"""A play a Plex server dates in the future (its clock is wrong) must not hide the plays that come
after it: the history cursor of the next refresh never moves past today (sync/plex.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from janitor.connections.models import Connection

from .conftest import NOW, Household

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def status(home: Household, label: str) -> dict[str, str]:
    r = await home.api.get(
        "/api/v1/assignments/status",
        params={"connection_id": str(home.plex.id), "upstream_id": home.rk("show")},
        headers=home.user.headers,
    )
    assert r.status_code == 200, r.text
    [episode] = [e for e in r.json()["episodes"] if e["upstream_id"] == home.rk(label)]
    return {p["name"]: p["state"] for p in episode["people"]}


async def cursor(home: Household) -> int | None:
    async with home.ctx.sessionmaker() as session:
        conn = await session.get(Connection, home.plex.id)
        assert conn is not None
        value = (conn.sync_state or {}).get("history_cursor")
    return int(value) if value is not None else None


async def test_a_future_dated_play_does_not_hide_later_plays_from_a_refresh(household: Household) -> None:
    home = household
    bob = await home.person(home.plex, "bob")
    await home.assign("show", bob)
    await home.play("other", "alice", at=NOW - timedelta(days=1))
    await home.play("film", "alice", at=NOW + timedelta(days=30))  # the server's clock is wrong once
    await home.sync(full=False)
    after = await cursor(home)
    assert after is not None and after <= int((NOW + timedelta(days=1, minutes=5)).timestamp())

    await home.play("s1e1", "bob")  # a real play, today
    await home.sync(full=False)
    assert (await status(home, "s1e1"))["bob"] == "watched"


async def test_a_cursor_left_in_the_future_is_dropped_and_the_history_read_again(household: Household) -> None:
    home = household
    bob = await home.person(home.plex, "bob")
    await home.assign("show", bob)
    async with home.ctx.sessionmaker() as session, session.begin():
        conn = await session.scalar(select(Connection).where(Connection.id == home.plex.id))
        assert conn is not None
        conn.sync_state = {**(conn.sync_state or {}), "history_cursor": int((NOW + timedelta(days=30)).timestamp())}
    await home.play("s1e1", "bob")
    await home.sync(full=False)
    assert (await status(home, "s1e1"))["bob"] == "watched"
    fixed = await cursor(home)
    assert fixed is not None and fixed <= int((NOW + timedelta(days=1, minutes=5)).timestamp())
