"""The duplicate migrations on data: chosen keepers mapped to the group they identify, stored track
keys recomputed with the key the sync now computes."""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from janitor.core.migrations import alembic_config
from janitor.devtools.pytest_plugin import Services, create_database, run_in_thread
from janitor.library.matching import track_key
from janitor.reports.keepers import group_id

BEFORE = "0468831fdf62"
KEEPERS = "3c1e9a7d2b40"
KEYS = "8f4b2d6e1a93"
ARTIST, ALBUM = "Artist X", "Album Y"


class Db:
    def __init__(self, url: str, engine: AsyncEngine) -> None:
        self.url, self.engine = url, engine
        self.account, self.connection = uuid.uuid4(), uuid.uuid4()
        self.enabled, self.disabled = uuid.uuid4(), uuid.uuid4()
        self.ids: dict[str, int] = {}

    def migrate(self, revision: str, *, down: bool = False) -> None:
        cfg = alembic_config(self.url)
        run_in_thread(lambda: (command.downgrade if down else command.upgrade)(cfg, revision))

    async def tenant(self, conn: AsyncConnection) -> None:
        await conn.execute(
            text("INSERT INTO accounts (id, email, password_hash) VALUES (:a, :e, 'x')"),
            {"a": self.account, "e": f"{self.account}@example.com"},
        )
        await conn.execute(
            text(
                "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, options, "
                "status) VALUES (:c, :a, 'plex', 'home', 'http://plex', 'x', true, '{}', 'ok')"
            ),
            {"c": self.connection, "a": self.account},
        )
        for library, enabled in ((self.enabled, True), (self.disabled, False)):
            await conn.execute(
                text(
                    "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
                    "VALUES (:l, :a, :c, :k, 'Music', 'music', :e)"
                ),
                {"l": library, "a": self.account, "c": self.connection, "k": str(library), "e": enabled},
            )

    async def track(
        self,
        conn: AsyncConnection,
        upstream_id: str,
        title: str,
        seconds: float,
        *,
        key: str | None = None,
        parts: int = 1,
        library: uuid.UUID | None = None,
    ) -> None:
        row = await conn.execute(
            text(
                "INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, title, "
                "grandparent_title, parent_title, duration_ms, guids, parts, match_key) "
                "VALUES (:a, :c, :l, :u, 'track', :t, :ar, :al, :d, '{}', CAST(:p AS jsonb), :k) RETURNING id"
            ),
            {
                "a": self.account,
                "c": self.connection,
                "l": library or self.enabled,
                "u": upstream_id,
                "t": title,
                "ar": ARTIST,
                "al": ALBUM,
                "d": int(seconds * 1000),
                "p": json.dumps(
                    [{"part_id": f"{upstream_id}-{n}", "file": f"/m/{upstream_id}-{n}.flac"} for n in range(parts)]
                ),
                "k": key if key is not None else track_key(title, ARTIST, ALBUM),
            },
        )
        self.ids[upstream_id] = row.scalar_one()

    async def candidates(self, conn: AsyncConnection) -> None:
        """The candidates as the sync built them at these revisions (the migration's frozen statement)."""
        await conn.execute(text("DELETE FROM duplicate_candidates WHERE account_id = :a"), {"a": self.account})
        await conn.execute(text(_frozen_candidates_sql()), {"a": self.account})

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(text(sql), {"a": self.account})).mappings()]


def _frozen_candidates_sql() -> str:
    path = next((Path(__file__).parents[3] / "alembic" / "versions").glob("*_8f4b2d6e1a93_*.py"))
    spec = importlib.util.spec_from_file_location("migration_8f4b2d6e1a93", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.CANDIDATES_SQL)


@pytest.fixture
async def db(services: Services) -> AsyncIterator[Db]:
    url = await create_database(services.postgres_url, f"janitor_mig_{uuid.uuid4().hex[:8]}")
    engine = create_async_engine(url)
    try:
        yield Db(url, engine)
    finally:
        await engine.dispose()


async def test_chosen_keepers_are_mapped_to_the_group_they_identify_today(db: Db) -> None:
    db.migrate(BEFORE)
    key_a = track_key("Song A", ARTIST, ALBUM)
    async with db.engine.begin() as conn:
        await db.tenant(conn)
        await db.track(conn, "a1", "Song A", 241)
        await db.track(conn, "a2", "Song A", 242.5)
        await db.track(conn, "a3", "Song A", 300)  # the same key, another recording: no group of its own
        await db.track(conn, "b", "Song B", 200, parts=2)
        await db.track(conn, "c", "Song C", 200)
        await db.track(conn, "e1", "Song E", 200, library=db.disabled)
        await db.track(conn, "e2", "Song E", 200, library=db.disabled)
        await db.candidates(conn)
        keepers = [
            (key_a, "a2", None),  # the group {a1, a2}
            ("v:b", "b", "b-1"),  # the versions of b
            (track_key("Song C", ARTIST, ALBUM), "c", None),  # c is in no group
            (track_key("Song E", ARTIST, ALBUM), "e1", None),  # a library switched off
            ("v:a1", "a1", "a1-0"),  # a1 has one version
            ("stale key", "a1", None),  # a1 was re-tagged since
        ]
        for key, upstream_id, part_id in keepers:
            await conn.execute(
                text(
                    "INSERT INTO duplicate_keepers (account_id, connection_id, group_key, upstream_id, part_id) "
                    "VALUES (:a, :c, :g, :u, :p)"
                ),
                {"a": db.account, "c": db.connection, "g": key, "u": upstream_id, "p": part_id},
            )
    db.migrate(KEEPERS)
    rows = await db.rows(
        "SELECT group_id, kind, members, upstream_id, part_id, strict, tolerance_seconds FROM duplicate_keepers "
        "WHERE account_id = :a ORDER BY kind"
    )
    assert rows == [
        {
            "group_id": group_id("duplicates", db.connection, None, ["a1", "a2"]),
            "kind": "duplicates",
            "members": ["a1", "a2"],
            "upstream_id": "a2",
            "part_id": None,
            "strict": False,
            "tolerance_seconds": 2,
        },
        {
            "group_id": group_id("versions", db.connection, "b", ["b-0", "b-1"]),
            "kind": "versions",
            "members": ["b-0", "b-1"],
            "upstream_id": "b",
            "part_id": "b-1",
            "strict": False,
            "tolerance_seconds": 2,
        },
    ]
    db.migrate(BEFORE, down=True)
    back = await db.rows("SELECT group_key, upstream_id, part_id FROM duplicate_keepers ORDER BY group_key")
    assert back == [
        {"group_key": key_a, "upstream_id": "a2", "part_id": None},
        {"group_key": "v:b", "upstream_id": "b", "part_id": "b-1"},
    ]


async def test_strict_settings_map_a_keeper_to_todays_strict_group(db: Db) -> None:
    db.migrate(BEFORE)
    async with db.engine.begin() as conn:
        await db.tenant(conn)
        await db.track(conn, "s1", "Song S", 200.2)
        await db.track(conn, "s2", "Song S", 200.9)  # the same second
        await db.track(conn, "s3", "song s!", 200.5)  # another raw title: apart in strict mode
        await db.candidates(conn)
        await conn.execute(
            text(
                "INSERT INTO report_settings (account_id, stale_months, stale_ignore_added_months, "
                "stale_ignore_released_months, stale_ignore_future_releases, large_movie_gb, "
                "required_audio_languages, required_subtitle_languages, duplicate_tolerance_seconds, "
                "duplicate_strict, stuck_request_days, recently_available_days) "
                "VALUES (:a, 4, 3, 3, true, 13, '{en}', '{fr}', 2, true, 7, 7)"
            ),
            {"a": db.account},
        )
        await conn.execute(
            text(
                "INSERT INTO duplicate_keepers (account_id, connection_id, group_key, upstream_id) "
                "VALUES (:a, :c, :g, 's2')"
            ),
            {"a": db.account, "c": db.connection, "g": track_key("Song S", ARTIST, ALBUM)},
        )
    db.migrate(KEEPERS)
    (row,) = await db.rows("SELECT members, strict FROM duplicate_keepers WHERE account_id = :a")
    assert row == {"members": ["s1", "s2"], "strict": True}


async def test_stored_track_keys_are_recomputed_and_the_candidates_rebuilt(db: Db) -> None:
    db.migrate(KEEPERS)
    old = "don t look back\x1fartist x\x1falbum y"  # what the old key made of an apostrophe
    async with db.engine.begin() as conn:
        await db.tenant(conn)
        await db.track(conn, "h1", "Don't Look Back", 210, key=old)
        await db.track(conn, "h2", "Don\u2019t Look Back", 210, key=old)
        await db.track(conn, "h3", "Dont look back", 210, key="dont look back\x1fartist x\x1falbum y")
        await db.track(conn, "x", "Other", 100)
        await db.candidates(conn)
        await conn.execute(
            text(
                "INSERT INTO report_summaries (account_id, fingerprint, computed_at, body) VALUES (:a, 'f', now(), '{}')"
            ),
            {"a": db.account},
        )
    assert {r["upstream_id"] for r in await db.rows("SELECT upstream_id FROM duplicate_candidates")} == {"h1", "h2"}
    db.migrate(KEYS)
    keys = await db.rows("SELECT upstream_id, match_key FROM media_items WHERE account_id = :a ORDER BY upstream_id")
    assert {r["upstream_id"]: r["match_key"] for r in keys} == {
        "h1": "dont look back\x1fartist x\x1falbum y",
        "h2": "dont look back\x1fartist x\x1falbum y",
        "h3": "dont look back\x1fartist x\x1falbum y",
        "x": track_key("Other", ARTIST, ALBUM),
    }
    candidates = await db.rows("SELECT upstream_id, match_key FROM duplicate_candidates WHERE account_id = :a")
    assert {r["upstream_id"] for r in candidates} == {"h1", "h2", "h3"}
    assert {r["match_key"] for r in candidates} == {"dont look back\x1fartist x\x1falbum y"}
    assert await db.rows("SELECT 1 FROM report_summaries WHERE account_id = :a") == []  # recomputed on read
