"""The dashboard summary: one figure per report, storage by library, stale items by age, last sync.

The figures need every row of three reports, so they are stored (``report_summaries``) and reused
while their inputs are unchanged; the end of each sync run recomputes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from hashlib import sha256
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.models import ListName
from janitor.library.clock import zone
from janitor.library.copies import folded
from janitor.reports.common import PageParams, every_page
from janitor.reports.duplicates import duplicate_groups
from janitor.reports.languages import language_issues
from janitor.reports.large import large_movies
from janitor.reports.models import ReportSettings, ReportSummary
from janitor.reports.requests import recently_available, request_counts
from janitor.reports.stale import stale_totals
from janitor.sync.freshness import Freshness, report_freshness
from janitor.sync.models import SyncRun


class ReportCard(BaseModel):
    report: str
    count: int
    reclaimable_bytes: int | None = None
    breakdown: dict[str, int] | None = Field(
        default=None,
        description="Rows per filter of the report, where filters overlap (requests: pending, unavailable, "
        "processing, stuck, failed, gone, future_dates; recently-available: future_dates, listed apart)",
    )
    awaiting: Literal["languages"] | None = Field(
        default=None,
        description="What the report waits for before it lists anything: `languages` (the owner has not "
        "chosen the required languages yet; the count is 0 and means nothing yet)",
    )


class LibraryStorage(BaseModel):
    library_id: uuid.UUID
    library: str
    server: str
    kind: str
    items: int = Field(description="Movies, episodes and tracks, each file counted once across servers")
    size_bytes: int = Field(description="Their size; a file another library counts already is left out")
    shared_items: int = Field(default=0, description="Items that are another server's copies of files counted there")
    shared_bytes: int = Field(default=0, description="Their size (not counted again)")


class AgeBucket(BaseModel):
    label: str
    count: int


class LastSync(BaseModel):
    status: str
    finished_at: datetime | None
    started_at: datetime | None


class Dashboard(Freshness):
    cards: list[ReportCard]
    storage: list[LibraryStorage]
    stale_by_age: list[AgeBucket]
    last_sync: LastSync | None
    has_connections: bool


# Each file is counted once, in the library of its primary server (library/copies.py); a library's
# items that are another server's copies of those files are counted apart (shared), not again.
STORAGE_SQL = f"""
SELECT x.library_id, x.library, x.server, x.kind,
       count(*) FILTER (WHERE NOT x.folded AND NOT x.empty) AS items,
       coalesce(sum(x.size_bytes) FILTER (WHERE NOT x.folded), 0) AS size_bytes,
       count(*) FILTER (WHERE x.folded) AS shared_items,
       coalesce(sum(x.size_bytes) FILTER (WHERE x.folded), 0) AS shared_bytes
FROM (
    SELECT l.id AS library_id, l.title AS library, c.name AS server, l.kind, m.size_bytes,
           m.id IS NOT NULL AND {folded()} AS folded, m.id IS NULL AS empty
    FROM libraries l JOIN connections c ON c.id = l.connection_id
    LEFT JOIN media_items m ON m.library_id = l.id AND NOT m.gone AND m.kind IN ('movie', 'episode', 'track')
    WHERE l.account_id = :a AND l.enabled
) x
GROUP BY x.library_id, x.library, x.server, x.kind
ORDER BY size_bytes DESC
"""


class Summary(BaseModel):
    """What the dashboard caches (``report_summaries.body``)."""

    cards: list[ReportCard]
    storage: list[LibraryStorage]
    stale_by_age: list[AgeBucket]
    parts: dict[str, str] = Field(
        default_factory=dict, description="The fingerprint of each part's inputs when it was computed (PARTS)"
    )


# Everything the summary depends on besides the synced data, and the synced data through the latest
# finished sync run that changed (or may have changed) it, one digest per input: a change to any of
# them, an allowlist entry expiring, or the next hour (cut-offs move with the clock) gives another
# digest. A run still going does not: the summary shows the data as of the last finished run until this
# one ends. The hour is the account's local one (``:clock``): its day, which the stale cut-offs follow,
# can start at half past a UTC hour. The report settings are split: the columns one part alone reads
# (SETTINGS_OF) are that part's input; the rest of the row (``settings``) is every part's input, so a
# column added later counts for every part until it is given to one.
SETTINGS_OF = {
    "stale": (
        "stale_months",
        "stale_ignore_added_months",
        "stale_ignore_released_months",
        "stale_ignore_future_releases",
    ),
    "large": ("large_movie_gb",),
    "languages": ("required_audio_languages", "required_subtitle_languages", "languages_chosen_at"),
    "duplicates": ("duplicate_tolerance_seconds", "duplicate_strict"),
    "requests": ("stuck_request_days", "recently_available_days"),
}
OWNED = [column for columns in SETTINGS_OF.values() for column in columns]
_SETTINGS_OF_PART = ",\n".join(
    "md5(coalesce((SELECT jsonb_build_array("
    + ", ".join(f"row -> '{c}'" for c in columns)
    + f")::text FROM s), '')) AS settings_{part}"
    for part, columns in SETTINGS_OF.items()
)
# The allowlists: stale reads the protected list, languages the language lists; a list neither names
# counts for both.
LANGUAGE_LISTS = ", ".join(
    f"'{name.value}'"
    for name in (ListName.FRENCH_ONLY, ListName.FRENCH_SUBS_ONLY, ListName.LANGUAGE_EXEMPT, ListName.EPISODE_EXEMPT)
)
_ALLOWLISTS = ",\n".join(
    "md5(coalesce((SELECT string_agg(concat_ws(',', e.id, e.list, e.connection_id, e.upstream_id, e.guid, "
    "e.expires_at), ';' ORDER BY e.id) FROM allowlist_entries e WHERE e.account_id = :a "
    f"AND (e.expires_at IS NULL OR e.expires_at > now()) AND {lists}), '')) AS allowlists_{part}"
    for part, lists in (
        ("stale", f"e.list NOT IN ({LANGUAGE_LISTS})"),
        ("languages", f"e.list <> '{ListName.PROTECTED.value}'"),
    )
)
INPUTS_SQL = f"""
WITH s AS (SELECT to_jsonb(s) AS row FROM report_settings s WHERE s.account_id = :a)
SELECT
    md5(coalesce((SELECT (row - CAST(:owned AS text[]))::text FROM s), '')) AS settings,
    {_SETTINGS_OF_PART},
    {_ALLOWLISTS},
    md5(coalesce((SELECT string_agg(concat_ws(',', l.id, l.enabled, l.title, l.kind, c.name), ';' ORDER BY l.id)
     FROM libraries l JOIN connections c ON c.id = l.connection_id WHERE l.account_id = :a), '')) AS libraries,
    -- which files the servers share follows the path mappings (library/copies.py)
    md5(coalesce((SELECT string_agg(concat_ws(',', c.id, c.path_mappings), ';' ORDER BY c.id)
     FROM connections c WHERE c.account_id = :a), '')) AS connections,
    md5(coalesce((SELECT string_agg(concat_ws(',', k.group_id, k.upstream_id, k.part_id), ';' ORDER BY k.group_id)
     FROM duplicate_keepers k WHERE k.account_id = :a), '')) AS keepers,
    md5(coalesce((SELECT string_agg(concat_ws(',', d.connection_id, d.upstream_id, d.size_bytes, d.file), ';'
                                    ORDER BY d.connection_id, d.upstream_id)
     FROM large_dismissals d WHERE d.account_id = :a), '')) AS dismissals,
    md5(coalesce((SELECT concat_ws(',', r.id, r.finished_at) FROM sync_runs r
     WHERE r.account_id = :a AND r.finished_at IS NOT NULL AND r.changed IS DISTINCT FROM 0
     ORDER BY r.created_at DESC LIMIT 1), '')) AS synced,
    md5(CAST(:clock AS text)) AS clock
"""
# What each part of the summary reads besides the synced data (``settings_<part>``: its own settings).
# A part whose inputs are unchanged is taken from the stored summary; the others are computed again, so
# a protected entry recomputes stale, a language exemption languages, a keeper the duplicates, a
# threshold its report.
PARTS: dict[str, tuple[str, ...]] = {
    "duplicates": ("settings", "settings_duplicates", "libraries", "connections", "keepers", "synced"),
    "stale": ("settings", "settings_stale", "allowlists_stale", "libraries", "connections", "synced", "clock"),
    "large": ("settings", "settings_large", "libraries", "connections", "dismissals", "synced"),
    "languages": ("settings", "settings_languages", "allowlists_languages", "libraries", "connections", "synced"),
    "requests": ("settings", "settings_requests", "libraries", "connections", "synced", "clock"),
    "storage": ("settings", "libraries", "connections", "synced"),
}
# The part each card comes from.
CARD_PART = {"recently-available": "requests"}


async def compute_summary(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    settings: ReportSettings,
    now: datetime,
    previous: Summary | None = None,
    parts: dict[str, str] | None = None,
) -> Summary:
    """The figures from the reports themselves (every row of stale, large and duplicates, page by page).
    With ``previous`` (the stored summary) and ``parts`` (the fingerprint of each part's inputs now), a
    part whose fingerprint is the one ``previous`` was computed with is taken from it."""
    parts = parts or {}
    kept = {
        part for part, fingerprint in parts.items() if previous is not None and previous.parts.get(part) == fingerprint
    }
    old = {c.report: c for c in previous.cards} if previous is not None else {}
    cards: dict[str, ReportCard] = {
        report: card for report, card in old.items() if CARD_PART.get(report, report) in kept
    }
    every = PageParams()  # every row, a page at a time (one query for most accounts), no cap
    one = PageParams(page=1, page_size=1)
    stale_by_age = previous.stale_by_age if previous is not None and "stale" in kept else None
    if stale_by_age is None or "stale" not in cards:
        stale = await stale_totals(session, account_id, settings=settings, now=now)
        cards["stale"] = ReportCard(report="stale", count=stale.count, reclaimable_bytes=stale.size_bytes)
        stale_by_age = [AgeBucket(label=label, count=n) for label, n in stale.by_age.items()]
    if "large" not in cards:
        large_total = large_bytes = 0
        async for movies in every_page(
            lambda p: large_movies(session, account_id, p, threshold_gb=settings.large_movie_gb), every
        ):
            large_total += len(movies)
            large_bytes += sum(m.size_bytes for m in movies)
        cards["large"] = ReportCard(report="large", count=large_total, reclaimable_bytes=large_bytes)
    if "duplicates" not in cards:
        dup_total = dup_bytes = 0
        async for groups in every_page(lambda p: duplicate_groups(session, account_id, p, settings=settings), every):
            dup_total += len(groups)
            dup_bytes += sum(g.reclaimable_bytes for g in groups)
        cards["duplicates"] = ReportCard(report="duplicates", count=dup_total, reclaimable_bytes=dup_bytes)
    if "languages" not in cards:
        _, lang_total = await language_issues(session, account_id, one, settings=settings)
        cards["languages"] = ReportCard(
            report="languages",
            count=lang_total,
            awaiting=None if settings.languages_chosen_at is not None else "languages",
        )
    if "requests" not in cards or "recently-available" not in cards:
        requests = await request_counts(session, account_id, settings=settings, now=now)
        _, recent_total = await recently_available(session, account_id, one, settings=settings, now=now)
        _, future_total = await recently_available(session, account_id, one, settings=settings, now=now, dates="future")
        # Each request once (its category); the overlapping filters beside it.
        cards["requests"] = ReportCard(
            report="requests",
            count=requests["all"],
            breakdown={k: n for k, n in requests.items() if k != "all"},
        )
        cards["recently-available"] = ReportCard(
            report="recently-available", count=recent_total, breakdown={"future_dates": future_total}
        )
    if previous is not None and "storage" in kept:
        storage = previous.storage
    else:
        storage = [
            LibraryStorage(**dict(r)) for r in (await session.execute(text(STORAGE_SQL), {"a": account_id})).mappings()
        ]
    order = ("duplicates", "stale", "large", "languages", "requests", "recently-available")
    return Summary(
        cards=[cards[report] for report in order],
        storage=storage,
        stale_by_age=stale_by_age,
        parts=parts,
    )


async def _lock(session: AsyncSession, account_id: uuid.UUID) -> None:
    """One summary computation at a time per account (until the transaction ends)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('report_summary:' || CAST(CAST(:a AS uuid) AS text)))"),
        {"a": account_id},
    )


async def _inputs(
    session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime
) -> tuple[str, dict[str, str]]:
    """The fingerprint of the whole summary's inputs, and that of each part's (PARTS)."""
    clock = f"{now.astimezone(zone(settings.time_zone)):%Y-%m-%d %H}"
    row = (await session.execute(text(INPUTS_SQL), {"a": account_id, "clock": clock, "owned": OWNED})).mappings().one()
    parts = {part: sha256("|".join(row[i] for i in inputs).encode()).hexdigest() for part, inputs in PARTS.items()}
    return sha256("|".join(parts[p] for p in PARTS).encode()).hexdigest(), parts


async def _fingerprint(session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime) -> str:
    return (await _inputs(session, account_id, settings=settings, now=now))[0]


async def _stored(session: AsyncSession, account_id: uuid.UUID, fingerprint: str) -> Summary | None:
    body = await session.scalar(
        select(ReportSummary.body).where(
            ReportSummary.account_id == account_id, ReportSummary.fingerprint == fingerprint
        )
    )
    return None if body is None else Summary.model_validate(body)


async def refresh_summary(
    session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime, reuse: bool = False
) -> Summary:
    """Recompute and store the account's summary (one computation at a time per account); with ``reuse``,
    the parts whose inputs are those of the stored summary are taken from it (a sync's full pass, which
    may change the data without saying so, recomputes every part)."""
    await _lock(session, account_id)
    fingerprint, parts = await _inputs(session, account_id, settings=settings, now=now)
    previous = None
    if reuse:
        body = await session.scalar(select(ReportSummary.body).where(ReportSummary.account_id == account_id))
        previous = None if body is None else Summary.model_validate(body)
    summary = await compute_summary(session, account_id, settings=settings, now=now, previous=previous, parts=parts)
    stmt = insert(ReportSummary).values(
        account_id=account_id, fingerprint=fingerprint, computed_at=now, body=summary.model_dump(mode="json")
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["account_id"],
            set_={"fingerprint": stmt.excluded.fingerprint, "computed_at": now, "body": stmt.excluded.body},
        )
    )
    return summary


async def ensure_summary(
    session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime
) -> bool:
    """Recompute the stored summary unless it is current; True when it was recomputed."""
    await _lock(session, account_id)
    if (
        await _stored(session, account_id, await _fingerprint(session, account_id, settings=settings, now=now))
        is not None
    ):
        return False
    await refresh_summary(session, account_id, settings=settings, now=now, reuse=True)
    return True


async def summary(session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime) -> Summary:
    """The stored summary when its inputs have not changed, else a fresh one (stored for the next read)."""
    found = await _stored(session, account_id, await _fingerprint(session, account_id, settings=settings, now=now))
    if found is not None:
        return found
    await _lock(session, account_id)
    # Someone else may have computed it while we waited for the lock.
    found = await _stored(session, account_id, await _fingerprint(session, account_id, settings=settings, now=now))
    if found is not None:
        return found
    return await refresh_summary(session, account_id, settings=settings, now=now, reuse=True)


async def dashboard(
    session: AsyncSession, account_id: uuid.UUID, *, settings: ReportSettings, now: datetime
) -> Dashboard:
    fresh = await report_freshness(session, account_id)
    if fresh.first_sync_running:  # no figures from half-read libraries (sync/freshness.py)
        figures = Summary(cards=[], storage=[], stale_by_age=[])
    else:
        figures = await summary(session, account_id, settings=settings, now=now)
    last = await session.scalar(
        select(SyncRun).where(SyncRun.account_id == account_id).order_by(SyncRun.created_at.desc()).limit(1)
    )
    has_connections = bool(
        await session.scalar(text("SELECT EXISTS (SELECT 1 FROM connections WHERE account_id = :a)"), {"a": account_id})
    )
    return Dashboard(
        cards=figures.cards,
        storage=figures.storage,
        stale_by_age=figures.stale_by_age,
        last_sync=LastSync(status=last.status, finished_at=last.finished_at, started_at=last.started_at)
        if last
        else None,
        has_connections=has_connections,
        **fresh.model_dump(),
    )
