"""Migration d950ac5dbe42: languages other than the old defaults were chosen by their owner; the old
defaults (English and French audio, French subtitles) were never chosen; an account whose sync read a
Plex or Jellyfin server completely has seen its dashboard."""

from __future__ import annotations

import json
import uuid

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from janitor.core.migrations import alembic_config
from janitor.devtools.pytest_plugin import Services, create_database, run_in_thread

BEFORE = "0062480bc2e5"

SETTINGS = (
    "INSERT INTO report_settings (account_id, stale_months, stale_ignore_added_months, "
    "stale_ignore_released_months, stale_ignore_future_releases, large_movie_gb, "
    "required_audio_languages, required_subtitle_languages, duplicate_tolerance_seconds, "
    "duplicate_strict, stuck_request_days, recently_available_days) "
    "VALUES (:a, 4, 3, 3, true, 13, :audio, :subs, 2, false, 7, 7)"
)
RUN = (
    'INSERT INTO sync_runs (id, account_id, trigger, "full", status, sources, upstream_requests, items, '
    "cancel_requested) VALUES (:id, :a, 'manual', true, :status, CAST(:sources AS jsonb), 0, 0, false)"
)


async def test_existing_accounts_keep_what_they_chose_and_what_they_saw(services: Services) -> None:
    url = await create_database(services.postgres_url, f"janitor_mig_{uuid.uuid4().hex[:8]}")
    cfg = alembic_config(url)
    run_in_thread(lambda: command.upgrade(cfg, BEFORE))
    engine = create_async_engine(url)
    defaults, custom, subs_only, synced, seerr_only, partial = (uuid.uuid4() for _ in range(6))
    try:
        async with engine.begin() as conn:
            for a in (defaults, custom, subs_only, synced, seerr_only, partial):
                await conn.execute(
                    text("INSERT INTO accounts (id, email, password_hash) VALUES (:a, :e, 'x')"),
                    {"a": a, "e": f"{a}@example.com"},
                )
            await conn.execute(text(SETTINGS), {"a": defaults, "audio": ["en", "fr"], "subs": ["fr"]})
            await conn.execute(text(SETTINGS), {"a": custom, "audio": ["de"], "subs": ["fr"]})
            await conn.execute(text(SETTINGS), {"a": subs_only, "audio": ["en", "fr"], "subs": []})
            media = json.dumps({str(uuid.uuid4()): {"kind": "plex", "status": "complete"}})
            seerr = json.dumps({str(uuid.uuid4()): {"kind": "jellyseerr", "status": "complete"}})
            for a, status, sources in (
                (synced, "complete", media),
                (seerr_only, "complete", seerr),
                (partial, "partial", media),
            ):
                await conn.execute(text(RUN), {"id": uuid.uuid4(), "a": a, "status": status, "sources": sources})

        run_in_thread(lambda: command.upgrade(cfg, "head"))

        async with engine.connect() as conn:
            chosen = {
                r.account_id: r.languages_chosen_at is not None
                for r in await conn.execute(text("SELECT account_id, languages_chosen_at FROM report_settings"))
            }
            seen = {
                r.account_id: (r.dashboard_seen_at is not None, r.dismissed_at)
                for r in await conn.execute(text("SELECT * FROM setup_checklists"))
            }
            stored = (
                await conn.execute(
                    text("SELECT required_audio_languages FROM report_settings WHERE account_id = :a"),
                    {"a": defaults},
                )
            ).scalar_one()
        run_in_thread(lambda: command.downgrade(cfg, BEFORE))
    finally:
        await engine.dispose()

    assert chosen == {defaults: False, custom: True, subs_only: True}
    assert stored == ["en", "fr"]  # kept as they were, only not counted as a choice
    assert seen == {synced: (True, None)}
