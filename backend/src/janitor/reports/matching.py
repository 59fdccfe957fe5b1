"""Every row of a report matching its filters, for a bulk action on "all N matching this filter".

The rows are resolved when the action runs, by the report's own query with the filters the page used
(never from ids the page held): the action touches what the report lists now. The person confirms the
count they saw (``expected``): another count now is a 409, and nothing is done. Above the action's
limit it is a 400 saying how many match and the limit, and nothing is done: never part of them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.schemas import List, Note
from janitor.core.errors import BadRequest, Conflict
from janitor.core.schemas import InputModel, Timestamp, Uuid
from janitor.reports.common import PageParams
from janitor.reports.languages import LanguageFilter, LanguageIssue, language_issues
from janitor.reports.large import LargeMovie, LargeShow, large_movies
from janitor.reports.models import ReportSettings
from janitor.reports.stale import StaleItem, stale_items

# The reports whose rows can be acted on in bulk (allowlists; deletions from all three).
BulkReport = Literal["large", "stale", "languages"]
Evidence = Literal["stale", "unknown"]
# Each report's own filter: the one query parameter it takes besides search, server and library.
OWN_FILTER: dict[str, str] = {"large": "show", "stale": "evidence", "languages": "issue"}


class ReportFilter(InputModel):
    """A report's filters as its page sends them (`GET /api/v1/reports/{report}`), without page and sort."""

    q: str | None = Field(default=None, max_length=200, description="Search in titles")
    connection_id: Uuid | None = None
    library_id: Uuid | None = None
    show: LargeShow | None = Field(default=None, description="The large movies report only (default `listed`)")
    evidence: Evidence | None = Field(default=None, description="The stale report only (default `stale`)")
    issue: LanguageFilter | None = Field(default=None, description="The languages report only (default `all`)")


class AllowlistMatchingIn(InputModel):
    """Add every row of the report matching its filters to a list, resolved when added."""

    list_name: List = Field(alias="list")
    filter: ReportFilter = Field(description="The filters the report page shows (search, server, library, its own)")
    expected: int = Field(
        ge=1,
        le=1_000_000,
        description="How many rows the person saw match: another count now is a 409 and nothing is added",
    )
    note: Note = None
    expires_at: Timestamp | None = None


MatchedRow = LargeMovie | StaleItem | LanguageIssue


class MatchesChanged(Conflict):
    code = "report_matches_changed"
    message = "The report changed since you looked; nothing was done. Look at it again and confirm."


class TooManyMatches(BadRequest):
    code = "report_too_many_matches"
    message = "Too many rows match this filter; nothing was done. Narrow the filter and try again."


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n:,} items"


def check_filter(report: str, where: ReportFilter) -> None:
    """A filter of another report (``issue`` on the stale report…) is refused, not ignored."""
    own = OWN_FILTER[report]
    for name in OWN_FILTER.values():
        if name != own and getattr(where, name) is not None:
            raise BadRequest(f"is not a filter of the {report} report (its own is `{own}`)", field=f"filter.{name}")


async def matching_rows(
    session: AsyncSession,
    account_id: uuid.UUID,
    report: BulkReport,
    where: ReportFilter,
    *,
    expected: int,
    limit: int,
    done: str,
    settings: ReportSettings,
    now: datetime,
) -> Sequence[MatchedRow]:
    """Every row of ``report`` matching ``where`` now, read in one query. ``done`` says the action in
    the refusals ("queued", "added"): more rows than ``limit`` is a 400, a count other than ``expected``
    a 409."""
    check_filter(report, where)
    params = PageParams(
        page=1,
        page_size=limit + 1,
        q=(where.q or "").strip() or None,
        connection_id=where.connection_id,
        library_id=where.library_id,
    )
    rows: Sequence[MatchedRow]
    if report == "large":
        rows, total = await large_movies(
            session, account_id, params, threshold_gb=settings.large_movie_gb, show=where.show or "listed"
        )
    elif report == "stale":
        rows, total = await stale_items(
            session, account_id, params, settings=settings, now=now, evidence=where.evidence or "stale"
        )
    else:
        rows, total = await language_issues(session, account_id, params, settings=settings, issue=where.issue or "all")
    if total > limit:
        raise TooManyMatches(
            f"{_items(total)} match this filter now; at most {limit:,} can be {done} at once. Nothing was {done}: "
            "narrow the filter (search, server, library) and try again."
        )
    if total != expected:
        raise MatchesChanged(
            f"This filter matches {_items(total)} now, not the {expected:,} you saw: the report changed since you "
            f"looked. Nothing was {done}; look at the report again and confirm."
        )
    return rows
