"""Derived report data rebuilt at the end of each sync run (the only writer of items and plays): the
watch evidence of every movie, episode and person and the last play of every movie and show, the
track keys that may form duplicate groups, and the dashboard summary."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from janitor.core import clock
from janitor.library.copies import folded, rebuild_copies
from janitor.library.video_rows import refresh_video_items
from janitor.library.watch import refresh_watch_evidence
from janitor.reports.dashboard import ensure_summary, refresh_summary
from janitor.reports.service import ReportSettingsService

if TYPE_CHECKING:
    from janitor.jobs.runner import TenantJob

# Per movie and show, from every person's watch evidence (library/watch.py): the newest play that
# counts (after its file was added), by whom and on which server, the newest play of any file, a play
# without a date. The evidence of an item's copies on the account's other servers counts for it too
# (library/copies.py): the same file seen through another server, the same title held there as
# another file, and for a show the same show there. A play on either server is a play, and doubt on
# either keeps the file.
LAST_PLAYS_SQL = """
INSERT INTO item_last_plays (connection_id, target, account_id, played_at, user_upstream_id, played_connection_id,
                             last_any_at, undated_source)
WITH family AS (
    SELECT m.connection_id AS row_connection, m.upstream_id AS row_target,
           o.connection_id AS connection_id, o.upstream_id AS target
    FROM media_copies c
    JOIN media_copies oc ON oc.item_id <> c.item_id AND (oc.file_group = c.file_group OR oc.title_group = c.title_group)
    JOIN media_items m ON m.id = c.item_id
    JOIN media_items o ON o.id = oc.item_id
    WHERE c.account_id = :a AND oc.account_id = :a AND m.kind IN ('movie', 'show') AND o.kind = m.kind
),
evidence AS (
    SELECT e.connection_id AS row_connection, e.target AS row_target, e.connection_id, e.played_at,
           e.user_upstream_id, e.last_any_at, e.undated_source
    FROM watch_evidence e WHERE e.account_id = :a
    UNION ALL
    SELECT f.row_connection, f.row_target, e.connection_id, e.played_at, e.user_upstream_id, e.last_any_at,
           e.undated_source
    FROM family f JOIN watch_evidence e ON e.connection_id = f.connection_id AND e.target = f.target
    WHERE e.account_id = :a
)
SELECT e.row_connection, e.row_target, :a, max(e.played_at),
       CASE WHEN max(e.played_at) IS NOT NULL THEN (array_agg(e.user_upstream_id
            ORDER BY e.played_at DESC NULLS LAST, e.connection_id, e.user_upstream_id))[1] END,
       CASE WHEN max(e.played_at) IS NOT NULL THEN (array_agg(e.connection_id
            ORDER BY e.played_at DESC NULLS LAST, e.connection_id, e.user_upstream_id))[1] END,
       max(e.last_any_at), max(e.undated_source)
FROM evidence e
GROUP BY e.row_connection, e.row_target
"""


# Tracks that may be in a duplicates group: their normalised key (library/matching.py) is shared by
# another present track of the server, or they hold several versions. A track that is another
# server's copy of the same file is left out (library/copies.py): each file is in one group, shown
# through its primary server, with links to its other copies.
CANDIDATES_SQL = f"""
INSERT INTO duplicate_candidates (item_id, account_id, connection_id, library_id, upstream_id, title,
                                  grandparent_title, parent_title, match_key, duration_ms, multi)
SELECT t.id, :a, t.connection_id, t.library_id, t.upstream_id, t.title, t.grandparent_title, t.parent_title,
       t.match_key, t.duration_ms, t.multi
FROM (
    SELECT m.id, m.connection_id, m.library_id, m.upstream_id, m.title, m.grandparent_title, m.parent_title,
           m.match_key, m.duration_ms, jsonb_array_length(m.parts) > 1 AS multi,
           count(*) OVER (PARTITION BY m.connection_id, m.match_key) AS sharing
    FROM media_items m
    WHERE m.account_id = :a AND m.kind = 'track' AND NOT m.gone AND m.match_key IS NOT NULL AND NOT {folded()}
) t
WHERE t.sharing > 1 OR t.multi
"""


async def refresh_copies(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Rebuild the account's ``media_copies`` (in the caller's transaction): the same files on two
    servers (library/copies.py)."""
    await rebuild_copies(session, account_id)


async def refresh_duplicate_candidates(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Rebuild the account's ``duplicate_candidates`` (in the caller's transaction). The end of a sync
    and a library switch can both rebuild them: they take turns (a transaction-scoped lock)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('duplicate_candidates:' || :a))"), {"a": str(account_id)}
    )
    await session.execute(text("DELETE FROM duplicate_candidates WHERE account_id = :a"), {"a": account_id})
    await session.execute(text(CANDIDATES_SQL), {"a": account_id})


async def refresh_last_plays(session: AsyncSession, account_id: uuid.UUID, *, analyze: bool = False) -> None:
    """Rebuild the account's ``watch_evidence`` from its plays, then ``item_last_plays`` from it (in
    the caller's transaction: both are replaced at once).

    Every play of the account meets every movie and episode of it: a hash join, whatever the
    statistics say. Estimates made before the account's rows were analysed (a new account's first
    sync below the bulk-load threshold, or beside other tenants' statistics) can be off by thousands
    and pick a nested loop over every pair instead (9.1 s instead of 20 ms at 6,000 x 5,000). After a
    bulk load (``analyze``) the new evidence is analysed before the last plays are read from it (ANALYZE
    in this transaction samples its own rows): planned on statistics that knew only the deployment's
    first account, this statement took 26 s of the second account's first sync, 38 s instead of 7.5 s
    (``bench/soak.py``'s warm-ups)."""
    await session.execute(text("SET LOCAL enable_nestloop = off"))
    await refresh_watch_evidence(session, account_id)
    if analyze:
        await session.execute(text("ANALYZE watch_evidence"))
    await session.execute(text("DELETE FROM item_last_plays WHERE account_id = :a"), {"a": account_id})
    await session.execute(text(LAST_PLAYS_SQL), {"a": account_id})


async def refresh_plays_and_rows(session: AsyncSession, account_id: uuid.UUID, *, analyze: bool = False) -> None:
    """``refresh_last_plays``, then the reports' rows of every movie, show and episode, which carry the
    last plays (``report_video_items``), in the caller's transaction: all are replaced at once. Their
    per-show sums are key lookups per show (ix_media_items_show_episodes), a nested loop by design."""
    await refresh_last_plays(session, account_id, analyze=analyze)
    await session.execute(text("SET LOCAL enable_nestloop = on"))
    await refresh_video_items(session, account_id)


# After a bulk load (a first sync) autovacuum has not analysed the tables yet: planned without
# statistics, the stale report's join with the per-show episode totals ran for minutes (160 s of
# Postgres for 60k Jellyfin items). A run that wrote this many rows analyses what the reports read.
ANALYZE_AFTER_ROWS = 5_000


async def analyze_tables(sessionmaker: async_sessionmaker[AsyncSession], tables: str) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(text(f"ANALYZE {tables}"))


async def refresh_data_after_sync(
    sessionmaker: async_sessionmaker[AsyncSession], account_id: uuid.UUID, *, analyze: bool = False
) -> None:
    """End of a sync run, before it is marked finished: what the run wrote is visible to the reports.

    The steps run side by side, each on its own connection and in its own transaction (each derived
    table is replaced at once, never seen half-built), except that the last plays wait for the
    statistics: their join of plays and items, planned on tables just bulk-loaded and never analysed,
    became a nested loop over every pair (9.1 s instead of 20 ms for 6,000 Jellyfin items and 5,000
    played states). The duplicate candidates need no statistics. Both wait for the copies across servers
    (``media_copies``): the last plays count every copy's plays, the candidates show one copy per file."""

    async def rebuild(refresh: Callable[[AsyncSession, uuid.UUID], Awaitable[None]], table: str) -> None:
        async with sessionmaker() as session, session.begin():
            await refresh(session, account_id)
            if analyze:
                await session.execute(text(f"ANALYZE {table}"))

    async def statistics() -> None:
        if analyze:
            async with asyncio.TaskGroup() as tables:
                tables.create_task(analyze_tables(sessionmaker, "media_items"))
                tables.create_task(analyze_tables(sessionmaker, "watch_events, user_item_states"))

    async with asyncio.TaskGroup() as steps:
        # Which items of two servers are one file comes first: the last plays count every copy's
        # plays, the duplicate groups show only the primary of each file.
        copies = steps.create_task(rebuild(refresh_copies, "media_copies"))
        ready = steps.create_task(statistics())

        async def last_plays() -> None:
            await copies
            await ready
            await rebuild(partial(refresh_plays_and_rows, analyze=analyze), "item_last_plays, report_video_items")

        async def candidates() -> None:
            await copies
            await rebuild(refresh_duplicate_candidates, "duplicate_candidates")

        steps.create_task(last_plays())
        steps.create_task(candidates())


async def refresh_summary_after_sync(
    sessionmaker: async_sessionmaker[AsyncSession], account_id: uuid.UUID, *, force: bool = True
) -> bool:
    """End of a sync run, once it is marked finished: the dashboard opens without recomputing. Without
    ``force`` (a refresh), a stored summary that is still current (the run changed nothing, the hour
    is the same) is kept; a full pass recomputes it whatever happened before. True when it computed."""
    async with sessionmaker() as session, session.begin():
        settings = await ReportSettingsService(session, account_id).get()
        if force:
            await refresh_summary(session, account_id, settings=settings, now=clock.utcnow())
            return True
        return await ensure_summary(session, account_id, settings=settings, now=clock.utcnow())


# A summary job looks again after it computed, this many times at most: a write committed while it ran
# found its job id taken (one pending job per account) and queued nothing.
SUMMARY_PASSES = 3


async def refresh_summary_job(job: TenantJob) -> None:
    """Queued by the writes the dashboard summary depends on (settings, allowlists, keepers, libraries,
    connections), one pending job per account however many writes ask (``reports.events``): the summary
    is recomputed in the background, so the next dashboard read finds it stored instead of computing it
    (seconds for a large library). A no-op when it is already current; after computing it looks again,
    for the writes made meanwhile. (A read never shows a summary whose inputs changed: it recomputes.)"""
    for _ in range(SUMMARY_PASSES):
        computed = await refresh_summary_after_sync(job.app.sessionmaker, job.account.id, force=False)
        await job.app.page_cache.bump_quietly(job.account.id)
        if not computed:
            break


async def refresh_copies_job(job: TenantJob) -> None:
    """Queued when a library is switched or a server removed: the copies across servers, the duplicate
    candidates that fold them and the reports' video rows (a show's episodes across servers) are rebuilt
    (one transaction), then the dashboard summary."""
    async with job.app.sessionmaker() as session, session.begin():
        await refresh_copies(session, job.account.id)
        await refresh_duplicate_candidates(session, job.account.id)
        await refresh_video_items(session, job.account.id)
    await job.app.page_cache.bump_quietly(job.account.id)
    await refresh_summary_after_sync(job.app.sessionmaker, job.account.id, force=True)
    await job.app.page_cache.bump_quietly(job.account.id)


class _ReportData:
    """What the sync rebuilds at the end of every run (``janitor.sync.runner.ReportData``)."""

    analyze_after_rows = ANALYZE_AFTER_ROWS

    async def rebuild(
        self, sessionmaker: async_sessionmaker[AsyncSession], account_id: uuid.UUID, *, analyze: bool
    ) -> None:
        await refresh_data_after_sync(sessionmaker, account_id, analyze=analyze)

    async def store_summary(
        self, sessionmaker: async_sessionmaker[AsyncSession], account_id: uuid.UUID, *, force: bool
    ) -> None:
        await refresh_summary_after_sync(sessionmaker, account_id, force=force)


REPORT_DATA = _ReportData()
