"""Real database failures for tests: a trigger that makes Postgres refuse writes to a table, the way a
full disk or a broken constraint would. Nothing in the product knows about it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from sqlalchemy import text

from janitor.core.deps import AppContext


@asynccontextmanager
async def refusing_writes(
    ctx: AppContext, table: str, *, event: Literal["INSERT", "UPDATE"] = "INSERT", of: str | None = None, reason: str
) -> AsyncIterator[None]:
    """While inside, every row ``event`` on ``table`` (``UPDATE OF`` column ``of``) raises ``reason``."""
    what = f"UPDATE OF {of}" if of else event
    async with ctx.sessionmaker() as s, s.begin():
        await s.execute(
            text(
                "CREATE FUNCTION test_refuse_row() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{reason.replace(chr(39), '')}'; END $$"
            )
        )
        await s.execute(
            text(
                f"CREATE TRIGGER test_refuse_row BEFORE {what} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_row()"
            )
        )
    try:
        yield
    finally:
        async with ctx.sessionmaker() as s, s.begin():
            await s.execute(text(f"DROP TRIGGER test_refuse_row ON {table}"))
            await s.execute(text("DROP FUNCTION test_refuse_row()"))
