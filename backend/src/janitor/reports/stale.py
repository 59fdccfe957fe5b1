"""Stale content: movies and shows nobody has watched for N months (shows judged by their episodes),
ignoring recently added items and, optionally, recent and future releases.

What each person watched comes from ``watch_evidence`` (library/watch.py: every play Plex and
Jellyfin give, counted only after the current file was added), summed up per movie and show in
``item_last_plays`` at the end of every sync run and carried, with each show's episodes, by the
item's row in ``report_video_items`` (library/video_rows.py). Each item gets one verdict:

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
    "last_watched": "m.last_at",
    "title": "lower(m.title)",
    "added": "m.effective_added",
    "size": "m.total_size_bytes",
}

# Cut-offs of a "skip" setting at 0 months (off): nothing is that recent.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)

# Every movie and show of the account judged from its row in ``report_video_items`` (library/video_rows.py:
# a show's newest episode, its episodes' size across servers and its last plays, derived at the end of
# each sync run); the settings' cut-offs, the allowlist, switched-off libraries and copies shown through
# another server are applied here, so a write is seen at once. ``{{verdicts}}``: the rows judged (for
# the page or the totals), with only the columns the page reads (the window holds every judged row).
VERDICTS_SQL = f"""
SELECT m.id, m.connection_id, m.library_id, m.upstream_id, m.kind, m.title, m.year, m.released_on,
       m.effective_added, m.added_unknown, m.total_size_bytes, m.episodes, m.last_at, m.last_user_upstream_id,
       m.last_connection_id, m.last_any_at, m.undated_source, v.verdict
FROM report_video_items m
JOIN libraries l ON l.id = m.library_id
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN m.last_at >= :watch_cutoff AND m.last_at <= :suspect_after THEN 'recent'
        WHEN NOT m.added_unknown AND m.effective_added >= :added_cutoff AND m.effective_added <= :suspect_after
             THEN 'recent'
        WHEN m.last_any_at > :suspect_after OR m.effective_added > :suspect_after OR m.added_unknown
             OR m.undated_source IS NOT NULL THEN 'unknown'
        ELSE 'stale'
    END AS verdict
) v
WHERE m.account_id = :a AND m.kind IN ('movie', 'show') AND l.enabled
  AND NOT {folded()}
  AND v.verdict = :evidence
  AND NOT (:ignore_future AND m.released_on IS NOT NULL AND m.released_on > :today)
  AND NOT (m.released_on IS NOT NULL AND m.released_on >= :released_cutoff AND m.released_on <= :today)
  AND NOT {{protected}}
  {{filters}}
"""
# The page: judged, counted and sorted on the narrow rows; names (server, library, who watched it last)
# only for the page's rows.
STALE_SQL = """
SELECT m.id, m.connection_id, m.upstream_id, m.kind, m.title, m.year, m.released_on,
       m.effective_added, m.added_unknown, m.total_size_bytes AS size_bytes, m.episodes,
       m.last_at, ru.name AS last_by,
       CASE WHEN m.last_connection_id <> m.connection_id THEN pc.name END AS last_on,
       m.last_any_at, m.undated_source, m.verdict,
       c.name AS server, c.kind AS server_kind, c.base_url, c.server_id, l.title AS library, m.total
FROM (
    SELECT j.*, count(*) OVER () AS total FROM ({verdicts}) j
    ORDER BY {inner_order} NULLS {nulls}, j.id
    LIMIT :limit OFFSET :offset
) m
JOIN libraries l ON l.id = m.library_id
JOIN connections c ON c.id = m.connection_id
LEFT JOIN connections pc ON pc.id = m.last_connection_id
LEFT JOIN remote_users ru ON ru.connection_id = coalesce(m.last_connection_id, m.connection_id)
                         AND ru.upstream_id = m.last_user_upstream_id
ORDER BY {order} NULLS {nulls}, m.id
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
) -> tuple[str, str, dict[str, Any]]:
    """The page's statement, the judged rows' statement (for the totals) and their values."""
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
    verdicts = VERDICTS_SQL.format(protected=matches("'protected'"), filters=filters)
    sql = STALE_SQL.format(
        verdicts=verdicts,
        inner_order=f"{order.replace('m.', 'j.')} {direction}",
        order=f"{order} {direction}",
        nulls="FIRST" if direction == "ASC" else "LAST",
    )
    return sql, verdicts, args


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
    "SELECT count(*) AS n, coalesce(sum(s.total_size_bytes), 0) AS size_bytes, "
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
    _, verdicts, args = _stale_query(account_id, PageParams(), settings=settings, now=now, evidence="stale")
    # every row, in no order (sorting 15k rows for a sum)
    row = (await session.execute(text(TOTALS_SQL.format(stale=verdicts)), {**args, "now": now})).mappings().one()
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
    sql, _, args = _stale_query(account_id, params, settings=settings, now=now, evidence=evidence)
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
