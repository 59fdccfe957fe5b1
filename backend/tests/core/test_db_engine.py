"""Every connection of the app's engine runs with the server settings it needs."""

from __future__ import annotations

from sqlalchemy import text

from janitor.core.context import AppContext


async def test_app_connections_run_without_jit(ctx: AppContext) -> None:
    # A report query over a large library passes jit_above_cost and would spend seconds compiling.
    async with ctx.engine.connect() as conn:
        assert (await conn.execute(text("SHOW jit"))).scalar_one() == "off"
    # A session from the app's sessionmaker gets the same (the pool may hand out another connection).
    async with ctx.sessionmaker() as session:
        assert (await session.execute(text("SHOW jit"))).scalar_one() == "off"
