from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from janitor.core.deps import CurrentAccount, SessionDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.reports.common import PageParams, ReportPage, to_csv
from janitor.reports.dashboard import Dashboard, dashboard
from janitor.reports.deps import RefreshSummary
from janitor.reports.duplicates import (
    DUPLICATE_COLUMNS,
    DuplicateAlbum,
    DuplicateGroup,
    KeeperNotFound,
    choose_keeper,
    duplicate_albums,
    duplicate_groups,
    duplicate_rows,
)
from janitor.reports.languages import LanguageFilter, LanguageIssue, language_issues
from janitor.reports.large import LargeMovie, large_movies
from janitor.reports.requests import RecentRow, RequestRow, recently_available, request_report
from janitor.reports.schemas import ReportSettingsOut, ReportSettingsUpdate
from janitor.reports.service import ReportSettingsService
from janitor.reports.stale import StaleItem, stale_items

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


@router.patch("/settings/reports", responses=error_responses(Unauthorized), dependencies=[RefreshSummary])
async def update_report_settings(
    body: ReportSettingsUpdate, session: SessionDep, account: CurrentAccount
) -> ReportSettingsOut:
    """Change thresholds or languages; every value is validated, nothing is saved on an error."""
    return ReportSettingsOut.model_validate(await ReportSettingsService(session, account.id).update(body))


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


@router.get("/reports/large", responses=error_responses(Unauthorized))
async def report_large(session: SessionDep, account: CurrentAccount, paging: Paging) -> ReportPage[LargeMovie]:
    """Movies above the size threshold, largest first (sort: size, title, added, bitrate)."""
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await large_movies(session, account.id, paging, threshold_gb=settings.large_movie_gb)
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/reports/stale", responses=error_responses(Unauthorized))
async def report_stale(session: SessionDep, account: CurrentAccount, paging: Paging) -> ReportPage[StaleItem]:
    """Movies and shows nobody watched for N months (sort: last_watched, title, added, size)."""
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await stale_items(session, account.id, paging, settings=settings, now=datetime.now(UTC))
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/reports/languages", responses=error_responses(Unauthorized))
async def report_languages(
    session: SessionDep,
    account: CurrentAccount,
    paging: Paging,
    issue: LanguageFilter = "all",
) -> ReportPage[LanguageIssue]:
    """Movies and episodes missing a required audio or subtitle language (sort: title, added, size).
    `issue`: `all` (missing audio or subtitles), `audio`, `subtitles`; `untagged` (streams with no
    language, which never satisfy a rule) and `unknown` (streams not analysed by the server yet) are
    listed apart and never counted as issues."""
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await language_issues(session, account.id, paging, settings=settings, issue=issue)
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/reports/requests", responses=error_responses(Unauthorized))
async def report_requests(
    session: SessionDep,
    account: CurrentAccount,
    paging: Paging,
    category: Literal["all", "pending", "processing", "failed", "unavailable", "stuck"] = "all",
) -> ReportPage[RequestRow]:
    """Jellyseerr requests that are pending, processing, failed or unavailable; `stuck` flags old approvals."""
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await request_report(
        session, account.id, paging, settings=settings, now=datetime.now(UTC), category=category
    )
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/reports/recently-available", responses=error_responses(Unauthorized))
async def report_recently_available(
    session: SessionDep, account: CurrentAccount, paging: Paging
) -> ReportPage[RecentRow]:
    """What became available in the last N days, from Jellyseerr and from the libraries' added dates."""
    settings = await ReportSettingsService(session, account.id).get()
    items, total = await recently_available(session, account.id, paging, settings=settings, now=datetime.now(UTC))
    return ReportPage(items=items, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/reports/duplicates", responses=error_responses(Unauthorized))
async def report_duplicates(session: SessionDep, account: CurrentAccount, paging: Paging) -> ReportPage[DuplicateGroup]:
    """Duplicate tracks and multi-version tracks, grouped, with the proposed keeper and why."""
    settings = await ReportSettingsService(session, account.id).get()
    groups, total = await duplicate_groups(session, account.id, paging, settings=settings)
    return ReportPage(items=groups, total=total, page=paging.page, page_size=paging.page_size)


@router.get("/reports/duplicates/albums", responses=error_responses(Unauthorized))
async def report_duplicate_albums(
    session: SessionDep, account: CurrentAccount, paging: Paging
) -> ReportPage[DuplicateAlbum]:
    """Albums holding duplicate or multi-version tracks: extra copies, reclaimable size (sort: groups, album)."""
    settings = await ReportSettingsService(session, account.id).get()
    albums, total = await duplicate_albums(session, account.id, paging, settings=settings)
    return ReportPage(items=albums, total=total, page=paging.page, page_size=paging.page_size)


class KeeperIn(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str = Field(min_length=1, max_length=100)
    part_id: str | None = Field(default=None, max_length=100, description="For a multi-version track: the version")


@router.put(
    "/reports/duplicates/keeper",
    status_code=204,
    responses=error_responses(Unauthorized, KeeperNotFound),
    dependencies=[RefreshSummary],
)
async def choose_duplicate_keeper(body: KeeperIn, session: SessionDep, account: CurrentAccount) -> None:
    """Keep this copy in its duplicates group instead of the proposed one."""
    await choose_keeper(
        session, account.id, connection_id=body.connection_id, upstream_id=body.upstream_id, part_id=body.part_id
    )


@router.get("/dashboard", responses=error_responses(Unauthorized))
async def get_dashboard(session: SessionDep, account: CurrentAccount) -> Dashboard:
    """One card per report (count, reclaimable size), storage by library, stale items by age, last sync."""
    settings = await ReportSettingsService(session, account.id).get()
    return await dashboard(session, account.id, settings=settings, now=datetime.now(UTC))


@router.get("/reports/{report}/export.csv", response_class=PlainTextResponse, responses=error_responses(Unauthorized))
async def export_report(
    report: Literal["large", "stale", "languages", "requests", "recently-available", "duplicates"],
    session: SessionDep,
    account: CurrentAccount,
    paging: Paging,
    issue: LanguageFilter = "all",
    category: Literal["all", "pending", "processing", "failed", "unavailable", "stuck"] = "all",
) -> PlainTextResponse:
    """The filtered rows of a report as CSV (every page, up to 100,000 rows; duplicates: one row per copy).
    `issue` applies to `languages` and `category` to `requests`, as on the report itself."""
    settings = await ReportSettingsService(session, account.id).get()
    everything = replace(paging, page=1, page_size=100_000)
    rows: Sequence[BaseModel]
    if report == "duplicates":
        groups, _ = await duplicate_groups(session, account.id, everything, settings=settings)
        body = to_csv(DUPLICATE_COLUMNS, duplicate_rows(groups))
        return _csv(body, report)
    if report == "large":
        rows, _ = await large_movies(session, account.id, everything, threshold_gb=settings.large_movie_gb)
        columns = list(LargeMovie.model_fields)
    elif report == "stale":
        rows, _ = await stale_items(session, account.id, everything, settings=settings, now=datetime.now(UTC))
        columns = list(StaleItem.model_fields)
    elif report == "languages":
        rows, _ = await language_issues(session, account.id, everything, settings=settings, issue=issue)
        columns = list(LanguageIssue.model_fields)
    elif report == "requests":
        rows, _ = await request_report(
            session, account.id, everything, settings=settings, now=datetime.now(UTC), category=category
        )
        columns = list(RequestRow.model_fields)
    else:
        rows, _ = await recently_available(session, account.id, everything, settings=settings, now=datetime.now(UTC))
        columns = list(RecentRow.model_fields)
    return _csv(to_csv(columns, (r.model_dump(mode="json") for r in rows)), report)


def _csv(body: str, report: str) -> PlainTextResponse:
    return PlainTextResponse(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="media-janitor-{report}.csv"'},
    )
