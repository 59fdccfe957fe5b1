"""Jellyseerr requests that need attention, and content that recently became available."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.reports.common import PageParams, fetch_page, item_link, scope_filters
from janitor.reports.models import ReportSettings

Category = Literal["pending", "processing", "failed", "unavailable"]

# Request status: 1 pending, 2 approved, 3 declined, 4 failed, 5 completed.
# Media status: 1 unknown, 2 pending, 3 processing, 4 partially available, 5 available, 6 blocklisted, 7 deleted.
CATEGORY_SQL = """
CASE
    WHEN r.status = 1 THEN 'pending'
    WHEN r.status = 4 THEN 'failed'
    WHEN r.status IN (2, 5) AND r.media_status IN (6, 7) THEN 'unavailable'
    WHEN r.status = 2 AND coalesce(r.media_status, 1) <> 5 THEN 'processing'
END
"""

REQUESTS_SQL = f"""
SELECT * FROM (
    SELECT r.id, r.connection_id, r.upstream_id, r.media_type, r.title, r.tmdb_id, r.requested_by, r.requested_at,
           r.upstream_updated_at, r.status, r.media_status, r.is_4k, c.name AS server,
           {CATEGORY_SQL} AS category,
           coalesce(r.upstream_updated_at, r.requested_at) AS since
    FROM media_requests r JOIN connections c ON c.id = r.connection_id
    WHERE r.account_id = :a {{filters}}
) q
WHERE q.category IS NOT NULL {{category}}
ORDER BY {{order}}, q.id
LIMIT :limit OFFSET :offset
"""

SORTS = {"age": "q.requested_at", "title": "lower(q.title)", "requested_by": "lower(q.requested_by)"}
REASONS = {
    "pending": "Waiting for approval",
    "failed": "Jellyseerr reports the request failed (Sonarr/Radarr could not add or download it)",
    "unavailable": "The media was removed or blocklisted after it was requested",
    "processing": "Approved, not available yet",
}


class RequestRow(BaseModel):
    connection_id: uuid.UUID
    upstream_id: int
    media_type: str
    title: str | None
    tmdb_id: int | None
    requested_by: str | None
    requested_at: datetime | None
    age_days: int | None
    category: Category
    stuck: bool
    is_4k: bool
    server: str
    why: str


async def request_report(
    session: AsyncSession,
    account_id: uuid.UUID,
    params: PageParams,
    *,
    settings: ReportSettings,
    now: datetime,
    category: Literal["all", "pending", "processing", "failed", "unavailable", "stuck"] = "all",
) -> tuple[list[RequestRow], int]:
    stuck_before = now - timedelta(days=settings.stuck_request_days)
    filters, args = scope_filters(params, search=("r.title", "r.requested_by"), alias="r", library=False)
    args.update(a=account_id, stuck=stuck_before)
    if category == "stuck":
        cat = "AND q.category = 'processing' AND q.since < :stuck"
    elif category != "all":
        cat = "AND q.category = :cat"
        args["cat"] = category
    else:
        cat = ""
    direction = "ASC" if params.order == "asc" else "DESC"
    order = f"{SORTS.get(params.sort or 'age', SORTS['age'])} {direction} NULLS LAST"
    sql = REQUESTS_SQL.format(filters=filters, category=cat, order=order).replace(
        "SELECT * FROM (", "SELECT q.*, count(*) OVER () AS total FROM (", 1
    )
    rows, total = await fetch_page(session, sql, args, params)
    out = []
    for r in rows:
        stuck = r["category"] == "processing" and r["since"] is not None and r["since"] < stuck_before
        age = (now - r["requested_at"]).days if r["requested_at"] else None
        why = REASONS[r["category"]]
        if stuck:
            why = f"Approved {(now - r['since']).days} days ago and still not available (stuck)"
        out.append(
            RequestRow(
                connection_id=r["connection_id"],
                upstream_id=r["upstream_id"],
                media_type=r["media_type"],
                title=r["title"],
                tmdb_id=r["tmdb_id"],
                requested_by=r["requested_by"],
                requested_at=r["requested_at"],
                age_days=age,
                category=r["category"],
                stuck=stuck,
                is_4k=r["is_4k"],
                server=r["server"],
                why=why,
            )
        )
    return out, total


RECENT_SQL = """
SELECT * FROM (
    SELECT 'request' AS source, r.connection_id, r.upstream_id::text AS upstream_id, r.media_type AS kind,
           coalesce(r.title, 'TMDB ' || r.tmdb_id) AS title, r.media_added_at AS available_at, r.requested_by,
           c.name AS server, c.kind AS server_kind, c.base_url, c.server_id, NULL::text AS library, r.id::text AS tie
    FROM media_requests r JOIN connections c ON c.id = r.connection_id
    WHERE r.account_id = :a AND r.media_added_at >= :since AND r.media_status IN (4, 5)
    UNION ALL
    SELECT 'library', m.connection_id, m.upstream_id, m.kind, m.title, m.added_at, NULL,
           c.name, c.kind, c.base_url, c.server_id, l.title, m.id::text
    FROM media_items m JOIN libraries l ON l.id = m.library_id JOIN connections c ON c.id = m.connection_id
    WHERE m.account_id = :a AND m.kind IN ('movie', 'show', 'episode', 'album') AND NOT m.gone AND l.enabled
      AND m.added_at >= :since
) x
WHERE TRUE {filters}
ORDER BY x.available_at DESC, x.tie
LIMIT :limit OFFSET :offset
"""


class RecentRow(BaseModel):
    source: Literal["request", "library"]
    connection_id: uuid.UUID
    upstream_id: str
    kind: str
    title: str
    available_at: datetime
    requested_by: str | None
    server: str
    library: str | None
    link: str | None
    why: str


async def recently_available(
    session: AsyncSession, account_id: uuid.UUID, params: PageParams, *, settings: ReportSettings, now: datetime
) -> tuple[list[RecentRow], int]:
    days = settings.recently_available_days
    filters, args = scope_filters(params, search=("x.title",), alias="x", library=False)
    args.update(a=account_id, since=now - timedelta(days=days))
    sql = RECENT_SQL.format(filters=filters).replace(
        "SELECT * FROM (", "SELECT x.*, count(*) OVER () AS total FROM (", 1
    )
    rows, total = await fetch_page(session, sql, args, params)
    out = [
        RecentRow(
            source=r["source"],
            connection_id=r["connection_id"],
            upstream_id=r["upstream_id"],
            kind=r["kind"],
            title=r["title"],
            available_at=r["available_at"],
            requested_by=r["requested_by"],
            server=r["server"],
            library=r["library"],
            link=item_link(r["server_kind"], r["base_url"], r["server_id"], r["upstream_id"])
            if r["source"] == "library"
            else None,
            why=(
                f"Requested by {r['requested_by']}, available since {r['available_at']:%Y-%m-%d}"
                if r["source"] == "request"
                else f"Added {r['available_at']:%Y-%m-%d}, within {days} days"
            ),
        )
        for r in rows
    ]
    return out, total
