"""Watch history rows are append-only: a play, once recorded, is never removed by a sync."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from janitor.sync.base import SyncContext
from janitor.sync.upsert import driver_connection

CREATE_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS _stage_watch (account_id uuid, connection_id uuid, upstream_id text, "
    "item_upstream_id text, user_upstream_id text, viewed_at timestamptz) ON COMMIT DELETE ROWS"
)
INSERT = (
    "INSERT INTO watch_events (account_id, connection_id, upstream_id, item_upstream_id, user_upstream_id, viewed_at) "
    "SELECT account_id, connection_id, upstream_id, item_upstream_id, user_upstream_id, viewed_at FROM _stage_watch "
    "ON CONFLICT (connection_id, upstream_id) DO NOTHING"
)


async def store_history(ctx: SyncContext, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    async with ctx.app.sessionmaker() as session, session.begin():
        conn = await driver_connection(session)
        await conn.execute(CREATE_STAGE)
        await conn.copy_records_to_table(
            "_stage_watch",
            records=rows,
            columns=["account_id", "connection_id", "upstream_id", "item_upstream_id", "user_upstream_id", "viewed_at"],
        )
        status = await conn.execute(INSERT)
    ctx.changed += int(status.split()[-1])
