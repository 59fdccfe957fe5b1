"""Music duplicates: tracks of one server with the same normalised title, artist and album and
durations within a tolerance (or, in strict mode, the exact title-artist-album-duration key), and
tracks that hold several versions (media parts). Each group proposes a keeper by an explained rule;
what would be removed is always a specific copy (a track, or one part of a multi-version track)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.errors import Conflict, NotFound
from janitor.library.models import MediaItem
from janitor.reports.common import PageParams, fetch_page, scope_filters
from janitor.reports.copies import ServerCopy, other_copies
from janitor.reports.keepers import (
    Choice,
    GroupIdentity,
    applicable,
    chosen_copies,
    lost,
    store_choice,
    stored_choices,
    why_lost,
)
from janitor.reports.models import ReportSettings

LOSSLESS = {"flac", "alac", "wav", "aiff", "aif", "ape", "wv", "dsf", "dff", "pcm"}

# The groups of the tenant's tracks (t: tracks, c: duration clusters, g: one row per group); the
# track list and the album view page over ``g`` differently.
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
    FROM t WHERE multi AND hit
)"""
# The tracks of the groups selected as ``page`` (with a ``total``), read whole from media_items.
_PAGE_MEMBERS = """,
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
    SELECT *, count(*) OVER () AS total FROM g ORDER BY sa, sb, st, gkey, cluster LIMIT :limit OFFSET :offset
)"""
    + _PAGE_MEMBERS
)

NORMALISED = "m.match_key"
STRICT = "concat_ws(E'\\x1f', m.title, m.grandparent_title, m.parent_title)"


class Copy(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str
    part_id: str | None
    file: str | None
    container: str | None
    audio_codec: str | None
    bitrate_kbps: int | None
    duration_ms: int | None
    size_bytes: int | None
    added_at: datetime | None
    keeper: bool
    lossless: bool
    also_on: list[ServerCopy] = Field(
        default_factory=list, description="This same file seen through the account's other servers (one copy)"
    )


class DuplicateGroup(BaseModel):
    kind: Literal["duplicates", "versions"]
    group_id: str = Field(description="This group's copies; a keeper is chosen for exactly these copies")
    title: str
    artist: str | None
    album: str | None
    copies: list[Copy]
    keeper_reason: str
    keeper_chosen: bool = Field(description="The keeper is the copy the owner chose for this group")
    stale_choice: str | None = Field(
        description="Why a keeper chosen for these copies no longer applies (the group changed since)"
    )
    reclaimable_bytes: int
    why: str


def _identity(kind: str, members: list[dict[str, Any]]) -> GroupIdentity:
    first = members[0]
    if kind == "versions":
        parts = {str(p.get("part_id")) for p in first["parts"] or [] if p.get("part_id")}
        return GroupIdentity("versions", first["connection_id"], str(first["upstream_id"]), frozenset(parts))
    return GroupIdentity("duplicates", first["connection_id"], None, frozenset(str(r["upstream_id"]) for r in members))


def _is_chosen(copy: Copy, choice: Choice) -> bool:
    if choice.kind == "versions":
        return copy.upstream_id == choice.upstream_id and copy.part_id == choice.part_id
    return copy.upstream_id == choice.upstream_id


class KeeperNotFound(NotFound):
    code = "duplicate_copy_not_found"
    message = "No such track in your synced music libraries."


class DuplicateGroupChanged(Conflict):
    code = "duplicate_group_changed"
    message = (
        "This group's copies changed since you loaded it (a sync or a settings change). "
        "Reload the report and choose again."
    )


async def choose_keeper(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    settings: ReportSettings,
    group_id: str,
    connection_id: uuid.UUID,
    upstream_id: str,
    part_id: str | None,
) -> None:
    """Remember the copy to keep in the group ``group_id`` (as the report showed it): a track among its
    duplicates, or a version of a multi-version track. The group must still hold exactly the copies it
    held when it was shown, else the choice would apply to copies the owner never saw."""
    item = await session.scalar(
        select(MediaItem).where(
            MediaItem.account_id == account_id,
            MediaItem.connection_id == connection_id,
            MediaItem.upstream_id == upstream_id,
            MediaItem.kind == "track",
            MediaItem.gone.is_(False),
        )
    )
    if item is None:
        raise KeeperNotFound()
    if part_id is not None and part_id not in {str(p.get("part_id")) for p in item.parts or []}:
        raise KeeperNotFound("That track has no such version.")
    groups = await _groups_of_track(session, account_id, connection_id, upstream_id, settings=settings)
    group = next((g for g in groups if g.id == group_id), None)
    if group is None:
        raise DuplicateGroupChanged()
    if not group.has(upstream_id, part_id if group.kind == "versions" else None):
        raise KeeperNotFound("That copy is not in this group.")
    await store_choice(session, account_id, group, upstream_id=upstream_id, part_id=part_id, settings=settings)


async def _groups_of_track(
    session: AsyncSession,
    account_id: uuid.UUID,
    connection_id: uuid.UUID,
    upstream_id: str,
    *,
    settings: ReportSettings,
) -> list[GroupIdentity]:
    """The groups holding this track now, formed exactly as the report forms them: every group of the
    track's key on its server (a whole partition, so the clusters are the report's)."""
    key = STRICT if settings.duplicate_strict else NORMALISED
    scope = (
        f"AND m.connection_id = :c AND {key} IN "
        f"(SELECT {key} FROM duplicate_candidates m WHERE m.account_id = :a AND m.connection_id = :c "
        "AND m.upstream_id = :u)"
    )
    sql, args = _group_query(GROUPS_SQL, PageParams(page=1, page_size=1), account_id, settings, scope=scope)
    args.update(c=connection_id, u=upstream_id, limit=None, offset=0)
    rows = [dict(r) for r in (await session.execute(text(sql), args)).mappings().all()]
    return [_identity(kind, members) for (kind, *_), members in _grouped(rows).items()]


def _codec(part: dict[str, Any]) -> str:
    return str(part.get("audio_codec") or part.get("container") or "").lower()


def _tags(row: dict[str, Any]) -> int:
    return (
        bool(row.get("year"))
        + bool(row.get("track_no"))
        + bool(row.get("disc_no"))
        + bool(row.get("album"))
        + len(row.get("guids") or {})
    )


def _rank(copy: Copy, tags: int) -> tuple[int, int, int, float]:
    added = -copy.added_at.timestamp() if copy.added_at else float("-inf")
    return (int(copy.lossless), copy.bitrate_kbps or 0, tags, added)


def _reason(best: Copy, runner: Copy, best_tags: int, runner_tags: int) -> str:
    if best.lossless and not runner.lossless:
        return (
            f"lossless {(best.audio_codec or best.container or '').upper()} over lossy "
            + (runner.audio_codec or runner.container or "?").upper()
        )
    if (best.bitrate_kbps or 0) > (runner.bitrate_kbps or 0):
        return f"higher bitrate ({best.bitrate_kbps} vs {runner.bitrate_kbps or '?'} kbps)"
    if best_tags > runner_tags:
        return "more complete tags"
    return "added first"


def _copies(
    rows: list[dict[str, Any]], kind: str, elsewhere: dict[int, list[ServerCopy]] | None = None
) -> list[tuple[Copy, int]]:
    out: list[tuple[Copy, int]] = []
    for r in rows:
        parts = r["parts"] or [{}]
        chosen = parts if kind == "versions" else parts[:1]
        for p in chosen:
            codec = _codec(p)
            out.append(
                (
                    Copy(
                        connection_id=r["connection_id"],
                        upstream_id=r["upstream_id"],
                        part_id=str(p.get("part_id")) if p.get("part_id") else None,
                        file=p.get("file"),
                        container=p.get("container"),
                        audio_codec=p.get("audio_codec"),
                        bitrate_kbps=p.get("bitrate_kbps"),
                        duration_ms=p.get("duration_ms") or r["duration_ms"],
                        size_bytes=p.get("size"),
                        added_at=r["added_at"],
                        keeper=False,
                        lossless=codec in LOSSLESS or str(p.get("container") or "").lower() in LOSSLESS,
                        also_on=[c for c in (elsewhere or {}).get(r["id"], []) if c.relation == "same_file"],
                    ),
                    _tags(r),
                )
            )
    return out


def duration_claim(durations_ms: list[int | None]) -> str:
    """What the explanation says of a duplicates group's track durations (the ones it was grouped by).

    "within X s" is always true: X is the spread rounded *up* to a tenth of a second (1.41 s reads
    "within 1.5 s", never "within 1.4 s"); "same duration" only when every duration is equal."""
    known = [d for d in durations_ms if d is not None]
    if not known or len(known) < len(durations_ms):
        return "some durations unknown"
    spread = max(known) - min(known)
    if spread == 0:
        return "same duration"
    tenths = -(-spread // 100)
    seconds = f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
    return f"durations within {seconds} s"


def _group_query(
    template: str, params: PageParams, account_id: uuid.UUID, settings: ReportSettings, *, scope: str = ""
) -> tuple[str, dict[str, Any]]:
    strict = settings.duplicate_strict
    # The server filter keeps whole partitions (groups never span servers): it narrows before grouping.
    filters, args = scope_filters(
        replace(params, connection_id=None), search=("m.title", "m.grandparent_title", "m.parent_title")
    )
    if params.connection_id:
        scope += " AND m.connection_id = :sc"
        args["sc"] = params.connection_id
    args.update(a=account_id, tol=0 if strict else settings.duplicate_tolerance_seconds * 1000)
    sql = template.format(
        key=STRICT if strict else NORMALISED,
        duration="(m.duration_ms / 1000)" if strict else "m.duration_ms",
        filters=filters,
        scope=scope,
    )
    return sql, args


async def duplicate_groups(
    session: AsyncSession, account_id: uuid.UUID, params: PageParams, *, settings: ReportSettings
) -> tuple[list[DuplicateGroup], int]:
    sql, args = _group_query(GROUPS_SQL, params, account_id, settings)
    rows, total = await fetch_page(session, sql, args, params)
    return [group for _, group in await _build_groups(session, account_id, rows, settings)], total


AlbumKey = tuple[uuid.UUID, str | None, str | None]


def _grouped(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
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


async def _build_groups(
    session: AsyncSession, account_id: uuid.UUID, rows: list[dict[str, Any]], settings: ReportSettings
) -> list[tuple[AlbumKey, DuplicateGroup]]:
    """Rows of ``GROUPS_SQL``-shaped queries as groups, each with its proposed (or chosen) keeper."""
    choices = await stored_choices(session, account_id) if rows else []
    resolved = []
    for (kind, *_), members in _grouped(rows).items():
        identity = _identity(kind, members)
        choice = applicable(identity, choices)
        resolved.append((kind, members, identity, choice, None if choice else lost(identity, choices)))
    chosen_now = await chosen_copies(session, account_id, [stale for *_, stale in resolved if stale])
    # A track another server holds too is one copy here (the candidates hold only its primary).
    elsewhere = await other_copies(session, account_id, (r["id"] for r in rows))
    groups = []
    for kind, members, identity, choice, stale in resolved:
        ranked = sorted(_copies(members, kind, elsewhere), key=lambda ct: _rank(*ct), reverse=True)
        best, best_tags = ranked[0]
        runner, runner_tags = ranked[1] if len(ranked) > 1 else ranked[0]
        reason = _reason(best, runner, best_tags, runner_tags)
        # Never zero keepers: a choice only counts when its copy is one of this group's.
        override = next((c for c, _ in ranked if choice and _is_chosen(c, choice)), None)
        if override is not None:
            best, reason = override, "copy you chose"
            ranked.sort(key=lambda ct: ct[0] is not override)
        best.keeper = True
        note = None
        if override is None and stale is not None:
            file, present = chosen_now.get((stale.connection_id, stale.upstream_id), (None, False))
            note = why_lost(stale, identity, settings, file, present)
        first = members[0]
        why = (
            f"{len(ranked)} versions inside one track"
            if kind == "versions"
            else f"{len(ranked)} tracks with the same title, artist and album, "
            + duration_claim([r["duration_ms"] for r in members])
        )
        group = DuplicateGroup(
            kind=kind,
            group_id=identity.id,
            title=first["title"],
            artist=first["artist"],
            album=first["album"],
            copies=[c for c, _ in ranked],
            keeper_reason=f"Keep the {reason}",
            keeper_chosen=override is not None,
            stale_choice=note,
            reclaimable_bytes=sum(c.size_bytes or 0 for c, _ in ranked[1:]),
            why=why,
        )
        groups.append(((first["connection_id"], first["sa"], first["sb"]), group))
    return groups


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


ALBUM_SORTS = {"album": "sa {dir} NULLS LAST, sb {dir} NULLS LAST", "groups": "groups {dir}, sa, sb"}
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
    + _PAGE_MEMBERS
)


async def duplicate_albums(
    session: AsyncSession, account_id: uuid.UUID, params: PageParams, *, settings: ReportSettings
) -> tuple[list[DuplicateAlbum], int]:
    """Albums holding duplicate or multi-version tracks (sort: groups, album): how many groups, how many
    extra copies, and what keeping one copy of each would free."""
    direction = "ASC" if params.order == "asc" else "DESC"
    order = ALBUM_SORTS.get(params.sort or "groups", ALBUM_SORTS["groups"]).format(dir=direction)
    sql, args = _group_query(ALBUMS_SQL.replace("{{order}}", order), params, account_id, settings)
    albums, total = await fetch_page(session, sql, args, params)
    if not albums:
        return [], total
    detail, dargs = _group_query(ALBUM_GROUPS_SQL, params, account_id, settings)
    dargs.update(
        ac=[a["connection_id"] for a in albums],
        aa=[a["sa"] or "" for a in albums],
        ab=[a["sb"] or "" for a in albums],
    )
    rows = [dict(r) for r in (await session.execute(text(detail), dargs)).mappings().all()]
    by_album: dict[AlbumKey, list[DuplicateGroup]] = {}
    for key, group in await _build_groups(session, account_id, rows, settings):
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


DUPLICATE_COLUMNS = [
    "group",
    "kind",
    "title",
    "artist",
    "album",
    "keeper",
    "connection_id",
    "upstream_id",
    "part_id",
    "file",
    "container",
    "audio_codec",
    "bitrate_kbps",
    "duration_ms",
    "size_bytes",
    "added_at",
    "why",
    "choice",
]


def _choice(group: DuplicateGroup, copy: Copy) -> str:
    """On the keeper's row: "chosen" when it is the owner's choice for this group, else why a choice
    made for these copies no longer applies (if one was)."""
    if not copy.keeper:
        return ""
    return "chosen" if group.keeper_chosen else group.stale_choice or ""


def duplicate_rows(groups: list[DuplicateGroup]) -> list[dict[str, Any]]:
    """Groups flattened for a spreadsheet: one row per copy, numbered by group, the keeper marked."""
    out = []
    for number, group in enumerate(groups, start=1):
        for copy in group.copies:
            out.append(
                {
                    **copy.model_dump(mode="json"),
                    "group": number,
                    "kind": group.kind,
                    "title": group.title,
                    "artist": group.artist,
                    "album": group.album,
                    "keeper": "keep" if copy.keeper else "",
                    "why": f"{group.why}; {group.keeper_reason[0].lower()}{group.keeper_reason[1:]}"
                    if copy.keeper
                    else group.why,
                    "choice": _choice(group, copy),
                }
            )
    return out
