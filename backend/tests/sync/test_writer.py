"""The page writer: several pages in flight on their own connections, overlapping pages without
deadlocks, errors surfaced; and ``both``, which runs two parts of a source at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text

from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignupFn
from janitor.sync.base import both
from janitor.sync.history import history_writer, store_history
from janitor.sync.mapping import plex_row
from janitor.sync.models import SyncRun
from janitor.sync.progress import Cancelled, RunProgress
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


async def test_a_fresh_library_is_copied_straight_in_until_a_page_meets_a_stored_item(
    ctx: AppContext, signup: SignupFn
) -> None:
    item_ctx = await _library(ctx, (await signup()).account_id)
    async with ctx.sessionmaker() as s, s.begin():
        # what the library held after all (an item another listing stored meanwhile)
        await s.execute(
            text(
                "INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, title, guids, "
                "parts) VALUES (:a, :c, :l, '250', 'track', 'Old title', '{}', '[]')"
            ),
            {"a": item_ctx[0], "c": item_ctx[1], "l": item_ctx[2]},
        )
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    written: list[int] = []
    writer = ItemWriter(ctx.sessionmaker, fresh=True, tally=written.append, in_flight=1)
    event.listen(ctx.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with writer:
            await writer.submit(_tracks(range(0, 100), item_ctx))  # copied straight in
            await writer.submit(_tracks(range(200, 300), item_ctx))  # meets item 250: upserted
            await writer.submit(_tracks(range(300, 400), item_ctx))  # no longer fresh: upserted
            await writer.submit(_tracks(range(0, 50), item_ctx))  # listed twice, unchanged: nothing written
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", record)
    assert sum("_stage_items" in st for st in statements) == 3  # the first page needed no stage
    assert written == [100, 100, 100, 0]
    async with ctx.sessionmaker() as s:
        stored = (await s.execute(text("SELECT count(*), count(DISTINCT upstream_id) FROM media_items"))).one()
        title = await s.scalar(text("SELECT title FROM media_items WHERE upstream_id = '250'"))
    assert tuple(stored) == (300, 300)
    assert title == "Track 250"


async def test_a_fresh_page_of_movies_hands_out_the_ones_without_languages(ctx: AppContext, signup: SignupFn) -> None:
    item_ctx = await _library(ctx, (await signup()).account_id)
    listed = [plex_row({"ratingKey": str(i), "title": f"Movie {i}"}, item_ctx, "movie") for i in range(5)]
    detailed = plex_row(
        {
            "ratingKey": "9",
            "title": "Movie 9",
            "Media": [{"Part": [{"Stream": [{"streamType": 2, "languageCode": "eng"}]}]}],
        },
        item_ctx,
        "movie",
    )
    async with ItemWriter(ctx.sessionmaker, fresh=True) as writer:
        await writer.submit([*listed, detailed])
    assert sorted(writer.take_unknown()) == ["0", "1", "2", "3", "4"]


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


async def test_a_first_history_pass_is_copied_straight_in_and_a_play_listed_twice_is_stored_once(
    ctx: AppContext, signup: SignupFn
) -> None:
    account, connection, _ = await _library(ctx, (await signup()).account_id)
    source: Any = SimpleNamespace(app=ctx, connection=SimpleNamespace(id=connection), changed=0)
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def plays(keys: range) -> list[tuple[Any, ...]]:
        return [(account, connection, str(k), "10", "1", at + timedelta(minutes=k)) for k in keys]

    first = await history_writer(source, first_pass=True)
    await store_history(source, plays(range(0, 100)), first)
    assert first.fresh
    await store_history(source, plays(range(90, 200)), first)  # the history moved under the paging: 90..99 again
    assert not first.fresh
    await store_history(source, plays(range(200, 210)), first)
    assert source.changed == 210
    again = await history_writer(source, first_pass=True)  # plays are stored: the careful way
    assert not again.fresh
    await store_history(source, plays(range(205, 215)), again)
    assert source.changed == 215
    async with ctx.sessionmaker() as s:
        stored = (await s.execute(text("SELECT count(*), count(DISTINCT upstream_id) FROM watch_events"))).one()
    assert tuple(stored) == (215, 215)


async def test_progress_written_in_the_background_still_stops_a_cancelled_run(
    ctx: AppContext, signup: SignupFn
) -> None:
    account = (await signup()).account_id
    run_id = uuid.uuid4()
    async with ctx.sessionmaker() as s, s.begin():
        s.add(SyncRun(id=run_id, account_id=account, trigger="manual", full=True, status="running"))
    progress = RunProgress(ctx, run_id, account, min_interval=0)
    source = progress.add("plex", "plex", "Plex")
    source.items = 500
    progress.flush_soon()  # starts a write and returns at once
    progress.flush_soon()  # one write at a time: nothing more to do
    await progress.drain()
    async with ctx.sessionmaker() as s:
        assert await s.scalar(text("SELECT items FROM sync_runs WHERE id = :r"), {"r": run_id}) == 500
        await s.execute(text("UPDATE sync_runs SET cancel_requested = true WHERE id = :r"), {"r": run_id})
        await s.commit()
    progress.flush_soon()

    async def steps() -> None:
        for _ in range(200):
            await asyncio.sleep(0.01)
            progress.flush_soon()

    with pytest.raises(Cancelled):  # seen by the background write, raised by the next step
        await steps()
    with pytest.raises(Cancelled):  # and by every later one, forced or not
        await progress.flush(force=True)
