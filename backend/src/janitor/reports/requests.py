"""Jellyseerr requests that need attention, and content that recently became available."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.clients.jellyseerr import MEDIA_STATUS
from janitor.library.copies import folded
from janitor.library.dates import is_suspect, suspect_after
from janitor.reports.common import PageParams, fetch_page, item_link, scope_filters
from janitor.reports.copies import ServerCopy, other_copies
from janitor.reports.models import ReportSettings

# Request status: 1 pending, 2 approved, 3 declined, 4 failed, 5 completed (v2.6+).
# Media status (``status4k`` for a 4K request): 1 unknown, 2 pending, 3 processing, 4 partially available,
# 5 available, 6 blocklisted, 7 deleted. Jellyseerr's own filters are sets of both (server/routes/request.ts):
# "unavailable" is request 1 or 2 with media 1-4, "processing" request 2 with media 1-4, "pending" request 1,
# "failed" request 4. Its "all" list never holds blocklisted media (6), so a sync never sees those requests.
NOT_AVAILABLE_YET = (1, 2, 3, 4)

# A request's primary category (exactly one, the report's rows): pending, processing, failed or gone.
# "unavailable" (Jellyseerr's meaning: not available yet) and "stuck" overlap them, so they are flags.
Category = Literal["pending", "processing", "failed", "gone"]
RequestFilter = Literal["all", "pending", "unavailable", "processing", "stuck", "failed", "gone", "future_dates"]

CATEGORY_SQL = f"""
CASE
    WHEN r.status = 1 THEN 'pending'
    WHEN r.status = 4 THEN 'failed'
    WHEN r.status IN (2, 5) AND r.media_status IN (6, 7) THEN 'gone'
    WHEN r.status = 2 AND coalesce(r.media_status, 1) IN {NOT_AVAILABLE_YET} THEN 'processing'
END
"""

# Every request with its category and flags; the report keeps those with a category. A date later than
# :suspect_after (library/dates.py) is suspect: shown and flagged, never used as an age.
ROWS_SQL = f"""
SELECT r.id, r.connection_id, r.upstream_id, r.media_type, r.title, r.tmdb_id, r.requested_by, r.requested_at,
       r.upstream_updated_at, r.media_added_at, r.status, r.media_status, r.is_4k, c.name AS server,
       {CATEGORY_SQL} AS category,
       r.status IN (1, 2) AND coalesce(r.media_status, 1) IN {NOT_AVAILABLE_YET} AS unavailable,
       coalesce(r.upstream_updated_at, r.requested_at) AS since,
       coalesce(r.requested_at > :suspect_after, false) OR coalesce(r.upstream_updated_at > :suspect_after, false)
           OR coalesce(r.media_added_at > :suspect_after, false) AS future_dates
FROM media_requests r JOIN connections c ON c.id = r.connection_id
WHERE r.account_id = :a {{filters}}
"""
REQUESTS_SQL = f"""
SELECT q.*, count(*) OVER () AS total FROM ({ROWS_SQL}) q
WHERE q.category IS NOT NULL {{category}}
ORDER BY {{order}}, q.id
LIMIT :limit OFFSET :offset
"""

# Stuck: approved, not available yet, and its last change in Jellyseerr (else its creation) is strictly
# more than ``stuck_request_days`` ago (exactly that many days is not stuck yet). A date in the future
# is no age at all: such a request is never stuck.
STUCK_SQL = "q.category = 'processing' AND q.since < :stuck"
FILTERS: dict[str, str] = {
    "unavailable": "q.unavailable",
    "stuck": STUCK_SQL,
    "future_dates": "q.future_dates",
}

SORTS = {"age": "q.requested_at", "title": "lower(q.title)", "requested_by": "lower(q.requested_by)"}


class RequestRow(BaseModel):
    connection_id: uuid.UUID
    upstream_id: int
    media_type: str
    title: str | None
    tmdb_id: int | None
    requested_by: str | None
    requested_at: datetime | None
    age_days: int | None = Field(description="Days since the request; null when unknown or dated in the future")
    category: Category = Field(
        description="pending: waiting for approval; processing: approved, not available yet; failed: Jellyseerr "
        "reports a failure; gone: was available, then deleted or blocklisted"
    )
    unavailable: bool = Field(
        description="Jellyseerr's 'unavailable': pending or approved, media not available yet "
        "(unknown, pending, processing or partially available)"
    )
    stuck: bool = Field(description="Approved and not available for more than the stuck threshold (days)")
    future_dates: bool = Field(description="Jellyseerr dates the request or its media in the future (suspect)")
    media_status: str | None = Field(description="Jellyseerr's media status for the request's quality (4K or not)")
    is_4k: bool
    server: str
    why: str


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def _why(r: dict[str, Any], *, stuck: bool, now: datetime, stuck_days: int) -> str:
    media = r["media_status"]
    if r["category"] == "pending":
        why = "Waiting for approval in Jellyseerr"
        if r["unavailable"]:
            why += "; not available yet"
        elif media == 5:
            why += ", although the media is already available"
    elif r["category"] == "failed":
        why = "Jellyseerr reports the request failed (Sonarr/Radarr could not add or download it)"
    elif r["category"] == "gone":
        why = (
            "The media is blocklisted in Jellyseerr"
            if media == 6
            else "Was available, then deleted from the media server (Jellyseerr marks the media deleted)"
        )
    elif stuck:
        why = (
            f"Approved {(now - r['since']).days} days ago and still not available (stuck: more than {stuck_days} days)"
        )
    else:
        why = "Approved; partially available so far" if media == 4 else "Approved, not available yet"
    later = suspect_after(now)
    future = [
        f"its {label} {_day(r[key])}"
        for key, label in (
            ("requested_at", "request"),
            ("upstream_updated_at", "last change"),
            ("media_added_at", "availability"),
        )
        if r[key] is not None and r[key] > later
    ]
    if future:
        why += f". Jellyseerr dates {' and '.join(future)}, in the future: suspect, not used as an age"
    return why


async def request_report(
    session: AsyncSession,
    account_id: uuid.UUID,
    params: PageParams,
    *,
    settings: ReportSettings,
    now: datetime,
    category: RequestFilter = "all",
) -> tuple[list[RequestRow], int]:
    stuck_before = now - timedelta(days=settings.stuck_request_days)
    filters, args = scope_filters(params, search=("r.title", "r.requested_by"), alias="r", library=False)
    args.update(a=account_id, stuck=stuck_before, suspect_after=suspect_after(now))
    if category in FILTERS:
        cat = f"AND {FILTERS[category]}"
    elif category != "all":
        cat = "AND q.category = :cat"
        args["cat"] = category
    else:
        cat = ""
    direction = "ASC" if params.order == "asc" else "DESC"
    order = f"{SORTS.get(params.sort or 'age', SORTS['age'])} {direction} NULLS LAST"
    sql = REQUESTS_SQL.format(filters=filters, category=cat, order=order)
    rows, total = await fetch_page(session, sql, args, params)
    out = []
    for r in rows:
        stuck = r["category"] == "processing" and r["since"] is not None and r["since"] < stuck_before
        requested = r["requested_at"]
        age = None if requested is None or is_suspect(requested, now) else max(0, (now - requested).days)
        out.append(
            RequestRow(
                connection_id=r["connection_id"],
                upstream_id=r["upstream_id"],
                media_type=r["media_type"],
                title=r["title"],
                tmdb_id=r["tmdb_id"],
                requested_by=r["requested_by"],
                requested_at=requested,
                age_days=age,
                category=r["category"],
                unavailable=r["unavailable"],
                stuck=stuck,
                future_dates=r["future_dates"],
                media_status=MEDIA_STATUS.get(r["media_status"]) if r["media_status"] is not None else None,
                is_4k=r["is_4k"],
                server=r["server"],
                why=_why(r, stuck=stuck, now=now, stuck_days=settings.stuck_request_days),
            )
        )
    return out, total


COUNTS_SQL = f"""
SELECT count(*) AS all, count(*) FILTER (WHERE q.category = 'pending') AS pending,
       count(*) FILTER (WHERE q.unavailable) AS unavailable,
       count(*) FILTER (WHERE q.category = 'processing') AS processing,
       count(*) FILTER (WHERE {STUCK_SQL}) AS stuck,
       count(*) FILTER (WHERE q.category = 'failed') AS failed,
       count(*) FILTER (WHERE q.category = 'gone') AS gone,
       count(*) FILTER (WHERE q.future_dates) AS future_dates
FROM ({ROWS_SQL}) q
WHERE q.category IS NOT NULL
"""


async def request_counts(
    session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime
) -> dict[str, int]:
    """How many requests each filter of the report holds (``all`` counts each request once)."""
    args = {
        "a": account_id,
        "stuck": now - timedelta(days=settings.stuck_request_days),
        "suspect_after": suspect_after(now),
    }
    row = (await session.execute(text(COUNTS_SQL.format(filters="")), args)).mappings().one()
    return {key: int(value) for key, value in row.items()}


# Recent: available at most ``recently_available_days`` ago, inclusive (a title available exactly N days
# ago still counts), and no later than the clock-skew tolerance allows (library/dates.py). A later date is
# suspect: never recent, listed apart (``dates=future``) with the date it claims.
DatesFilter = Literal["recent", "future"]
WINDOWS: dict[str, str] = {"recent": "BETWEEN :since AND :suspect_after", "future": "> :suspect_after"}
SERVER_NAMES = {"plex": "Plex", "jellyfin": "Jellyfin"}

RECENT_SQL = """
SELECT x.*, count(*) OVER () AS total FROM (
    SELECT 'request' AS source, r.connection_id, r.upstream_id::text AS upstream_id, r.media_type AS kind,
           coalesce(r.title, 'TMDB ' || r.tmdb_id) AS title, r.media_added_at AS available_at, r.requested_by,
           c.name AS server, c.kind AS server_kind, c.base_url, c.server_id, NULL::text AS library, r.id::text AS tie
    FROM media_requests r JOIN connections c ON c.id = r.connection_id
    WHERE r.account_id = :a AND r.media_added_at {window} AND r.media_status IN (4, 5)
    UNION ALL
    SELECT 'library', m.connection_id, m.upstream_id, m.kind, m.title, m.added_at, NULL,
           c.name, c.kind, c.base_url, c.server_id, l.title, m.id::text
    FROM media_items m JOIN libraries l ON l.id = m.library_id JOIN connections c ON c.id = m.connection_id
    WHERE m.account_id = :a AND m.kind IN ('movie', 'show', 'episode', 'album') AND NOT m.gone AND l.enabled
      AND m.added_at {window} AND NOT {folded}
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
    future_date: bool = Field(description="The date is in the future (suspect): never counted as recent")
    requested_by: str | None
    server: str
    library: str | None
    link: str | None
    why: str
    copies: list[ServerCopy] = Field(
        default_factory=list, description="Library rows: the same file (or show) on other servers, shown once"
    )


def _recent_why(r: dict[str, Any], *, future: bool, days: int) -> str:
    at: datetime = r["available_at"]
    if future:
        who = "Jellyseerr" if r["source"] == "request" else SERVER_NAMES.get(r["server_kind"], r["server_kind"])
        what = "became available" if r["source"] == "request" else "was added"
        return (
            f"{who} says it {what} on {at:%Y-%m-%d %H:%M} UTC, in the future: a suspect date, never counted as recent"
        )
    if r["source"] == "request":
        return f"Requested by {r['requested_by']}, available since {at:%Y-%m-%d}"
    return f"Added {at:%Y-%m-%d}, within {days} days"


async def recently_available(
    session: AsyncSession,
    account_id: uuid.UUID,
    params: PageParams,
    *,
    settings: ReportSettings,
    now: datetime,
    dates: DatesFilter = "recent",
) -> tuple[list[RecentRow], int]:
    days = settings.recently_available_days
    filters, args = scope_filters(params, search=("x.title",), alias="x", library=False)
    args.update(a=account_id, since=now - timedelta(days=days), suspect_after=suspect_after(now))
    sql = RECENT_SQL.format(window=WINDOWS[dates], filters=filters, folded=folded())
    rows, total = await fetch_page(session, sql, args, params)
    future = dates == "future"
    copies = await other_copies(session, account_id, (int(r["tie"]) for r in rows if r["source"] == "library"))
    out = [
        RecentRow(
            source=r["source"],
            connection_id=r["connection_id"],
            upstream_id=r["upstream_id"],
            kind=r["kind"],
            title=r["title"],
            available_at=r["available_at"],
            future_date=future,
            requested_by=r["requested_by"],
            server=r["server"],
            library=r["library"],
            link=item_link(r["server_kind"], r["base_url"], r["server_id"], r["upstream_id"])
            if r["source"] == "library"
            else None,
            why=_recent_why(r, future=future, days=days),
            copies=copies.get(int(r["tie"]), []) if r["source"] == "library" else [],
        )
        for r in rows
    ]
    return out, total
