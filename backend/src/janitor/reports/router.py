from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.deps import CurrentAccount, data_changed
from janitor.allowlists.schemas import MAX_ADD_ITEMS, AddEntries, ImportResult, ItemRef
from janitor.allowlists.service import AllowlistService
from janitor.core import clock
from janitor.core.csv_writer import to_csv
from janitor.core.deps import AppContext, ContextDep, SessionDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.core.events import Change
from janitor.core.schemas import InputModel, Uuid
from janitor.reports.common import PageParams, ReportPage, every_page
from janitor.reports.copies import copy_text
from janitor.reports.dashboard import Dashboard, dashboard
from janitor.reports.dismissals import (
    DismissalNotFound,
    LargeMovieNotFound,
    LargeSizeUnknown,
    dismiss_large,
    restore_large,
)
from janitor.reports.duplicates import (
    DUPLICATE_COLUMNS,
    DuplicateAlbum,
    DuplicateGroup,
    DuplicateGroupChanged,
    KeeperNotFound,
    choose_keeper,
    duplicate_albums,
    duplicate_groups,
    duplicate_rows,
)
from janitor.reports.languages import LanguageFilter, LanguageIssue, language_issues
from janitor.reports.large import LargeMovie, LargeShow, large_movies
from janitor.reports.matching import AllowlistMatchingIn, BulkReport, MatchesChanged, TooManyMatches, matching_rows
from janitor.reports.models import ReportSettings
from janitor.reports.requests import (
    DatesFilter,
    RecentRow,
    RequestFilter,
    RequestRow,
    recently_available,
    request_report,
)
from janitor.reports.schemas import LanguagesIn, ReportSettingsOut, ReportSettingsUpdate
from janitor.reports.service import LanguageUnknown, ReportSettingsService
from janitor.reports.stale import StaleItem, stale_items
from janitor.sync.freshness import Freshness, report_freshness

router = APIRouter(prefix="/api/v1", tags=["reports"])

# Pages the page cache (core/pagecache.py) may answer: read-only, a function of the account's data,
# its settings and the clock. Anything that changes them is a write request (which bumps the cache)
# or a sync run (which bumps it from the worker).
CACHED_REPORT_PATHS = frozenset(
    f"/api/v1/{path}"
    for path in (
        "reports/large",
        "reports/stale",
        "reports/languages",
        "reports/requests",
        "reports/recently-available",
        "reports/duplicates",
        "reports/duplicates/albums",
        "dashboard",
    )
)


@router.get("/settings/reports", responses=error_responses(Unauthorized))
async def get_report_settings(session: SessionDep, account: CurrentAccount) -> ReportSettingsOut:
    """The thresholds and required languages the reports use."""
    return ReportSettingsOut.model_validate(await ReportSettingsService(session, account.id).get())


@router.patch(
    "/settings/reports",
    responses=error_responses(Unauthorized, LanguageUnknown),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def update_report_settings(
    body: ReportSettingsUpdate, session: SessionDep, account: CurrentAccount
) -> ReportSettingsOut:
    """Change thresholds or languages; every value is validated, nothing is saved on an error."""
    return ReportSettingsOut.model_validate(await ReportSettingsService(session, account.id).update(body))


@router.put(
    "/settings/languages",
    responses=error_responses(Unauthorized, LanguageUnknown),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def choose_languages(body: LanguagesIn, session: SessionDep, account: CurrentAccount) -> ReportSettingsOut:
    """Choose the audio and subtitle languages every movie and episode should have (both lists; either may
    be empty). Until they are chosen once, here or in the report settings, the languages report lists
    nothing; an unknown language is a 400 naming it, and nothing is saved."""
    return ReportSettingsOut.model_validate(await ReportSettingsService(session, account.id).choose_languages(body))


async def page_params(
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    sort: Annotated[str | None, Query(max_length=40)] = None,
    order: Literal["asc", "desc"] = "desc",
    q: Annotated[str | None, Query(max_length=200, description="Search in titles")] = None,
    connection_id: uuid.UUID | None = None,
    library_id: uuid.UUID | None = None,
) -> PageParams:
    return PageParams(page, page_size, sort, order, q, connection_id, library_id)


Paging = Annotated[PageParams, Depends(page_params)]


async def freshness(session: SessionDep, account: CurrentAccount) -> Freshness:
    return await report_freshness(session, account.id)


# Every report page says how current the data behind it is (sync/freshness.py).
Fresh = Annotated[Freshness, Depends(freshness)]


def first_sync_page(paging: PageParams, fresh: Freshness) -> ReportPage[Any] | None:
    """While the account's first sync runs, a report lists nothing (the page says why), without reading
    half-loaded libraries: items whose plays are not read yet would look never watched, and the reads
    would compete with the load for nothing."""
    if not fresh.first_sync_running:
        return None
    return ReportPage(items=[], total=0, page=paging.page, page_size=paging.page_size, **fresh.model_dump())


ShowQuery = Annotated[
    LargeShow,
    Query(description="`listed`: the report; `dismissed`: the movies kept at their size (to restore)"),
]


@router.get("/reports/large", responses=error_responses(Unauthorized))
async def report_large(
    session: SessionDep, account: CurrentAccount, paging: Paging, fresh: Fresh, show: ShowQuery = "listed"
) -> ReportPage[LargeMovie]:
    """Movies above the size threshold, largest first (sort: size, title, added, bitrate). A movie kept
    at its size leaves the report while its file is the one dismissed (`show=dismissed` lists those)."""
    if (waiting := first_sync_page(paging, fresh)) is not None:
        return waiting
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await large_movies(session, account.id, paging, threshold_gb=settings.large_movie_gb, show=show)
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size, **fresh.model_dump())


class DismissLargeIn(InputModel):
    connection_id: Uuid
    upstream_id: str = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=1000, description="Why it stays at this size")


class LargeDismissalOut(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str
    size_bytes: int = Field(description="The size of the file kept: another file brings the movie back")
    file: str | None
    note: str | None
    dismissed_at: datetime


@router.post(
    "/reports/large/dismissals",
    status_code=201,
    responses=error_responses(Unauthorized, LargeMovieNotFound, LargeSizeUnknown),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def dismiss_large_movie(body: DismissLargeIn, session: SessionDep, account: CurrentAccount) -> LargeDismissalOut:
    """Keep this movie at its size: it leaves the large movies report while its file stays the same
    (size and path). Dismissing it again replaces the note and the file judged."""
    row = await dismiss_large(
        session,
        account.id,
        connection_id=body.connection_id,
        upstream_id=body.upstream_id,
        note=(body.note or "").strip() or None,
    )
    return LargeDismissalOut(
        connection_id=row.connection_id,
        upstream_id=row.upstream_id,
        size_bytes=row.size_bytes,
        file=row.file,
        note=row.note,
        dismissed_at=row.dismissed_at,
    )


@router.delete(
    "/reports/large/dismissals/{connection_id}/{upstream_id}",
    status_code=204,
    responses=error_responses(Unauthorized, DismissalNotFound),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def restore_large_movie(
    connection_id: uuid.UUID,
    upstream_id: Annotated[str, Path(max_length=100)],
    session: SessionDep,
    account: CurrentAccount,
) -> None:
    """Undo "keep this size": the movie is in the report again (while above the threshold)."""
    await restore_large(session, account.id, connection_id=connection_id, upstream_id=upstream_id)


EvidenceQuery = Annotated[
    Literal["stale", "unknown"],
    Query(description="`stale`: judged stale; `unknown`: not judged because the watch evidence is unknown (with why)"),
]


@router.get("/reports/stale", responses=error_responses(Unauthorized))
async def report_stale(
    session: SessionDep, account: CurrentAccount, paging: Paging, fresh: Fresh, evidence: EvidenceQuery = "stale"
) -> ReportPage[StaleItem]:
    """Movies and shows nobody watched for N months (sort: last_watched, title, added, size). With
    `evidence=unknown`: the items the report could not judge (a play without a date, no added date,
    a date in the future), each with why; they are never counted as stale."""
    if (waiting := first_sync_page(paging, fresh)) is not None:
        return waiting
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await stale_items(
        session, account.id, paging, settings=settings, now=clock.utcnow(), evidence=evidence
    )
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size, **fresh.model_dump())


class LanguageReportPage(ReportPage[LanguageIssue]):
    languages_chosen: bool = Field(
        description="False until the owner chose the required languages: the report then lists nothing "
        "(PUT /api/v1/settings/languages)"
    )


@router.get("/reports/languages", responses=error_responses(Unauthorized))
async def report_languages(
    session: SessionDep,
    account: CurrentAccount,
    paging: Paging,
    fresh: Fresh,
    issue: LanguageFilter = "all",
) -> LanguageReportPage:
    """Movies and episodes missing a required audio or subtitle language (sort: title, added, size).
    `issue`: `all` (missing audio or subtitles), `audio`, `subtitles`; `untagged` (streams with no
    language, which never satisfy a rule) and `unknown` (streams not analysed by the server yet) are
    listed apart and never counted as issues. Nothing is listed until the languages are chosen
    (`languages_chosen`)."""
    settings = await ReportSettingsService(session, account.id).get()
    if (waiting := first_sync_page(paging, fresh)) is not None:
        return LanguageReportPage(**waiting.model_dump(), languages_chosen=settings.languages_chosen_at is not None)
    items, total = await language_issues(session, account.id, paging, settings=settings, issue=issue)
    return LanguageReportPage(
        items=items,
        total=total,
        page=paging.page,
        page_size=paging.page_size,
        languages_chosen=settings.languages_chosen_at is not None,
        **fresh.model_dump(),
    )


@router.get("/reports/requests", responses=error_responses(Unauthorized))
async def report_requests(
    session: SessionDep,
    account: CurrentAccount,
    paging: Paging,
    fresh: Fresh,
    category: RequestFilter = "all",
) -> ReportPage[RequestRow]:
    """Jellyseerr requests that need a look, each once, with one category: `pending` (waiting for approval),
    `processing` (approved, not available yet), `failed`, `gone` (was available, then deleted or
    blocklisted). Filters that overlap them: `unavailable` (Jellyseerr's own: pending or approved, media
    not available yet), `stuck` (approved and not available for more than the stuck threshold),
    `future_dates` (Jellyseerr dates it in the future: suspect)."""
    if (waiting := first_sync_page(paging, fresh)) is not None:
        return waiting
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await request_report(
        session, account.id, paging, settings=settings, now=clock.utcnow(), category=category
    )
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size, **fresh.model_dump())


@router.get("/reports/recently-available", responses=error_responses(Unauthorized))
async def report_recently_available(
    session: SessionDep, account: CurrentAccount, paging: Paging, fresh: Fresh, dates: DatesFilter = "recent"
) -> ReportPage[RecentRow]:
    """What became available in the last N days (a title exactly N days old included), from Jellyseerr and
    from the libraries' added dates. `dates=future` lists instead what is dated in the future (beyond a
    day of clock skew): suspect dates, never counted as recent."""
    if (waiting := first_sync_page(paging, fresh)) is not None:
        return waiting
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await recently_available(
        session, account.id, paging, settings=settings, now=clock.utcnow(), dates=dates
    )
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size, **fresh.model_dump())


@router.get("/reports/duplicates", responses=error_responses(Unauthorized))
async def report_duplicates(
    session: SessionDep,
    account: CurrentAccount,
    paging: Paging,
    fresh: Fresh,
    album: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Only the groups of this album of the album view (`album` and `artist` as it lists "
            "them, either empty for an unknown one)",
        ),
    ] = None,
    artist: Annotated[str | None, Query(max_length=500, description="The artist of `album`")] = None,
) -> ReportPage[DuplicateGroup]:
    """Duplicate tracks and multi-version tracks, grouped, with the proposed keeper and why."""
    if (waiting := first_sync_page(paging, fresh)) is not None:
        return waiting
    settings = await ReportSettingsService(session, account.id).get()
    one = (artist or "", album) if album is not None else None
    groups, total = await duplicate_groups(session, account.id, paging, settings=settings, album=one)
    return ReportPage(items=groups, total=total, page=paging.page, page_size=paging.page_size, **fresh.model_dump())


@router.get("/reports/duplicates/albums", responses=error_responses(Unauthorized))
async def report_duplicate_albums(
    session: SessionDep, account: CurrentAccount, paging: Paging, fresh: Fresh
) -> ReportPage[DuplicateAlbum]:
    """Albums holding duplicate or multi-version tracks: extra copies, reclaimable size (sort: groups, album)."""
    if (waiting := first_sync_page(paging, fresh)) is not None:
        return waiting
    settings = await ReportSettingsService(session, account.id).get()
    albums, total = await duplicate_albums(session, account.id, paging, settings=settings)
    return ReportPage(items=albums, total=total, page=paging.page, page_size=paging.page_size, **fresh.model_dump())


class KeeperIn(InputModel):
    group_id: str = Field(
        min_length=1,
        max_length=64,
        description="The group's `group_id` as the report showed it (the choice is for its copies)",
    )
    connection_id: Uuid
    upstream_id: str = Field(min_length=1, max_length=100)
    part_id: str | None = Field(default=None, max_length=100, description="For a multi-version track: the version")


@router.put(
    "/reports/duplicates/keeper",
    status_code=204,
    responses=error_responses(Unauthorized, KeeperNotFound, DuplicateGroupChanged),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def choose_duplicate_keeper(body: KeeperIn, session: SessionDep, account: CurrentAccount) -> None:
    """Keep this copy in this group instead of the proposed one. The choice holds while the group has
    exactly the copies it has now; 409 when they already changed since the report was loaded."""
    settings = await ReportSettingsService(session, account.id).get()
    await choose_keeper(
        session,
        account.id,
        settings=settings,
        group_id=body.group_id,
        connection_id=body.connection_id,
        upstream_id=body.upstream_id,
        part_id=body.part_id,
    )


@router.post(
    "/reports/{report}/allowlist",
    status_code=201,
    responses=error_responses(Unauthorized, TooManyMatches, MatchesChanged),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def allowlist_matching(
    report: BulkReport, body: AllowlistMatchingIn, session: SessionDep, account: CurrentAccount
) -> ImportResult:
    """Add every row of the report matching `filter` to a list ("all N matching this filter"), resolved
    now by the report's own query, never from ids the page held. `expected` is the count the person
    confirmed: another count now is a 409; more than 1,000 rows a 400 saying how many match. All are
    added, or none. A row already on the list is counted under `already_listed`."""
    settings = await ReportSettingsService(session, account.id).get()
    rows = await matching_rows(
        session,
        account.id,
        report,
        body.filter,
        expected=body.expected,
        limit=MAX_ADD_ITEMS,
        done="added",
        settings=settings,
        now=clock.utcnow(),
    )
    entries = AddEntries.model_construct(
        list_name=body.list_name,
        items=[ItemRef.model_construct(connection_id=r.connection_id, upstream_id=r.upstream_id) for r in rows],
        note=(body.note or "").strip() or None,
        expires_at=body.expires_at,
    )
    return await AllowlistService(session, account.id).add(entries)


@router.get("/dashboard", responses=error_responses(Unauthorized))
async def get_dashboard(session: SessionDep, account: CurrentAccount) -> Dashboard:
    """One card per report (count, reclaimable size), storage by library, stale items by age, last sync."""
    settings = await ReportSettingsService(session, account.id).get()
    return await dashboard(session, account.id, settings=settings, now=clock.utcnow())


ExportName = Literal["large", "stale", "languages", "requests", "recently-available", "duplicates"]
Fetch = Callable[[PageParams], Awaitable[tuple[list[dict[str, Any]], int]]]


@router.get(
    "/reports/{report}/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **error_responses(Unauthorized)},
)
async def export_report(
    report: ExportName,
    session: SessionDep,
    ctx: ContextDep,
    account: CurrentAccount,
    paging: Paging,
    issue: LanguageFilter = "all",
    category: RequestFilter = "all",
    dates: DatesFilter = "recent",
    evidence: EvidenceQuery = "stale",
    show: ShowQuery = "listed",
) -> StreamingResponse:
    """Every filtered row of a report as CSV, streamed (duplicates: one row per copy). `issue` applies to
    `languages`, `category` to `requests`, `dates` to `recently-available`, `evidence` to `stale` and `show`
    to `large`, as on the reports. While the first sync runs: the header alone, as the report lists nothing."""
    settings = await ReportSettingsService(session, account.id).get()
    stream = csv_chunks(
        ctx,
        report,
        account.id,
        paging,
        settings,
        now=clock.utcnow(),
        issue=issue,
        category=category,
        dates=dates,
        evidence=evidence,
        show=show,
        rows=not (await report_freshness(session, account.id)).first_sync_running,
    )
    # The header and the first page are read before the response starts: a failure there is an error
    # response. A failure later cuts the transfer short (the client sees an incomplete download).
    first = await anext(stream)
    return StreamingResponse(
        _then(first, stream),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="media-janitor-{report}.csv"'},
    )


async def _then(first: str, rest: AsyncIterator[str]) -> AsyncIterator[str]:
    yield first
    async for chunk in rest:
        yield chunk


async def csv_chunks(
    ctx: AppContext,
    report: ExportName,
    account_id: uuid.UUID,
    paging: PageParams,
    settings: ReportSettings,
    *,
    now: datetime,
    issue: LanguageFilter,
    category: RequestFilter,
    dates: DatesFilter,
    evidence: Literal["stale", "unknown"] = "stale",
    show: LargeShow = "listed",
    page_size: int | None = None,
    rows: bool = True,
) -> AsyncIterator[str]:
    """The CSV a page of rows at a time, read in one snapshot of the database (a sync writing meanwhile
    cannot move a row across a page boundary), so memory holds one page whatever the report's size."""
    async with ctx.sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})
        columns, fetch = _exporter(
            report,
            session,
            account_id,
            settings,
            now=now,
            issue=issue,
            category=category,
            dates=dates,
            evidence=evidence,
            show=show,
        )
        header = True
        if rows:
            async for page in every_page(fetch, paging, page_size=page_size):
                yield to_csv(columns, page, header=header)
                header = False
        if header:
            yield to_csv(columns, [])


def _flat(row: BaseModel) -> dict[str, Any]:
    """A report row as CSV cells: its copies on other servers in words ("same file on Jellyfin (link)")."""
    cells = row.model_dump(mode="json")
    if "copies" in cells:
        cells["copies"] = "; ".join(copy_text(c) for c in getattr(row, "copies", []))
    return cells


def _exporter(
    report: ExportName,
    session: AsyncSession,
    account_id: uuid.UUID,
    settings: ReportSettings,
    *,
    now: datetime,
    issue: LanguageFilter,
    category: RequestFilter,
    dates: DatesFilter,
    evidence: Literal["stale", "unknown"],
    show: LargeShow = "listed",
) -> tuple[list[str], Fetch]:
    """A report's CSV columns and how to read one page of it as CSV rows."""
    if report == "duplicates":

        async def copies(p: PageParams) -> tuple[list[dict[str, Any]], int]:
            groups, total = await duplicate_groups(session, account_id, p, settings=settings)
            return list(duplicate_rows(groups)), total

        return list(DUPLICATE_COLUMNS), copies
    loaders: dict[str, tuple[type[BaseModel], Callable[[PageParams], Awaitable[tuple[Sequence[BaseModel], int]]]]] = {
        "large": (
            LargeMovie,
            lambda p: large_movies(session, account_id, p, threshold_gb=settings.large_movie_gb, show=show),
        ),
        "stale": (
            StaleItem,
            lambda p: stale_items(session, account_id, p, settings=settings, now=now, evidence=evidence),
        ),
        "languages": (
            LanguageIssue,
            lambda p: language_issues(session, account_id, p, settings=settings, issue=issue),
        ),
        "requests": (
            RequestRow,
            lambda p: request_report(session, account_id, p, settings=settings, now=now, category=category),
        ),
        "recently-available": (
            RecentRow,
            lambda p: recently_available(session, account_id, p, settings=settings, now=now, dates=dates),
        ),
    }
    model, load = loaders[report]

    async def dumped(p: PageParams) -> tuple[list[dict[str, Any]], int]:
        rows, total = await load(p)
        return [_flat(r) for r in rows], total

    return list(model.model_fields), dumped
