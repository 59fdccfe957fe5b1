"""Migration f27de9019e94 empties the titles a movie and a show with one TMDB id may have swapped."""

from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from janitor.core.migrations import alembic_config
from janitor.devtools.pytest_plugin import Services, create_database, run_in_thread

REVISION = "f27de9019e94"


async def test_titles_shared_by_a_movie_and_a_show_are_fetched_again(services: Services) -> None:
    url = await create_database(services.postgres_url, f"janitor_mig_{uuid.uuid4().hex[:8]}")
    cfg = alembic_config(url)
    run_in_thread(lambda: command.upgrade(cfg, f"{REVISION}-1"))
    engine = create_async_engine(url)
    account, conn, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with engine.begin() as db:
            await db.exec_driver_sql(
                "INSERT INTO accounts (id, email, password_hash) VALUES ($1, 'a@example.com', 'x')", (account,)
            )
            for cid in (conn, other):
                await db.exec_driver_sql(
                    "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, "
                    "options, status) VALUES ($1, $2, 'jellyseerr', 'Seerr', 'http://seerr', 'x', true, '{}', 'ok')",
                    (cid, account),
                )
            rows = [
                (conn, 1, "movie", 1399, "A Film"),
                (conn, 2, "tv", 1399, "A Film"),  # got the movie's title
                (conn, 3, "movie", 603, "The Matrix"),
                (conn, 4, "movie", 603, "The Matrix"),  # two requests of one movie: right
                (other, 5, "tv", 1399, "A Show"),  # another server's show: nothing to share with
            ]
            for cid, upstream, media_type, tmdb, title in rows:
                await db.exec_driver_sql(
                    "INSERT INTO media_requests (account_id, connection_id, upstream_id, status, media_type, is_4k, "
                    "tmdb_id, title, missing_runs) VALUES ($1, $2, $3, 1, $4, false, $5, $6, 0)",
                    (account, cid, upstream, media_type, tmdb, title),
                )
        run_in_thread(lambda: command.upgrade(cfg, REVISION))
        async with engine.connect() as db:
            titles = dict((await db.exec_driver_sql("SELECT upstream_id, title FROM media_requests")).all())
    finally:
        await engine.dispose()
    assert titles == {1: None, 2: None, 3: "The Matrix", 4: "The Matrix", 5: "A Show"}
