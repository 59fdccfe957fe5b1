"""The album view: albums holding duplicate or multi-version tracks, with their groups' figures."""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.reports.common import PageParams, fetch_page
from janitor.reports.duplicates.groups import AlbumKey, DuplicateGroup, build_groups
from janitor.reports.duplicates.queries import GROUP_CTES, PAGE_MEMBERS, group_query
from janitor.reports.models import ReportSettings


class DuplicateAlbum(BaseModel):
    connection_id: uuid.UUID
    artist: str | None
    album: str | None
    groups: int
    duplicate_groups: int
    version_groups: int
    extra_copies: int
    reclaimable_bytes: int
    why: str


# By album: the album's name first (then its artist); by groups: how many tracks need a look.
ALBUM_SORTS = {"album": "sb {dir} NULLS LAST, sa {dir} NULLS LAST", "groups": "groups {dir}, sb, sa"}
ALBUMS_SQL = (
    GROUP_CTES
    + """,
a AS (
    SELECT connection_id, sa, sb, count(*) AS groups,
           count(*) FILTER (WHERE kind = 'duplicates') AS duplicate_groups,
           count(*) FILTER (WHERE kind = 'versions') AS version_groups
    FROM g GROUP BY connection_id, sa, sb
)
SELECT *, count(*) OVER () AS total FROM a ORDER BY {{order}}, connection_id LIMIT :limit OFFSET :offset
"""
)
# The groups of the albums on one page of ALBUMS_SQL, shaped like GROUPS_SQL's rows.
ALBUM_GROUPS_SQL = (
    GROUP_CTES
    + """,
page AS (
    SELECT *, 0 AS total FROM g
    WHERE (connection_id, coalesce(sa, ''), coalesce(sb, '')) IN (
        SELECT * FROM unnest(CAST(:ac AS uuid[]), CAST(:aa AS text[]), CAST(:ab AS text[]))
    )
)"""
    + PAGE_MEMBERS
)


async def duplicate_albums(
    session: AsyncSession, account_id: uuid.UUID, params: PageParams, *, settings: ReportSettings
) -> tuple[list[DuplicateAlbum], int]:
    """Albums holding duplicate or multi-version tracks (sort: groups, album): how many groups, how many
    extra copies, and what keeping one copy of each would free."""
    direction = "ASC" if params.order == "asc" else "DESC"
    order = ALBUM_SORTS.get(params.sort or "groups", ALBUM_SORTS["groups"]).format(dir=direction)
    sql, args = group_query(ALBUMS_SQL.replace("{{order}}", order), params, account_id, settings)
    albums, total = await fetch_page(session, sql, args, params)
    if not albums:
        return [], total
    detail, dargs = group_query(ALBUM_GROUPS_SQL, params, account_id, settings)
    dargs.update(
        ac=[a["connection_id"] for a in albums],
        aa=[a["sa"] or "" for a in albums],
        ab=[a["sb"] or "" for a in albums],
    )
    rows = [dict(r) for r in (await session.execute(text(detail), dargs)).mappings().all()]
    by_album: dict[AlbumKey, list[DuplicateGroup]] = {}
    for key, group in await build_groups(session, account_id, rows, settings):
        by_album.setdefault(key, []).append(group)
    out = []
    for a in albums:
        groups = by_album.get((a["connection_id"], a["sa"], a["sb"]), [])
        extra = sum(len(g.copies) - 1 for g in groups)
        first = groups[0] if groups else None
        out.append(
            DuplicateAlbum(
                connection_id=a["connection_id"],
                artist=first.artist if first else a["sa"],
                album=first.album if first else a["sb"],
                groups=a["groups"],
                duplicate_groups=a["duplicate_groups"],
                version_groups=a["version_groups"],
                extra_copies=extra,
                reclaimable_bytes=sum(g.reclaimable_bytes for g in groups),
                why=_album_why(a["duplicate_groups"], a["version_groups"], extra),
            )
        )
    return out, total


def _album_why(duplicates: int, versions: int, extra: int) -> str:
    parts = []
    if duplicates:
        parts.append(f"{duplicates} track{'s' if duplicates != 1 else ''} held more than once")
    if versions:
        parts.append(f"{versions} track{'s' if versions != 1 else ''} with several versions")
    return f"{' and '.join(parts)}: {extra} extra cop{'ies' if extra != 1 else 'y'}"
