"""What follows a verified deletion, in the transaction that records it.

* The item leaves the reports at once: it is marked gone in ``media_items`` (with what went with it:
  a season's episodes, an album's tracks), or for a version delete that version leaves its parts; the
  reports' rows of those items and of their shows are read again (library/video_rows.py).
* One file, one row: the same file seen through the account's other servers (``media_copies`` file
  groups) went too. Those items are marked gone as well, and every item that went is recorded as an
  ``ExpectedDisappearance``, so the next sync of each server counts its absence as explained: never
  part of a mass vanish that freezes deletions, never an unexplained loss (sync/upsert.py).
  A copy judged the same file by mistake comes back with the next sync that lists it.
* The title's Jellyseerr media record, when no other present copy of the title is left, is what
  the deleter clears next (``seerr_targets``), so it can be requested again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, ConnectionKind
from janitor.deletions.models import QueuedDeletion
from janitor.deletions.upstream import SeerrTarget
from janitor.library.models import ExpectedDisappearance, MediaItem, MediaRequest
from janitor.library.video_rows import refresh_items

# The item and what a delete of it takes along (a season's episodes, a show's seasons and episodes,
# an album's tracks), as synced.
MARK_GONE = """
UPDATE media_items m SET gone = true
WHERE m.account_id = :a AND m.connection_id = :c AND NOT m.gone
  AND (m.upstream_id = :u OR m.parent_id = :u OR m.grandparent_id = :u)
RETURNING m.id
"""
# The same files on the account's other servers (file groups hold movies, episodes and tracks).
SAME_FILES = """
SELECT o.id, o.connection_id, o.upstream_id, o.size_bytes
FROM media_copies c
JOIN media_copies oc ON oc.file_group = c.file_group AND oc.item_id <> c.item_id
JOIN media_items o ON o.id = oc.item_id
WHERE c.account_id = :a AND oc.account_id = :a AND c.item_id = ANY(:ids) AND o.connection_id <> :c
  AND NOT o.gone AND o.kind IN ('movie', 'episode', 'track')
"""
DROP_VERSION = """
UPDATE media_items m SET
    parts = (SELECT coalesce(jsonb_agg(p ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements(m.parts)
             WITH ORDINALITY AS e(p, n) WHERE p ->> 'media_id' IS DISTINCT FROM :mid),
    size_bytes = greatest(coalesce(m.size_bytes, 0) - :bytes, 0)
WHERE m.account_id = :a AND m.connection_id = :c AND m.upstream_id = :u
RETURNING m.id
"""


async def record_gone(session: AsyncSession, row: QueuedDeletion, *, now: datetime) -> int:
    """Mark what the row's deletion removed; returns how many items left the reports."""
    params = {"a": row.account_id, "c": row.connection_id, "u": row.item_upstream_id}
    copies: list[tuple[int, uuid.UUID, str]] = []
    gone_here: list[tuple[uuid.UUID, str]] = []
    if row.media_id:
        size = int((row.fingerprint or {}).get("size") or row.size_bytes or 0)
        ids = list(
            (await session.execute(text(DROP_VERSION), {**params, "mid": row.media_id, "bytes": size})).scalars()
        )
        # The other servers' items holding exactly that file (same size): they show it no more.
        for item_id, connection_id, upstream_id, item_size in (
            await session.execute(text(SAME_FILES), {**params, "ids": ids})
        ).all():
            if size and item_size == size:
                copies.append((item_id, connection_id, upstream_id))
    else:
        ids = list((await session.execute(text(MARK_GONE), params)).scalars())
        if ids:
            gone_here = [
                (row.connection_id, u)
                for u in (await session.scalars(select(MediaItem.upstream_id).where(MediaItem.id.in_(ids)))).all()
            ]
            copies = [
                (i, c, u) for i, c, u, _ in (await session.execute(text(SAME_FILES), {**params, "ids": ids})).all()
            ]
    if copies:
        await session.execute(
            text("UPDATE media_items SET gone = true WHERE account_id = :a AND id = ANY(:ids)"),
            {"a": row.account_id, "ids": [i for i, _, _ in copies]},
        )
    await refresh_items(session, row.account_id, [*ids, *(i for i, _, _ in copies)])
    expected = [*gone_here, *((c, u) for _, c, u in copies)]
    if expected:
        stmt = insert(ExpectedDisappearance).values(
            [
                {
                    "connection_id": c,
                    "upstream_id": u,
                    "account_id": row.account_id,
                    "queue_id": row.id,
                    "expected_at": now,
                }
                for c, u in dict.fromkeys(expected)
            ]
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["connection_id", "upstream_id"],
                set_={"queue_id": stmt.excluded.queue_id, "expected_at": stmt.excluded.expected_at},
            )
        )
    return len(gone_here) + len(copies)


async def seerr_targets(session: AsyncSession, row: QueuedDeletion) -> list[SeerrTarget]:
    """The Jellyseerr media records of the movie the row deletes, when no other present copy of the
    title is left on the account's servers (else the title is still there and stays "available").
    Episodes, seasons, tracks and single versions leave Jellyseerr alone: it tracks whole titles."""
    if row.media_id or row.kind != "movie":
        return []
    item = await session.scalar(
        select(MediaItem).where(
            MediaItem.account_id == row.account_id,
            MediaItem.connection_id == row.connection_id,
            MediaItem.upstream_id == row.item_upstream_id,
        )
    )
    connection = await session.get(Connection, row.connection_id)
    if item is None or connection is None:
        return []
    tmdb = (item.guids or {}).get("tmdb")
    tmdb_id = int(tmdb) if tmdb and str(tmdb).isdigit() else None
    if tmdb_id is not None:
        others = await session.scalar(
            select(MediaItem.id)
            .where(
                MediaItem.account_id == row.account_id,
                MediaItem.kind == "movie",
                MediaItem.gone.is_(False),
                MediaItem.id != item.id,
                MediaItem.guids["tmdb"].astext == str(tmdb_id),
            )
            .limit(1)
        )
        if others is not None:
            return []
    on_server = (
        MediaRequest.plex_rating_key == row.item_upstream_id
        if connection.kind == ConnectionKind.PLEX
        else MediaRequest.jellyfin_media_id == row.item_upstream_id
    )
    match = on_server if tmdb_id is None else (on_server | (MediaRequest.tmdb_id == tmdb_id))
    found = (
        await session.execute(
            select(MediaRequest.connection_id, MediaRequest.seerr_media_id)
            .where(
                MediaRequest.account_id == row.account_id,
                MediaRequest.media_type == "movie",
                MediaRequest.seerr_media_id.is_not(None),
                match,
            )
            .distinct()
        )
    ).all()
    out: list[SeerrTarget] = []
    for connection_id, media_id in found:
        seerr = await session.get(Connection, connection_id)
        if seerr is not None and seerr.account_id == row.account_id and seerr.kind == ConnectionKind.JELLYSEERR:
            out.append(SeerrTarget(seerr, int(media_id or 0)))
    return out
