"""The movies, shows and episodes as the stale and language reports read them (``report_video_items``):
one narrow row per present video item with what those reports judge, sort and filter on, derived
at the end of every sync run from the synced items, the copies across servers and the last plays.

A report page after a write (an allowlist entry, a threshold) is computed afresh: every movie and show
(stale) or movie and episode (languages) is judged to count and sort them. Read from ``media_items``
(wide rows with every file and stream, interleaved with hundreds of thousands of tracks) and with each
show's episodes summed per read, that took 150-180 ms of Postgres at 60k video items; these rows hold
the same facts in a tenth of the pages. What depends on the owner's choices is still applied per read
(the settings' cut-offs and languages, the allowlists, switched-off libraries, copies shown through
another server), so a write is seen at once without rebuilding anything.

Rebuilt with the last plays (same transaction) at the end of a sync run, with the copies when a
library is switched or a path mapping changes, and for the items a deletion touched (``refresh_items``).
The table belongs to the reports (``reports.models.ReportVideoItem``); its rows are built here, beside
the copies they read, so that the packages below the reports (a path mapping's save) can rebuild them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# {scope}: "" for the whole account, or a condition on ``m.id`` for some items.
FACTS_SQL = """
INSERT INTO report_video_items (
    id, account_id, connection_id, library_id, upstream_id, kind, grandparent_id, guids, title,
    grandparent_title, display_title, sort_title, year, released_on, added_at, size_bytes,
    effective_added, added_unknown, total_size_bytes, episodes, last_at, last_user_upstream_id,
    last_connection_id, last_any_at, undated_source, known, audio, subtitles, untagged_audio, untagged_subtitles)
SELECT m.id, m.account_id, m.connection_id, m.library_id, m.upstream_id, m.kind, m.grandparent_id, m.guids, m.title,
       m.grandparent_title, d.display_title, lower(d.display_title), m.year, m.released_on, m.added_at, m.size_bytes,
       a.added, a.unknown, COALESCE(ep.size_bytes, m.size_bytes), ep.episodes, lp.played_at, lp.user_upstream_id,
       lp.played_connection_id, lp.last_any_at, lp.undated_source,
       m.streams_synced_at IS NOT NULL, coalesce(m.audio_languages, '{{}}'), coalesce(m.subtitle_languages, '{{}}'),
       coalesce(m.untagged_audio, 0), coalesce(m.untagged_subtitles, 0)
FROM media_items m
-- a show is judged with its copies on the account's other servers (library/copies.py): its row is the
-- group's primary show, its episodes every group member's, each file counted once
LEFT JOIN LATERAL (
    SELECT max(e.added_at) AS newest, count(*) FILTER (WHERE e.added_at IS NULL) AS undated,
           sum(e.size_bytes) FILTER (WHERE ec.file_group IS NULL OR ec.file_group = e.id) AS size_bytes,
           count(*) FILTER (WHERE ec.file_group IS NULL OR ec.file_group = e.id) AS episodes
    FROM (
        SELECT m.connection_id, m.upstream_id WHERE NOT EXISTS (SELECT 1 FROM media_copies x WHERE x.item_id = m.id)
        UNION
        SELECT s.connection_id, s.upstream_id FROM media_copies g JOIN media_items s ON s.id = g.item_id
        WHERE g.file_group = m.id AND s.kind = 'show' AND NOT s.gone
    ) sh
    JOIN media_items e ON e.account_id = :a AND e.kind = 'episode' AND NOT e.gone
         AND e.connection_id = sh.connection_id AND e.grandparent_id = sh.upstream_id
    LEFT JOIN media_copies ec ON ec.item_id = e.id
    WHERE m.kind = 'show'
    HAVING count(*) > 0
) ep ON true
LEFT JOIN item_last_plays lp ON lp.connection_id = m.connection_id AND lp.target = m.upstream_id
                            AND m.kind IN ('movie', 'show')
CROSS JOIN LATERAL (
    -- a show's age is its newest episode's, unknown when any episode has no added date
    SELECT COALESCE(ep.newest, m.added_at) AS added,
           COALESCE(ep.undated, 0) > 0 OR COALESCE(ep.newest, m.added_at) IS NULL AS unknown
) a
CROSS JOIN LATERAL (
    SELECT CASE WHEN m.kind = 'episode'
                THEN concat(m.grandparent_title, ' S', lpad(coalesce(m.parent_index, 0)::text, 2, '0'),
                            'E', lpad(coalesce(m."index", 0)::text, 2, '0'), ' · ', m.title)
                ELSE m.title END AS display_title
) d
WHERE m.account_id = :a AND m.kind IN ('movie', 'show', 'episode') AND NOT m.gone {scope}
"""


async def refresh_video_items(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Rebuild the account's rows (in the caller's transaction, after its copies and last plays)."""
    await session.execute(text("DELETE FROM report_video_items WHERE account_id = :a"), {"a": account_id})
    await session.execute(text(FACTS_SQL.format(scope="")), {"a": account_id})


# The shows whose sums an item's change moves: an episode's show, and the primary of that show's copies.
SHOWS_OF = """
SELECT s.id FROM media_items e
JOIN media_items s ON s.connection_id = e.connection_id AND s.upstream_id = e.grandparent_id AND s.kind = 'show'
WHERE e.account_id = :a AND e.id = ANY(:ids) AND e.kind = 'episode'
"""
GROUPS_OF = "SELECT DISTINCT g.file_group FROM media_copies g WHERE g.account_id = :a AND g.item_id = ANY(:ids)"


async def refresh_items(session: AsyncSession, account_id: uuid.UUID, item_ids: Iterable[int]) -> None:
    """Rebuild the rows of some items (in the caller's transaction): those marked gone leave, the
    others are read again, with the shows their episodes count for."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return
    shows = list((await session.execute(text(SHOWS_OF), {"a": account_id, "ids": ids})).scalars())
    groups = list((await session.execute(text(GROUPS_OF), {"a": account_id, "ids": shows})).scalars()) if shows else []
    every = list(dict.fromkeys([*ids, *shows, *groups]))
    await session.execute(
        text("DELETE FROM report_video_items WHERE account_id = :a AND id = ANY(:ids)"), {"a": account_id, "ids": every}
    )
    await session.execute(text(FACTS_SQL.format(scope="AND m.id = ANY(:ids)")), {"a": account_id, "ids": every})
