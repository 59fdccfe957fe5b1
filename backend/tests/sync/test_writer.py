"""The page writer: several pages in flight on their own connections, overlapping pages without
deadlocks, errors surfaced; and ``both``, which runs two parts of a source at once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignupFn
from janitor.sync.base import both
from janitor.sync.mapping import plex_row
from janitor.sync.upsert import ItemWriter


async def _library(ctx: AppContext, account_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    connection, library = uuid.uuid4(), uuid.uuid4()
    async with ctx.sessionmaker() as s, s.begin():
        await s.execute(
            text(
                "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, "
                "options, status) VALUES (:c, :a, 'plex', 'p', 'http://x', 'x', false, '{}', 'ok')"
            ),
            {"c": connection, "a": account_id},
        )
        await s.execute(
            text(
                "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
                "VALUES (:l, :a, :c, '1', 'Music', 'music', true)"
            ),
            {"l": library, "a": account_id, "c": connection},
        )
    return account_id, connection, library


def _tracks(ids: range | list[int], ctx: tuple[uuid.UUID, uuid.UUID, uuid.UUID]) -> list[tuple[Any, ...]]:
    return [plex_row({"ratingKey": str(i), "title": f"Track {i}", "duration": 1000 + i}, ctx, "track") for i in ids]


async def test_pages_in_flight_that_share_items_in_opposite_orders_never_deadlock(
    ctx: AppContext, signup: SignupFn
) -> None:
    """Offset paging can hand the same items to two pages written at once. Written in the order the
    server listed them, 0..199 against 199..0 would wait on each other's rows (a deadlock Postgres
    breaks by failing one write); the writer orders every page by upstream id."""
    item_ctx = await _library(ctx, (await signup()).account_id)
    written: list[int] = []
    async with ItemWriter(ctx.sessionmaker, tally=written.append, in_flight=4) as writer:
        for _ in range(6):
            await writer.submit(_tracks(range(200), item_ctx))
            await writer.submit(_tracks(list(reversed(range(200))), item_ctx))
    async with ctx.sessionmaker() as s:
        stored = (await s.execute(text("SELECT count(*), count(DISTINCT upstream_id) FROM media_items"))).one()
    assert tuple(stored) == (200, 200)
    assert len(written) == 12
    assert sum(written) == 200  # the same rows again change nothing and are not rewritten


async def test_a_failed_write_is_raised_and_the_other_writes_still_land(ctx: AppContext, signup: SignupFn) -> None:
    item_ctx = await _library(ctx, (await signup()).account_id)
    foreign = (item_ctx[0], item_ctx[1], uuid.uuid4())  # a library that does not exist: the key refuses it
    writer = ItemWriter(ctx.sessionmaker, in_flight=3)
    await writer.submit(_tracks(range(0, 100), item_ctx))
    await writer.submit(_tracks(range(100, 200), foreign))
    await writer.submit(_tracks(range(200, 300), item_ctx))
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await writer.flush()
    await writer.flush()  # nothing left in flight
    async with ctx.sessionmaker() as s:
        assert await s.scalar(text("SELECT count(*) FROM media_items")) == 200


async def test_both_stops_the_other_part_on_the_first_error_and_raises_it_as_it_is() -> None:
    stopped = asyncio.Event()

    async def long_part() -> int:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            stopped.set()
            raise
        return 1

    async def failing_part() -> int:
        await asyncio.sleep(0.01)
        raise LookupError("the server said no")

    with pytest.raises(LookupError, match="the server said no"):
        await asyncio.wait_for(both(long_part(), failing_part()), timeout=5)
    assert stopped.is_set()

    async def value(v: str) -> str:
        await asyncio.sleep(0)
        return v

    assert await both(value("items"), value("history")) == ("items", "history")
