"""Watch history rows are append-only: a play, once recorded, is never removed by a sync."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from janitor.sync.base import SyncContext
from janitor.sync.upsert import copy_new_rows, raw_connection

CREATE_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS _stage_watch (account_id uuid, connection_id uuid, upstream_id text, "
    "item_upstream_id text, user_upstream_id text, viewed_at timestamptz) ON COMMIT DELETE ROWS"
)
INSERT = (
    "INSERT INTO watch_events (account_id, connection_id, upstream_id, item_upstream_id, user_upstream_id, viewed_at) "
    "SELECT account_id, connection_id, upstream_id, item_upstream_id, user_upstream_id, viewed_at FROM _stage_watch "
    "ON CONFLICT (connection_id, upstream_id) DO NOTHING"
)


COLUMNS = ["account_id", "connection_id", "upstream_id", "item_upstream_id", "user_upstream_id", "viewed_at"]


class HistoryWriter:
    """Stores pages of plays. A connection's first history pass (it holds no play yet) copies pages
    straight into watch_events; a page meeting a play already stored (listed twice) turns that off
    and goes, like every later page, through the stage with ON CONFLICT DO NOTHING."""

    def __init__(self, ctx: SyncContext, *, fresh: bool) -> None:
        self._ctx = ctx
        self._fresh = fresh

    @classmethod
    async def start(cls, ctx: SyncContext, *, first_pass: bool) -> HistoryWriter:
        fresh = False
        if first_pass:
            async with ctx.app.sessionmaker() as session:
                held = await session.scalar(
                    text("SELECT EXISTS (SELECT 1 FROM watch_events WHERE connection_id = :c)"),
                    {"c": ctx.connection.id},
                )
            fresh = not held
        return cls(ctx, fresh=fresh)

    async def store(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        ctx = self._ctx
        if self._fresh:
            if await copy_new_rows(ctx.app.sessionmaker, "watch_events", rows, COLUMNS):
                ctx.changed += len(rows)
                return
            self._fresh = False
        async with ctx.app.sessionmaker() as session, session.begin():
            await session.execute(text(CREATE_STAGE))  # also opens the transaction the raw statements join
            conn = await raw_connection(session)
            await conn.copy_records_to_table("_stage_watch", records=rows, columns=COLUMNS)
            status = await conn.execute(INSERT)
        ctx.changed += int(status.split()[-1])
