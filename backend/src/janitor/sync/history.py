"""Watch history rows are append-only: a play, once recorded, is never removed by a sync."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from janitor.sync.base import SyncContext
from janitor.sync.upsert import FirstPassCopy, raw_connection

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


async def history_writer(ctx: SyncContext, *, first_pass: bool) -> FirstPassCopy:
    return await FirstPassCopy.start(
        ctx.app.sessionmaker, "watch_events", COLUMNS, connection_id=ctx.connection.id, first_pass=first_pass
    )


async def store_history(ctx: SyncContext, rows: Sequence[tuple[Any, ...]], first: FirstPassCopy) -> None:
    """Store a page of plays: copied straight in on the connection's first pass, else through the
    stage with ON CONFLICT DO NOTHING (a play once recorded stays as it is)."""
    if not rows:
        return
    if await first.copy(rows):
        ctx.changed += len(rows)
        return
    async with ctx.app.sessionmaker() as session, session.begin():
        await session.execute(text(CREATE_STAGE))  # also opens the transaction the raw statements join
        conn = await raw_connection(session)
        await conn.copy_records_to_table("_stage_watch", records=rows, columns=COLUMNS)
        status = await conn.execute(INSERT)
    ctx.changed += int(status.split()[-1])
