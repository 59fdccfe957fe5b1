"""Migration 9cd40d47d599 makes stored rows what a sync writes now: languages in canonical form, forced
subtitles out of the summary, files that list no streams "unknown", settings in canonical form."""

from __future__ import annotations

import json
import uuid
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from janitor.core.migrations import alembic_config
from janitor.devtools.pytest_plugin import Services, create_database, run_in_thread
from janitor.sync.mapping import stream_summary

BEFORE = "0468831fdf62"


def _stream(kind: str, language: str | None, *, forced: bool = False, external: bool = False) -> dict[str, Any]:
    return {"type": kind, "language": language, "codec": "x", "forced": forced, "external": external, "title": None}


# (title, parts as the previous code stored them, its summary: audio, subtitles, untagged a/s, streams known)
OLD_ROWS: list[tuple[str, list[dict[str, Any]], tuple[Any, ...]]] = [
    (
        "forced french",  # the forced French track counted as French subtitles
        [{"streams": [_stream("video", None), _stream("audio", "fr"), _stream("subtitle", "fr", forced=True)]}],
        (["fr"], ["fr"], 0, 0, True),
    ),
    (
        "sidecar",
        [{"streams": [_stream("audio", "en"), _stream("subtitle", "fr", external=True)]}],
        (["en"], ["fr"], 0, 0, True),
    ),
    (
        "unknown tags",  # the old table kept codes it did not know; "fil" had become Tagalog
        [{"streams": [_stream("audio", "qaa"), _stream("audio", "tl"), _stream("subtitle", "fra")]}],
        (["qaa", "tl"], ["fra"], 0, 0, True),
    ),
    (
        "not analysed",  # Jellyfin listed the file with no streams: "missing every language"
        [{"streams": []}],
        ([], [], 0, 0, True),
    ),
    (
        "one of two analysed",
        [{"streams": [_stream("audio", "en")]}, {"streams": []}],
        (["en"], [], 0, 0, True),
    ),
    (
        "plex listing",  # details not read yet: already unknown, left alone
        [{"file": "/m.mkv"}],
        (None, None, None, None, False),
    ),
]


async def test_stored_rows_and_settings_are_recomputed_as_a_sync_writes_them_now(services: Services) -> None:
    url = await create_database(services.postgres_url, f"janitor_mig_{uuid.uuid4().hex[:8]}")
    cfg = alembic_config(url)
    run_in_thread(lambda: command.upgrade(cfg, BEFORE))
    engine = create_async_engine(url)
    account, connection, library = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    other = uuid.uuid4()
    try:
        async with engine.begin() as conn:
            for a in (account, other):
                await conn.execute(
                    text("INSERT INTO accounts (id, email, password_hash) VALUES (:a, :e, 'x')"),
                    {"a": a, "e": f"{a}@example.com"},
                )
            await conn.execute(
                text(
                    "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, "
                    "options, status) VALUES (:c, :a, 'jellyfin', 'j', 'http://x', 'x', false, '{}', 'ok')"
                ),
                {"c": connection, "a": account},
            )
            await conn.execute(
                text(
                    "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
                    "VALUES (:l, :a, :c, '1', 'Movies', 'movie', true)"
                ),
                {"l": library, "a": account, "c": connection},
            )
            for n, (title, parts, (audio, subs, ua, us, known)) in enumerate(OLD_ROWS):
                await conn.execute(
                    text(
                        "INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, title, "
                        "guids, parts, audio_languages, subtitle_languages, untagged_audio, untagged_subtitles, "
                        "streams_synced_at) VALUES (:a, :c, :l, :u, 'movie', :t, '{}', CAST(:p AS jsonb), :au, :su, "
                        ":ua, :us, CASE WHEN :k THEN now() END)"
                    ),
                    {
                        "a": account, "c": connection, "l": library, "u": str(n), "t": title, "p": json.dumps(parts),
                        "au": audio, "su": subs, "ua": ua, "us": us, "k": known,
                    },
                )  # fmt: skip
            settings = (
                "INSERT INTO report_settings (account_id, stale_months, stale_ignore_added_months, "
                "stale_ignore_released_months, stale_ignore_future_releases, large_movie_gb, "
                "required_audio_languages, required_subtitle_languages, duplicate_tolerance_seconds, "
                "duplicate_strict, stuck_request_days, recently_available_days) "
                "VALUES (:a, 4, 3, 3, true, 13, :audio, :subs, 2, false, 7, 7)"
            )
            await conn.execute(text(settings), {"a": account, "audio": ["fra", "en", "fr"], "subs": ["fre"]})
            # "zz" was accepted before ([a-z]{2,3}) but names no language: kept, never dropped
            await conn.execute(text(settings), {"a": other, "audio": ["zz", "ger"], "subs": []})

        run_in_thread(lambda: command.upgrade(cfg, "head"))

        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT title, parts, audio_languages, subtitle_languages, untagged_audio, "
                        "untagged_subtitles, streams_synced_at IS NOT NULL AS known FROM media_items"
                    )
                )
            ).all()
            stored = {
                r.account_id: (r.required_audio_languages, r.required_subtitle_languages)
                for r in await conn.execute(text("SELECT * FROM report_settings"))
            }
    finally:
        await engine.dispose()

    by_title = {r.title: r for r in rows}
    summaries = {
        r.title: (r.audio_languages, r.subtitle_languages, r.untagged_audio, r.untagged_subtitles, r.known)
        for r in rows
    }
    assert summaries == {
        "forced french": (["fr"], [], 0, 0, True),
        "sidecar": (["en"], ["fr"], 0, 0, True),
        "unknown tags": (["tl"], ["fr"], 1, 0, True),
        "not analysed": (None, None, None, None, False),
        "one of two analysed": (None, None, None, None, False),
        "plex listing": (None, None, None, None, False),
    }
    assert [s["language"] for s in by_title["unknown tags"].parts[0]["streams"]] == [None, "tl", "fr"]
    assert by_title["forced french"].parts == OLD_ROWS[0][1]  # nothing else in parts changes
    # exactly what the sync's own rule gives for the same parts
    for r in rows:
        assert tuple(stream_summary(r.parts))[:4] == summaries[r.title][:4], r.title
    assert stored == {account: (["fr", "en"], ["fr"]), other: (["zz", "de"], [])}
