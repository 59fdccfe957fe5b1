"""Large movies: strictly above N GB, worth re-downloading smaller.

Decimal GB (1 GB = 10^9 bytes), the one unit of ``library/sizes.py``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.library.copies import folded
from janitor.library.sizes import format_gb, gb_to_bytes
from janitor.reports.common import PageParams, fetch_page, item_link, scope_filters
from janitor.reports.copies import ServerCopy, copies_note, other_copies

# ``listed``: the report; ``dismissed``: the movies kept at their size (large_dismissals), to restore.
LargeShow = Literal["listed", "dismissed"]

# A dismissal applies to the file the owner judged: the same size and the same first file path.
DISMISSED = """
    LEFT JOIN large_dismissals d ON d.account_id = m.account_id AND d.connection_id = m.connection_id
         AND d.upstream_id = m.upstream_id AND d.size_bytes = m.size_bytes
         AND d.file IS NOT DISTINCT FROM (m.parts -> 0 ->> 'file')
"""

SORTS = {"size": "m.size_bytes", "title": "lower(m.title)", "added": "m.added_at", "bitrate": "m.bitrate_kbps"}


class LargeMovie(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str
    title: str
    year: int | None
    size_bytes: int
    video_resolution: str | None
    video_codec: str | None
    bitrate_kbps: int | None
    added_at: datetime | None
    server: str
    library: str
    link: str
    why: str
    copies: list[ServerCopy] = Field(
        default_factory=list, description="The same file on other servers (counted once), or the title as another file"
    )
    dismissed_at: datetime | None = Field(default=None, description="When it was kept at this size (dismissed view)")
    dismissed_note: str | None = Field(default=None, description="The owner's note when keeping it at this size")


async def large_movies(
    session: AsyncSession,
    account_id: uuid.UUID,
    params: PageParams,
    *,
    threshold_gb: float,
    show: LargeShow = "listed",
) -> tuple[list[LargeMovie], int]:
    filters, args = scope_filters(params, search=("m.title",), copies=True)
    args.update(a=account_id, min_bytes=gb_to_bytes(threshold_gb))
    order = SORTS.get(params.sort or "size", SORTS["size"])
    direction = "ASC" if params.order == "asc" else "DESC"
    sql = f"""
        SELECT m.id, m.connection_id, m.upstream_id, m.title, m.year, m.size_bytes, m.video_resolution, m.video_codec,
               m.bitrate_kbps, m.added_at, c.name AS server, c.kind, c.base_url, c.server_id, l.title AS library,
               d.dismissed_at, d.note AS dismissed_note, count(*) OVER () AS total
        FROM media_items m
        JOIN libraries l ON l.id = m.library_id
        JOIN connections c ON c.id = m.connection_id
        {DISMISSED}
        WHERE m.account_id = :a AND m.kind = 'movie' AND NOT m.gone AND l.enabled AND m.size_bytes > :min_bytes
          AND d.upstream_id IS {"NOT NULL" if show == "dismissed" else "NULL"}
          AND NOT {folded()} {filters}
        ORDER BY {order} {direction} NULLS LAST, m.id
        LIMIT :limit OFFSET :offset
    """
    rows, total = await fetch_page(session, sql, args, params)
    copies = await other_copies(session, account_id, (r["id"] for r in rows))
    out = [
        LargeMovie(
            connection_id=r["connection_id"],
            upstream_id=r["upstream_id"],
            title=r["title"],
            year=r["year"],
            size_bytes=r["size_bytes"],
            video_resolution=r["video_resolution"],
            video_codec=r["video_codec"],
            bitrate_kbps=r["bitrate_kbps"],
            added_at=r["added_at"],
            server=r["server"],
            library=r["library"],
            link=item_link(r["kind"], r["base_url"], r["server_id"], r["upstream_id"]),
            why=_why(r["size_bytes"], threshold_gb, copies.get(r["id"], [])),
            copies=copies.get(r["id"], []),
            dismissed_at=r["dismissed_at"],
            dismissed_note=r["dismissed_note"],
        )
        for r in rows
    ]
    return out, total


def _why(size: int, threshold_gb: float, copies: list[ServerCopy]) -> str:
    why = f"{format_gb(size, above=threshold_gb)} is above the {threshold_gb:g} GB threshold"
    note = copies_note(copies)
    return f"{why}; {note}" if note else why
