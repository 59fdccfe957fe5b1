"""The duplicate groups in SQL: every track of the enabled libraries grouped by key and duration
cluster, and the tracks of one page of groups."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from janitor.reports.common import PageParams, scope_filters
from janitor.reports.models import ReportSettings

# The groups of the tenant's tracks (t: tracks, c: duration clusters, g: one row per group); the
# track list and the album view page over ``g`` differently. Only ``c`` reads ``t`` (the versions too
# are read from ``c``), so ``t`` is not stored apart and both windows share one sort of the tracks
# (a second sort of every candidate was a fifth of the page's first read).
# Only candidate tracks are read (``duplicate_candidates``, rebuilt at the end of each sync with the
# columns the grouping needs: tracks whose normalised key another present track of the server shares,
# and multi-version tracks; equal strict keys imply equal normalised keys, so every possible group is
# there). The page's rows are read whole from media_items at the end.
# A group is the same whatever the report's filters: the groups are formed over every track of the
# enabled libraries (``{scope}`` only ever narrows to whole partitions: a server, one key), and the
# search and library filters then pick the groups holding at least one matching track (``hit``). A
# filter that removed tracks before grouping would split a group (a chain of durations broken in the
# middle, a copy in another library) and show copies as groups they are not.
GROUP_CTES = """
WITH t AS (
    SELECT m.item_id AS id, m.connection_id, m.upstream_id, m.title, m.grandparent_title AS artist,
           m.parent_title AS album, m.multi, {key} AS gkey,
           lag({duration}) OVER w AS prev, {duration} AS dur, (TRUE {filters}) AS hit
    FROM duplicate_candidates m
    JOIN libraries l ON l.id = m.library_id
    WHERE m.account_id = :a AND l.enabled
      {scope}
    WINDOW w AS (PARTITION BY m.connection_id, {key} ORDER BY {duration} NULLS LAST, m.item_id)
),
c AS (
    SELECT *, sum(CASE WHEN prev IS NULL OR dur IS NULL OR dur - prev > :tol THEN 1 ELSE 0 END)
              OVER (PARTITION BY connection_id, gkey ORDER BY dur NULLS LAST, id) AS cluster
    FROM t
),
g AS (
    SELECT connection_id, gkey, cluster, 'duplicates' AS kind, min(lower(artist)) AS sa, min(lower(album)) AS sb,
           min(lower(title)) AS st
    FROM c GROUP BY connection_id, gkey, cluster HAVING count(*) > 1 AND bool_or(hit)
    UNION ALL
    SELECT connection_id, 'v:' || upstream_id, 0, 'versions', lower(artist), lower(album), lower(title)
    FROM c WHERE multi AND hit
)"""
# The tracks of the groups selected as ``page`` (with a ``total``), read whole from media_items.
PAGE_MEMBERS = """,
members AS (
    SELECT c.id, c.gkey, c.cluster, page.kind, page.total, page.sa, page.sb, page.st,
           page.gkey AS page_key, page.cluster AS page_cluster
    FROM page JOIN c ON c.connection_id = page.connection_id AND c.gkey = page.gkey AND c.cluster = page.cluster
    WHERE page.kind = 'duplicates'
    UNION ALL
    SELECT c.id, c.gkey, c.cluster, page.kind, page.total, page.sa, page.sb, page.st, page.gkey, page.cluster
    FROM page JOIN c ON c.connection_id = page.connection_id AND 'v:' || c.upstream_id = page.gkey
    WHERE page.kind = 'versions'
)
SELECT m.id, m.connection_id, m.upstream_id, m.title, m.grandparent_title AS artist, m.parent_title AS album,
       m.duration_ms, m.added_at, m.parts, m.year, m."index" AS track_no, m.parent_index AS disc_no,
       m.guids, m.match_key, x.gkey, x.cluster, x.kind, x.total, x.sa, x.sb
FROM members x JOIN media_items m ON m.id = x.id
ORDER BY x.sa, x.sb, x.st, x.page_key, x.page_cluster, m.id
"""
GROUPS_SQL = (
    GROUP_CTES
    + """,
page AS (
    SELECT *, count(*) OVER () AS total FROM g WHERE TRUE {album}
    ORDER BY sa, sb, st, gkey, cluster LIMIT :limit OFFSET :offset
)"""
    + PAGE_MEMBERS
)

NORMALISED = "m.match_key"
STRICT = "concat_ws(E'\\x1f', m.title, m.grandparent_title, m.parent_title)"


def group_query(
    template: str,
    params: PageParams,
    account_id: uuid.UUID,
    settings: ReportSettings,
    *,
    scope: str = "",
    album: tuple[str, str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """A group query's SQL and bound values. ``album`` (artist, album; '' for an unknown one) keeps the
    groups the album view counts under that album (its key: the group's artist and album, lower-cased)."""
    strict = settings.duplicate_strict
    # The server filter keeps whole partitions (groups never span servers): it narrows before grouping.
    filters, args = scope_filters(
        replace(params, connection_id=None), search=("m.title", "m.grandparent_title", "m.parent_title")
    )
    if params.connection_id:
        scope += " AND m.connection_id = :sc"
        args["sc"] = params.connection_id
    args.update(a=account_id, tol=0 if strict else settings.duplicate_tolerance_seconds * 1000)
    album_filter = ""
    if album is not None:
        album_filter = "AND coalesce(sa, '') = lower(:fa) AND coalesce(sb, '') = lower(:fb)"
        args.update(fa=album[0], fb=album[1])
    sql = template.format(
        album=album_filter,
        key=STRICT if strict else NORMALISED,
        duration="(m.duration_ms / 1000)" if strict else "m.duration_ms",
        filters=filters,
        scope=scope,
    )
    return sql, args


def grouped(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        key = (
            r["kind"],
            r["connection_id"],
            r["gkey"] if r["kind"] == "duplicates" else r["upstream_id"],
            r["cluster"],
        )
        grouped.setdefault(key, []).append(r)
    return grouped
