"""The same media held by several of the account's servers (Plex and Jellyfin over the same disks).

Many households run Plex **and** Jellyfin on the same files. Each server has its own ids for them,
so without this every file would be counted once per server: twice the storage, two rows in every
report, a play on Jellyfin not counting for the Plex copy. ``media_copies`` records which items are
one file, rebuilt from the synced items (``rebuild_copies``):

* **Same file** (movies, episodes, tracks), in this order of trust:
  1. *path*: one of the item's files has the same path on both servers once each server's path
     mapping is applied (``connections.path_mappings``: "what this server calls ``/data`` the other
     calls ``/mnt/media``"; backslashes read as slashes, repeated and trailing slashes dropped).
     Deleting that file through one server removes it from the other.
  2. *fingerprint*: the same size in bytes, durations within ``DURATION_TOLERANCE_MS``, and the same
     identity (a shared IMDb/TMDB/TVDB id for movies and episodes, or for episodes the same season and
     episode number of shows sharing such an id; the same normalised title, artist and album for
     tracks) — and only when that match is unambiguous: one candidate on each side. Two items of one
     server are never merged with each other.
* **Same show**: shows sharing an IMDb/TMDB/TVDB id, or holding episodes that are the same file.
* **Same title, different file** (``title_group``): movies and episodes with the same identity on
  two servers whose files differ (other sizes). They stay two rows, each marked as such.

Every member of a group has a row, the primary included; the primary is the item of the
earliest-added connection (then the lowest id). Reports show the primary and fold the others into it
(``folded``): its bytes are counted once and a play of any member is a play of the file.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

DURATION_TOLERANCE_MS = 2_000
EXTERNAL_IDS = ("imdb", "tmdb", "tvdb")
_IDS = ", ".join(f"'{k}'" for k in EXTERNAL_IDS)

# The items the copies are judged on: present, in an enabled library of a media server.
_ELIGIBLE = "m.account_id = :a AND NOT m.gone AND l.enabled"
# A path as servers write it, compared in one form: forward slashes, no repeated or trailing slash.
NORMALISED_PATH = r"rtrim(regexp_replace(replace({path}, E'\\', '/'), '/{{2,}}', '/', 'g'), '/')"

PATH_PAIRS_SQL = f"""
WITH rules AS (
    -- stored normalised ("/" for the root, read here as the empty prefix every path starts from)
    SELECT c.id AS connection_id, rtrim(r->>'server_path', '/') AS src, rtrim(r->>'shared_path', '/') AS dst
    FROM connections c CROSS JOIN LATERAL jsonb_array_elements(c.path_mappings) r
    WHERE c.account_id = :a
),
f AS (
    SELECT m.id, m.connection_id, m.library_id, m.kind, {NORMALISED_PATH.format(path="p->>'file'")} AS path
    FROM media_items m JOIN libraries l ON l.id = m.library_id
    CROSS JOIN LATERAL jsonb_array_elements(m.parts) p
    WHERE {_ELIGIBLE} AND m.kind IN ('movie', 'episode', 'track') AND coalesce(p->>'file', '') <> ''
),
mapped AS (
    SELECT f.id, f.connection_id, f.library_id, f.kind,
           coalesce((SELECT r.dst || substr(f.path, length(r.src) + 1) FROM rules r
                     WHERE r.connection_id = f.connection_id
                       AND (f.path = r.src OR starts_with(f.path, r.src || '/'))
                     ORDER BY length(r.src) DESC LIMIT 1), f.path) AS path
    FROM f
)
SELECT DISTINCT a.id AS a, a.connection_id AS a_conn, a.library_id AS a_lib, b.id AS b, b.connection_id AS b_conn,
       b.library_id AS b_lib, a.kind
FROM mapped a JOIN mapped b ON b.path = a.path AND b.kind = a.kind AND b.connection_id <> a.connection_id
WHERE a.id < b.id
"""

# Items of two servers with the same identity, and whether their files have the same fingerprint
# (size and duration). Movies and episodes by a shared external id, episodes also by season and
# episode number within shows that share one, tracks by their normalised title-artist-album key.
IDENTITY_PAIRS_SQL = f"""
WITH v AS (
    SELECT m.id, m.connection_id, m.library_id, m.kind, m.upstream_id, m.grandparent_id, m.parent_index,
           m."index" AS idx,
           m.size_bytes, m.duration_ms, m.guids, m.match_key
    FROM media_items m JOIN libraries l ON l.id = m.library_id
    WHERE {_ELIGIBLE} AND m.kind IN ('movie', 'episode', 'show', 'track')
),
ids AS (
    SELECT v.id, v.connection_id, v.kind, v.upstream_id, x.key, x.value
    FROM v CROSS JOIN LATERAL jsonb_each_text(v.guids) x
    WHERE v.kind IN ('movie', 'episode', 'show') AND x.key IN ({_IDS}) AND x.value <> ''
),
shows AS (
    SELECT DISTINCT a.connection_id AS ca, a.upstream_id AS ua, b.connection_id AS cb, b.upstream_id AS ub
    FROM ids a JOIN ids b ON b.key = a.key AND b.value = a.value AND b.connection_id <> a.connection_id
    WHERE a.kind = 'show' AND b.kind = 'show'
),
pairs AS (
    SELECT a.id AS a, b.id AS b
    FROM ids a JOIN ids b ON b.key = a.key AND b.value = a.value AND b.kind = a.kind
                         AND b.connection_id <> a.connection_id AND a.id < b.id
    WHERE a.kind IN ('movie', 'episode', 'show')
    UNION
    SELECT a.id, b.id
    FROM shows s
    JOIN v a ON a.kind = 'episode' AND a.connection_id = s.ca AND a.grandparent_id = s.ua
    JOIN v b ON b.kind = 'episode' AND b.connection_id = s.cb AND b.grandparent_id = s.ub
            AND b.parent_index = a.parent_index AND b.idx = a.idx
    WHERE a.id < b.id AND a.parent_index IS NOT NULL AND a.idx IS NOT NULL
    UNION
    SELECT a.id, b.id
    FROM v a JOIN v b ON b.match_key = a.match_key AND b.connection_id <> a.connection_id AND a.id < b.id
    WHERE a.kind = 'track' AND b.kind = 'track'
)
SELECT a.id AS a, a.connection_id AS a_conn, a.library_id AS a_lib, a.kind, b.id AS b, b.connection_id AS b_conn,
       b.library_id AS b_lib,
       coalesce(a.size_bytes > 0 AND a.size_bytes = b.size_bytes
                AND abs(a.duration_ms - b.duration_ms) <= :tolerance, false) AS same_fingerprint,
       a.size_bytes IS NOT NULL AND b.size_bytes IS NOT NULL AND a.size_bytes <> b.size_bytes AS other_size
FROM pairs p JOIN v a ON a.id = p.a JOIN v b ON b.id = p.b
"""

# The show of each of these episodes (shows holding the same files are the same show), in two reads
# joined here: as one join, planned while a first sync's rows were not analysed yet, it became a nested
# loop of every show over every episode id (57 s instead of 0.1 s for 8,000 episodes, seen in the soak).
EPISODES_SQL = """
SELECT e.id, e.connection_id, e.grandparent_id FROM media_items e WHERE e.account_id = :a AND e.id = ANY(:ids)
"""
SHOWS_SQL = """
SELECT s.id, s.connection_id, s.upstream_id, s.library_id FROM media_items s
WHERE s.account_id = :a AND s.kind = 'show' AND NOT s.gone
"""


def folded(item: str = "m") -> str:
    """SQL: true for an item the reports show through another copy of the same file (or show): its
    group's primary, which is present and in an enabled library. Never NULL. Checking the primary
    here, not only when the groups were built, means no item is ever hidden behind a copy that is
    gone or switched off."""
    return (
        "EXISTS (SELECT 1 FROM media_copies fc JOIN media_items fp ON fp.id = fc.file_group "
        "JOIN libraries fl ON fl.id = fp.library_id "
        f"WHERE fc.item_id = {item}.id AND fc.file_group <> {item}.id AND NOT fp.gone AND fl.enabled)"
    )


def members(item: str = "m") -> str:
    """SQL: the ids of every item that is the same file (or show) as ``item``, itself included."""
    return (
        f"(SELECT coalesce(array_agg(gc.item_id), ARRAY[{item}.id]) FROM media_copies gc "
        f"WHERE gc.file_group = (SELECT c0.file_group FROM media_copies c0 WHERE c0.item_id = {item}.id))"
    )


@dataclass
class CopyStats:
    """What a rebuild found (for logs and tests)."""

    file_groups: int = 0
    show_groups: int = 0
    title_groups: int = 0
    by_path: int = 0
    by_fingerprint: int = 0
    ambiguous: int = 0


@dataclass
class _Groups:
    """Union-find over item ids."""

    parent: dict[int, int] = field(default_factory=dict)

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        self.parent.setdefault(a, a)
        self.parent.setdefault(b, b)
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for x in list(self.parent):
            out[self.find(x)].append(x)
        return [sorted(g) for g in out.values() if len(g) > 1]


def unambiguous(pairs: Iterable[tuple[int, uuid.UUID, int, uuid.UUID]]) -> tuple[list[tuple[int, int]], int]:
    """The pairs in which each side has exactly one candidate on the other side's server, and how
    many pairs were left out for being ambiguous (a second candidate means we cannot tell which file
    is which: they stay apart)."""
    pairs = list(pairs)
    candidates: dict[tuple[int, uuid.UUID], int] = defaultdict(int)
    for a, a_conn, b, b_conn in pairs:
        candidates[(a, b_conn)] += 1
        candidates[(b, a_conn)] += 1
    kept = [(a, b) for a, a_conn, b, b_conn in pairs if candidates[(a, b_conn)] == 1 and candidates[(b, a_conn)] == 1]
    return kept, len(pairs) - len(kept)


async def media_connection_order(session: AsyncSession, account_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(
        text(
            "SELECT id FROM connections WHERE account_id = :a AND kind IN ('plex', 'jellyfin') ORDER BY created_at, id"
        ),
        {"a": account_id},
    )
    return [r[0] for r in rows]


async def rebuild_copies(session: AsyncSession, account_id: uuid.UUID) -> CopyStats:
    """Replace the account's ``media_copies`` (in the caller's transaction). An account with fewer than
    two media servers has none, and pays for one query. Two rebuilds of one account (the end of a sync,
    a library switched) take turns: a transaction-scoped lock, so the second sees the first's rows."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('media_copies:' || :a))"), {"a": str(account_id)})
    await session.execute(text("DELETE FROM media_copies WHERE account_id = :a"), {"a": account_id})
    stats = CopyStats()
    order = await media_connection_order(session, account_id)
    if len(order) < 2:
        return stats
    rank = {c: i for i, c in enumerate(order)}
    args = {"a": account_id, "tolerance": DURATION_TOLERANCE_MS}
    # Every join here is an equality over thousands of rows on each side; estimated through the CTEs,
    # some looked like one row and became nested loops over every pair (87 s instead of 0.3 s for
    # 17,500 items per server). Hash and merge joins only, for these two queries.
    await session.execute(text("SET LOCAL enable_nestloop = off"))
    path_pairs = (await session.execute(text(PATH_PAIRS_SQL), args)).all()
    identity = (await session.execute(text(IDENTITY_PAIRS_SQL), args)).mappings().all()
    await session.execute(text("SET LOCAL enable_nestloop TO DEFAULT"))

    connection_of: dict[int, uuid.UUID] = {}
    library_of: dict[int, uuid.UUID] = {}
    files, titles, shows = _Groups(), _Groups(), _Groups()
    by_path: set[int] = set()
    episodes: set[int] = set()
    for a, a_conn, a_lib, b, b_conn, b_lib, kind in path_pairs:
        connection_of[a], connection_of[b] = a_conn, b_conn
        library_of[a], library_of[b] = a_lib, b_lib
        if kind == "episode":
            episodes.update((a, b))
        files.union(a, b)
        by_path.update((a, b))
    # Fingerprints only match items no path has matched, one candidate on each side; and a match never
    # makes two items of one server one file (a copy of a track added on Plex beside the original has
    # the original's fingerprint, and Jellyfin's copy of the original would tie them together).
    fingerprints, stats.ambiguous = unambiguous(
        (r["a"], r["a_conn"], r["b"], r["b_conn"])
        for r in identity
        if r["same_fingerprint"] and r["kind"] != "show" and r["a"] not in by_path and r["b"] not in by_path
    )
    for r in identity:
        connection_of[r["a"]], connection_of[r["b"]] = r["a_conn"], r["b_conn"]
        library_of[r["a"]], library_of[r["b"]] = r["a_lib"], r["b_lib"]
        if r["kind"] == "show":
            shows.union(r["a"], r["b"])
            continue
        if r["kind"] == "episode" and r["same_fingerprint"]:
            episodes.update((r["a"], r["b"]))
        if r["kind"] in ("movie", "episode"):
            titles.union(r["a"], r["b"])
    servers_of: dict[int, set[uuid.UUID]] = {}
    for a, b in fingerprints:
        ra, rb = files.find(a), files.find(b)
        held_a = servers_of.get(ra, {connection_of[a]})
        held_b = servers_of.get(rb, {connection_of[b]})
        if held_a & held_b:
            stats.ambiguous += 1
            continue
        files.union(a, b)
        servers_of[files.find(a)] = held_a | held_b
    file_groups = files.groups()

    # Shows whose episodes are the same files are the same show.
    show_of: dict[int, int] = {}
    if episodes:
        of_show = {
            (r.connection_id, r.upstream_id): r for r in await session.execute(text(SHOWS_SQL), {"a": account_id})
        }
        for e in await session.execute(text(EPISODES_SQL), {"a": account_id, "ids": sorted(episodes)}):
            if (show := of_show.get((e.connection_id, e.grandparent_id))) is not None:
                show_of[e.id], connection_of[show.id], library_of[show.id] = (
                    show.id,
                    show.connection_id,
                    show.library_id,
                )
    for group in file_groups:
        group_shows = [show_of[i] for i in group if i in show_of]
        for s in group_shows[1:]:
            shows.union(group_shows[0], s)
        for i in group[1:]:
            titles.union(group[0], i)

    def primary(group: Sequence[int]) -> int:
        return min(group, key=lambda i: (rank.get(connection_of[i], len(rank)), i))

    rows: dict[int, list[object]] = {}
    for group in file_groups:
        lead = primary(group)
        how = "path" if all(i in by_path for i in group) else "fingerprint"
        stats.by_path += how == "path"
        stats.by_fingerprint += how == "fingerprint"
        for i in group:
            rows[i] = [lead, None, how]
    stats.file_groups = len(file_groups)
    show_groups = shows.groups()
    stats.show_groups = len(show_groups)
    for group in show_groups:
        lead = primary(group)
        for i in group:
            rows[i] = [lead, None, "show"]
    # A title on two servers as different files: each copy is told of the other.
    for group in titles.groups():
        distinct_files = {rows[i][0] if i in rows else i for i in group}
        if len(distinct_files) < 2:
            continue
        stats.title_groups += 1
        for i in group:
            rows.setdefault(i, [None, None, None])[1] = group[0]
    if rows:
        # COPY: a large household's rows number in the hundreds of thousands.
        raw = await (await session.connection()).get_raw_connection()
        driver: Any = raw.driver_connection  # asyncpg's, inside this transaction (statements ran on it)
        await driver.copy_records_to_table(
            "media_copies",
            records=[(i, account_id, connection_of[i], library_of[i], *row) for i, row in rows.items()],
            columns=["item_id", "account_id", "connection_id", "library_id", "file_group", "title_group", "matched_by"],
        )
    return stats


_SLASHES = re.compile(r"/{2,}")


async def sample_paths(session: AsyncSession, connection_id: uuid.UUID) -> list[str]:
    """One file path of each synced library of the server, as the server writes it."""
    rows = await session.execute(
        text(
            "SELECT DISTINCT ON (m.library_id) m.parts -> 0 ->> 'file' AS path FROM media_items m "
            "JOIN libraries l ON l.id = m.library_id "
            "WHERE m.connection_id = :c AND l.enabled AND NOT m.gone AND m.kind IN ('movie', 'episode', 'track') "
            "AND coalesce(m.parts -> 0 ->> 'file', '') <> '' ORDER BY m.library_id, m.id"
        ),
        {"c": connection_id},
    )
    return [r.path for r in rows]


@dataclass
class SharedFiles:
    connection_id: uuid.UUID
    name: str
    files: int
    by_path: int


async def shared_files(session: AsyncSession, connection_id: uuid.UUID) -> list[SharedFiles]:
    """The other servers holding files of this one, with how many (and how many by path)."""
    rows = await session.execute(
        text(
            "SELECT o.connection_id, c.name, count(DISTINCT mine.item_id) AS files, "
            "count(DISTINCT mine.item_id) FILTER (WHERE mine.matched_by = 'path') AS by_path "
            "FROM media_copies mine JOIN media_copies o ON o.file_group = mine.file_group "
            "AND o.connection_id <> mine.connection_id JOIN connections c ON c.id = o.connection_id "
            "WHERE mine.connection_id = :c AND mine.matched_by IN ('path', 'fingerprint') "
            "GROUP BY o.connection_id, c.name ORDER BY c.name"
        ),
        {"c": connection_id},
    )
    return [SharedFiles(r.connection_id, r.name, r.files, r.by_path) for r in rows]


def normalise_path(path: str) -> str:
    """A path in the form ``NORMALISED_PATH`` compares them (Python twin of that SQL)."""
    return _SLASHES.sub("/", path.strip().replace("\\", "/")).rstrip("/")
