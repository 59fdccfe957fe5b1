"""The dashboard summary: one figure per report, storage by library, stale items by age, last sync."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.reports.common import PageParams
from janitor.reports.duplicates import duplicate_groups
from janitor.reports.languages import language_issues
from janitor.reports.large import large_movies
from janitor.reports.models import ReportSettings
from janitor.reports.requests import recently_available, request_report
from janitor.reports.stale import stale_items
from janitor.sync.models import SyncRun


class ReportCard(BaseModel):
    report: str
    count: int
    reclaimable_bytes: int | None = None


class LibraryStorage(BaseModel):
    library_id: uuid.UUID
    library: str
    server: str
    kind: str
    items: int
    size_bytes: int


class AgeBucket(BaseModel):
    label: str
    count: int


class LastSync(BaseModel):
    status: str
    finished_at: datetime | None
    started_at: datetime | None


class Dashboard(BaseModel):
    cards: list[ReportCard]
    storage: list[LibraryStorage]
    stale_by_age: list[AgeBucket]
    last_sync: LastSync | None
    has_connections: bool


STORAGE_SQL = """
SELECT l.id AS library_id, l.title AS library, c.name AS server, l.kind,
       count(m.id) FILTER (WHERE m.kind IN ('movie', 'episode', 'track')) AS items,
       coalesce(sum(m.size_bytes) FILTER (WHERE m.kind IN ('movie', 'episode', 'track')), 0) AS size_bytes
FROM libraries l JOIN connections c ON c.id = l.connection_id
LEFT JOIN media_items m ON m.library_id = l.id AND NOT m.gone
WHERE l.account_id = :a AND l.enabled
GROUP BY l.id, l.title, c.name, l.kind
ORDER BY size_bytes DESC
"""

BUCKETS = [
    ("never watched", None),
    ("over 2 years", 730),
    ("1-2 years", 365),
    ("6-12 months", 182),
    ("under 6 months", 0),
]


async def dashboard(
    session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime
) -> Dashboard:
    everything = PageParams(page=1, page_size=100_000)
    one = PageParams(page=1, page_size=1)
    stale, stale_total = await stale_items(session, account_id, everything, settings=settings, now=now)
    large, large_total = await large_movies(session, account_id, everything, threshold_gb=settings.large_movie_gb)
    dup_groups, dup_total = await duplicate_groups(session, account_id, everything, settings=settings)
    _, lang_total = await language_issues(session, account_id, one, settings=settings)
    _, req_total = await request_report(session, account_id, one, settings=settings, now=now)
    _, recent_total = await recently_available(session, account_id, one, settings=settings, now=now)
    cards = [
        ReportCard(
            report="duplicates", count=dup_total, reclaimable_bytes=sum(g.reclaimable_bytes for g in dup_groups)
        ),
        ReportCard(report="stale", count=stale_total, reclaimable_bytes=sum(i.size_bytes or 0 for i in stale)),
        ReportCard(report="large", count=large_total, reclaimable_bytes=sum(i.size_bytes for i in large)),
        ReportCard(report="languages", count=lang_total),
        ReportCard(report="requests", count=req_total),
        ReportCard(report="recently-available", count=recent_total),
    ]
    buckets = {label: 0 for label, _ in BUCKETS}
    for item in stale:
        if item.last_watched_at is None:
            buckets["never watched"] += 1
            continue
        days = (now - item.last_watched_at).days
        label = next(lbl for lbl, lim in BUCKETS if lim is not None and days >= lim)
        buckets[label] += 1
    storage = [
        LibraryStorage(**dict(r)) for r in (await session.execute(text(STORAGE_SQL), {"a": account_id})).mappings()
    ]
    last = await session.scalar(
        select(SyncRun).where(SyncRun.account_id == account_id).order_by(SyncRun.created_at.desc()).limit(1)
    )
    has_connections = bool(
        await session.scalar(text("SELECT EXISTS (SELECT 1 FROM connections WHERE account_id = :a)"), {"a": account_id})
    )
    return Dashboard(
        cards=cards,
        storage=storage,
        stale_by_age=[AgeBucket(label=label, count=n) for label, n in buckets.items()],
        last_sync=LastSync(status=last.status, finished_at=last.finished_at, started_at=last.started_at)
        if last
        else None,
        has_connections=has_connections,
    )
