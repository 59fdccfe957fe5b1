"""Stale content: movies and shows nobody has watched for N months (shows judged by their episodes),
ignoring recently added items and, optionally, recent and future releases.

The last play of each movie and show comes from ``item_last_plays``, rebuilt at the end of every
sync run (``reports.precompute``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.sql import matches
from janitor.reports.common import PageParams, fetch_page, item_link, scope_filters
from janitor.reports.models import ReportSettings

SORTS = {
    "last_watched": "last_at",
    "title": "lower(m.title)",
    "added": "effective_added",
    "size": "size_bytes",
}

STALE_SQL = """
WITH episodes AS (
    SELECT connection_id, grandparent_id AS show_id, max(added_at) AS newest, sum(size_bytes) AS size_bytes,
           count(*) AS episodes
    FROM media_items WHERE account_id = :a AND kind = 'episode' AND NOT gone GROUP BY 1, 2
)
SELECT m.connection_id, m.upstream_id, m.kind, m.title, m.year, m.released_on,
       COALESCE(ep.newest, m.added_at) AS effective_added,
       COALESCE(ep.size_bytes, m.size_bytes) AS size_bytes, ep.episodes,
       lp.played_at AS last_at, ru.name AS last_by,
       c.name AS server, c.kind AS server_kind, c.base_url, c.server_id, l.title AS library,
       count(*) OVER () AS total
FROM media_items m
JOIN libraries l ON l.id = m.library_id
JOIN connections c ON c.id = m.connection_id
LEFT JOIN episodes ep ON m.kind = 'show' AND ep.connection_id = m.connection_id AND ep.show_id = m.upstream_id
LEFT JOIN item_last_plays lp ON lp.connection_id = m.connection_id AND lp.target = m.upstream_id
LEFT JOIN remote_users ru ON ru.connection_id = m.connection_id AND ru.upstream_id = lp.user_upstream_id
WHERE m.account_id = :a AND m.kind IN ('movie', 'show') AND NOT m.gone AND l.enabled
  AND (lp.played_at IS NULL OR lp.played_at < :watch_cutoff)
  AND (COALESCE(ep.newest, m.added_at) IS NULL OR COALESCE(ep.newest, m.added_at) < :added_cutoff)
  AND NOT (:ignore_future AND m.released_on IS NOT NULL AND m.released_on > :today)
  AND NOT (m.released_on IS NOT NULL AND m.released_on >= :released_cutoff AND m.released_on <= :today)
  AND NOT {protected}
  {filters}
ORDER BY {order} NULLS {nulls}, m.id
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
    why: str


def months_before(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 - months, 12)
    target_year, target_month = moment.year + year, month + 1
    day = min(moment.day, 28)
    return moment.replace(year=target_year, month=target_month, day=day)


def _stale_query(
    account_id: uuid.UUID, params: PageParams, *, settings: ReportSettings, now: datetime
) -> tuple[str, dict[str, Any]]:
    filters, args = scope_filters(params, search=("m.title",))
    args.update(
        a=account_id,
        watch_cutoff=months_before(now, settings.stale_months),
        added_cutoff=months_before(now, settings.stale_ignore_added_months),
        released_cutoff=months_before(now, settings.stale_ignore_released_months).date(),
        today=now.date(),
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


# The dashboard's figures over every stale item (no page cap), from the report's own query: how
# many, their size, and how long ago they were last watched (days >= each bucket's lower bound).
AGE_BUCKETS: list[tuple[str, int | None]] = [
    ("never watched", None),
    ("over 2 years", 730),
    ("1-2 years", 365),
    ("6-12 months", 182),
    ("under 6 months", 0),
]


def _age_filters() -> list[str]:
    """One condition per bucket: never watched, then days since the last play >= the bucket's bound
    and < the previous one's (a play dated in the future counts as the most recent bucket)."""
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
    sql, args = _stale_query(account_id, PageParams(page=1, page_size=1, sort="title"), settings=settings, now=now)
    # every row (LIMIT NULL is no limit), in the cheapest order
    row = (
        (await session.execute(text(TOTALS_SQL.format(stale=sql)), {**args, "now": now, "limit": None, "offset": 0}))
        .mappings()
        .one()
    )
    return StaleTotals(
        count=row["n"],
        size_bytes=row["size_bytes"],
        by_age={label: row[f"b{i}"] for i, (label, _) in enumerate(AGE_BUCKETS)},
    )


async def stale_items(
    session: AsyncSession, account_id: uuid.UUID, params: PageParams, *, settings: ReportSettings, now: datetime
) -> tuple[list[StaleItem], int]:
    sql, args = _stale_query(account_id, params, settings=settings, now=now)
    rows, total = await fetch_page(session, sql, args, params)
    items = []
    for r in rows:
        if r["last_at"] is None:
            why = f"Never watched; added {r['effective_added']:%Y-%m-%d}" if r["effective_added"] else "Never watched"
        else:
            by = f" by {r['last_by']}" if r["last_by"] else ""
            why = f"Last watched {r['last_at']:%Y-%m-%d}{by}, more than {settings.stale_months} months ago"
        items.append(
            StaleItem(
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
                why=why,
            )
        )
    return items, total
