"""Migration 9d019f8ddafd: the reports' video rows (``report_video_items``) are filled for every account
from what is already synced, exactly as the code's rebuild fills them, so no report is empty between
the upgrade and the account's next sync."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from janitor.core.migrations import alembic_config
from janitor.devtools.pytest_plugin import Services, create_database, run_in_thread
from janitor.library.video_rows import refresh_video_items

BEFORE = "7c2d4e6f8a10"
ITEM = (
    "INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, grandparent_id, "
    'grandparent_title, parent_index, "index", title, guids, parts, added_at, size_bytes, audio_languages, '
    "subtitle_languages, untagged_audio, streams_synced_at, gone) VALUES (:a, :c, :l, :u, :kind, :gp, :gpt, 1, "
    ":n, :title, CAST(:guids AS jsonb), '[]', :added, :size, :audio, :subs, :untagged, :synced, :gone)"
)


async def _rows(session: AsyncSession) -> list[dict[str, Any]]:
    result = await session.execute(text("SELECT * FROM report_video_items ORDER BY id"))
    return [dict(r) for r in result.mappings()]


async def test_existing_accounts_get_their_rows_as_the_rebuild_makes_them(services: Services) -> None:
    url = await create_database(services.postgres_url, f"janitor_mig_{uuid.uuid4().hex[:8]}")
    cfg = alembic_config(url)
    run_in_thread(lambda: command.upgrade(cfg, BEFORE))
    engine = create_async_engine(url)
    a, c, movies, shows = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO accounts (id, email, password_hash) VALUES (:a, 'm@example.com', 'x')"), {"a": a}
            )
            await conn.execute(
                text(
                    "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, "
                    "options, status) VALUES (:c, :a, 'plex', 'Home', 'http://x', 'x', false, '{}', 'ok')"
                ),
                {"c": c, "a": a},
            )
            for library, kind in ((movies, "movie"), (shows, "show")):
                await conn.execute(
                    text(
                        "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
                        "VALUES (:l, :a, :c, :k, :k, :k, true)"
                    ),
                    {"l": library, "a": a, "c": c, "k": kind},
                )
            base = {"a": a, "c": c, "gp": None, "gpt": None, "n": None, "guids": "{}", "untagged": None}
            for values in (
                {"l": movies, "u": "m1", "kind": "movie", "title": "Kept", "guids": '{"tmdb": "603"}', "size": 4},
                {"l": movies, "u": "m2", "kind": "movie", "title": "Gone", "gone": True},
                {"l": shows, "u": "s1", "kind": "show", "title": "Show", "size": None},
                {"l": shows, "u": "e1", "kind": "episode", "title": "One", "gp": "s1", "gpt": "Show", "n": 1},
                {"l": shows, "u": "e2", "kind": "episode", "title": "Two", "gp": "s1", "gpt": "Show", "n": 2},
            ):
                await conn.execute(
                    text(ITEM),
                    {
                        **base,
                        "added": now - timedelta(days=int(values.get("n") or 0) + 30),
                        "size": 2,
                        "audio": ["en"],
                        "subs": [],
                        "synced": now,
                        "gone": False,
                        **values,
                    },
                )
            await conn.execute(
                text(
                    "INSERT INTO item_last_plays (connection_id, target, account_id, played_at, user_upstream_id, "
                    "played_connection_id) VALUES (:c, 'm1', :a, :at, 'u1', :c)"
                ),
                {"c": c, "a": a, "at": now - timedelta(days=3)},
            )

        run_in_thread(lambda: command.upgrade(cfg, "head"))

        async with async_sessionmaker(engine)() as session, session.begin():
            migrated = await _rows(session)
            await refresh_video_items(session, a)
            rebuilt = await _rows(session)
    finally:
        await engine.dispose()

    assert migrated == rebuilt
    by_title = {r["display_title"]: r for r in migrated}
    assert set(by_title) == {"Kept", "Show", "Show S01E01 · One", "Show S01E02 · Two"}  # the gone movie left
    assert by_title["Kept"]["last_at"] == now - timedelta(days=3)
    assert by_title["Kept"]["total_size_bytes"] == 4
    show = by_title["Show"]
    assert (show["episodes"], show["total_size_bytes"]) == (2, 4)
    assert show["effective_added"] == now - timedelta(days=31)  # its newest episode's
