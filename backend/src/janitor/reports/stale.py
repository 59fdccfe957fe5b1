"""Stale content: movies and shows nobody has watched for N months (shows judged by their episodes),
ignoring recently added items and, optionally, recent and future releases.

What each person watched comes from ``watch_evidence`` (library/watch.py: every play Plex and
Jellyfin give, counted only after the current file was added), summed up per movie and show in
``item_last_plays`` at the end of every sync run. Each item gets one verdict:

* ``recent`` (not listed): a play that counts on or after the watch cut-off, or added (newest
  episode, for a show) on or after the added cut-off;
* ``unknown``: the evidence cannot be judged (a play or an added date in the future, no added date,
  a play without a date): listed apart (``evidence=unknown``) with why, never as stale;
* ``stale``: everything else, i.e. no play that counts since the cut-off.

Cut-offs are calendar months in the account's time zone (library/clock.py): "stale after 4 months"
cuts at local midnight of the day 4 months before today, so a last play on that day is not stale
and one the day before is; "skip items added within 3 months" keeps an item added on that day out.
0 months turns a "skip" setting off. Titles released after today (local), and released since the
released cut-off, are never stale (settings)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.sql import matches
from janitor.library.clock import local_today, months_before, start_of_day, zone
from janitor.library.copies import folded
from janitor.library.dates import suspect_after
from janitor.library.watch import day, unknown_why
from janitor.reports.common import PageParams, fetch_page, item_link, scope_filters
from janitor.reports.copies import ServerCopy, copies_note, other_copies
from janitor.reports.models import ReportSettings

Evidence = Literal["stale", "unknown"]

SORTS = {
    "last_watched": "last_at",
    "title": "lower(m.title)",
    "added": "a.added",
    "size": "size_bytes",
}

# Cut-offs of a "skip" setting at 0 months (off): nothing is that recent.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)

# A show is judged with its copies on the account's other servers (library/copies.py): its row is
# the group's primary show, its episodes every group member's, each file counted once. The episodes
# are summed per show row (``ep``, through ix_media_items_show_episodes), not for every show of the
# account first and joined after: the planner cannot estimate that join (it guessed one row for 1,425
# shows and compared every movie and show with every show, 10 s at 60k video items).
STALE_SQL = f"""
SELECT m.id, m.connection_id, m.upstream_id, m.kind, m.title, m.year, m.released_on,
       a.added AS effective_added, a.unknown AS added_unknown,
       COALESCE(ep.size_bytes, m.size_bytes) AS size_bytes, ep.episodes,
       lp.played_at AS last_at, ru.name AS last_by,
       CASE WHEN lp.played_connection_id <> m.connection_id THEN pc.name END AS last_on,
       lp.last_any_at, lp.undated_source, v.verdict,
       c.name AS server, c.kind AS server_kind, c.base_url, c.server_id, l.title AS library,
       count(*) OVER () AS total
FROM media_items m
JOIN libraries l ON l.id = m.library_id
JOIN connections c ON c.id = m.connection_id
LEFT JOIN LATERAL (
    -- the shows of this row: the show itself when it has no copies, else every present show of its group
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
-- one key lookup per row, whatever the planner expects of the filters (LIMIT 1 keeps it a lookup: a
-- search it underestimated had it read every last play for every row)
LEFT JOIN LATERAL (
    SELECT x.* FROM item_last_plays x WHERE x.connection_id = m.connection_id AND x.target = m.upstream_id LIMIT 1
) lp ON true
LEFT JOIN connections pc ON pc.id = lp.played_connection_id
LEFT JOIN remote_users ru ON ru.connection_id = coalesce(lp.played_connection_id, m.connection_id)
                         AND ru.upstream_id = lp.user_upstream_id
CROSS JOIN LATERAL (
    -- a show's age is its newest episode's, unknown when any episode has no added date
    SELECT COALESCE(ep.newest, m.added_at) AS added,
           COALESCE(ep.undated, 0) > 0 OR COALESCE(ep.newest, m.added_at) IS NULL AS unknown
) a
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN lp.played_at >= :watch_cutoff AND lp.played_at <= :suspect_after THEN 'recent'
        WHEN NOT a.unknown AND a.added >= :added_cutoff AND a.added <= :suspect_after THEN 'recent'
        WHEN lp.last_any_at > :suspect_after OR a.added > :suspect_after OR a.unknown
             OR lp.undated_source IS NOT NULL THEN 'unknown'
        ELSE 'stale'
    END AS verdict
) v
WHERE m.account_id = :a AND m.kind IN ('movie', 'show') AND NOT m.gone AND l.enabled
  AND NOT {folded()}
  AND v.verdict = :evidence
  AND NOT (:ignore_future AND m.released_on IS NOT NULL AND m.released_on > :today)
  AND NOT (m.released_on IS NOT NULL AND m.released_on >= :released_cutoff AND m.released_on <= :today)
  AND NOT {{protected}}
  {{filters}}
ORDER BY {{order}} NULLS {{nulls}}, m.id
LIMIT :limit OFFSET :offset
"""


class StaleItem(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str
    kind: str
    title: str
    year: int | None
    released_on: date | None
    added_at: datetime | None
    size_bytes: int | None
    episodes: int | None
    last_watched_at: datetime | None
    last_watched_by: str | None
    server: str
    library: str
    link: str
    evidence: Evidence
    why: str
    copies: list[ServerCopy] = Field(
        default_factory=list, description="The same file (or show) on other servers, or the title as another file"
    )


def _stale_query(
    account_id: uuid.UUID, params: PageParams, *, settings: ReportSettings, now: datetime, evidence: Evidence
) -> tuple[str, dict[str, Any]]:
    filters, args = scope_filters(params, search=("m.title",), copies=True)
    tz = zone(settings.time_zone)
    today = local_today(now, tz)

    def cutoff(months: int) -> datetime:
        return start_of_day(months_before(today, months), tz)

    args.update(
        a=account_id,
        evidence=evidence,
        watch_cutoff=cutoff(settings.stale_months),
        added_cutoff=cutoff(settings.stale_ignore_added_months) if settings.stale_ignore_added_months else NEVER,
        released_cutoff=months_before(today, settings.stale_ignore_released_months)
        if settings.stale_ignore_released_months
        else date.max,
        today=today,
        suspect_after=suspect_after(now),
        ignore_future=settings.stale_ignore_future_releases,
    )
    order = SORTS.get(params.sort or "last_watched", SORTS["last_watched"])
    direction = "ASC" if params.order == "asc" else "DESC"
    sql = STALE_SQL.format(
        protected=matches("'protected'"),
        filters=filters,
        order=f"{order} {direction}",
        nulls="FIRST" if direction == "ASC" else "LAST",
    )
    return sql, args


# The dashboard's figures over every judged-stale item (no page cap; unknown ones are not counted),
# from the report's own query: how many, their size, and how long ago they were last watched (days
# >= each bucket's lower bound).
AGE_BUCKETS: list[tuple[str, int | None]] = [
    ("never watched", None),
    ("over 2 years", 730),
    ("1-2 years", 365),
    ("6-12 months", 182),
    ("under 6 months", 0),
]


def _age_filters() -> list[str]:
    """One condition per bucket: never watched, then days since the last play >= the bucket's bound
    and < the previous one's. Only judged items are counted: a play dated in the future makes an item
    unknown, never stale."""
    conditions, previous = ["s.last_at IS NULL"], None
    for _, bound in AGE_BUCKETS[1:]:
        parts = [f"s.last_at > CAST(:now AS timestamptz) - interval '{previous} days'"] if previous is not None else []
        if bound:
            parts.append(f"s.last_at <= CAST(:now AS timestamptz) - interval '{bound} days'")
        conditions.append(" AND ".join(parts) or "s.last_at IS NOT NULL")
        previous = bound
    return conditions


TOTALS_SQL = (
    "SELECT count(*) AS n, coalesce(sum(s.size_bytes), 0) AS size_bytes, "
    + ", ".join(f"count(*) FILTER (WHERE {c}) AS b{i}" for i, c in enumerate(_age_filters()))
    + " FROM ({stale}) s"
)


class StaleTotals(BaseModel):
    count: int
    size_bytes: int
    by_age: dict[str, int]


async def stale_totals(
    session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime
) -> StaleTotals:
    sql, args = _stale_query(
        account_id, PageParams(page=1, page_size=1, sort="title"), settings=settings, now=now, evidence="stale"
    )
    # every row, in no order: the page's ORDER BY and LIMIT are left out (sorting 15k rows for a sum)
    sql = sql[: sql.rindex("ORDER BY")]
    row = (await session.execute(text(TOTALS_SQL.format(stale=sql)), {**args, "now": now})).mappings().one()
    return StaleTotals(
        count=row["n"],
        size_bytes=row["size_bytes"],
        by_age={label: row[f"b{i}"] for i, (label, _) in enumerate(AGE_BUCKETS)},
    )


async def stale_items(
    session: AsyncSession,
    account_id: uuid.UUID,
    params: PageParams,
    *,
    settings: ReportSettings,
    now: datetime,
    evidence: Evidence = "stale",
) -> tuple[list[StaleItem], int]:
    """The stale items, or (``evidence="unknown"``) the items left unjudged, each with why."""
    sql, args = _stale_query(account_id, params, settings=settings, now=now, evidence=evidence)
    rows, total = await fetch_page(session, sql, args, params)
    tz = zone(settings.time_zone)
    copies = await other_copies(session, account_id, (r["id"] for r in rows))
    return [_row(r, settings=settings, now=now, tz=tz, copies=copies.get(r["id"], [])) for r in rows], total


def _why(r: dict[str, Any], *, settings: ReportSettings, now: datetime, tz: tzinfo) -> str:
    if r["verdict"] == "unknown":
        reason = unknown_why(
            now=now,
            played_at=r["last_any_at"],
            added_at=r["effective_added"],
            added_known=not r["added_unknown"],
            undated_source=r["undated_source"],
            tz=tz,
        )
        return "Not judged: " + (reason or "the evidence is incomplete")
    added = r["effective_added"]
    if r["last_at"] is not None:
        by = f" by {r['last_by']}" if r["last_by"] else ""
        on = f" on {r['last_on']}" if r["last_on"] else ""
        return f"Last watched {day(r['last_at'], tz)}{by}{on}, more than {settings.stale_months} months ago"
    if r["last_any_at"] is not None and added is not None:
        return (
            f"Not watched since its current file was added on {day(added, tz)}; "
            f"the last play, {day(r['last_any_at'], tz)}, was of an earlier file"
        )
    return f"Never watched; added {day(added, tz)}" if added else "Never watched"


def _row(
    r: dict[str, Any], *, settings: ReportSettings, now: datetime, tz: tzinfo, copies: list[ServerCopy]
) -> StaleItem:
    why = _why(r, settings=settings, now=now, tz=tz)
    note = copies_note(copies)
    return StaleItem(
        connection_id=r["connection_id"],
        upstream_id=r["upstream_id"],
        kind=r["kind"],
        title=r["title"],
        year=r["year"],
        released_on=r["released_on"],
        added_at=r["effective_added"],
        size_bytes=r["size_bytes"],
        episodes=r["episodes"],
        last_watched_at=r["last_at"],
        last_watched_by=r["last_by"],
        server=r["server"],
        library=r["library"],
        link=item_link(r["server_kind"], r["base_url"], r["server_id"], r["upstream_id"]),
        evidence=r["verdict"],
        why=f"{why}; {note}" if note else why,
        copies=copies,
    )
