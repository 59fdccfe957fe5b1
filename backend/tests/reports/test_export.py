"""The CSV export holds exactly the rows the report shows with the same filters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text

from janitor.core.context import AppContext
from janitor.devtools.pytest_plugin import SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.reports import common
from janitor.reports.common import PageParams
from janitor.reports.dashboard import compute_summary
from janitor.reports.router import csv_chunks
from janitor.reports.service import ReportSettingsService
from mediasim import SimServer

from .test_stale_and_large import _synced, _titles


async def _csv_titles(api: httpx.AsyncClient, headers: dict[str, str], report: str, **params: object) -> list[str]:
    r = await api.get(f"/api/v1/reports/{report}/export.csv", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [row["title"] for row in csv.DictReader(io.StringIO(r.text))]


async def test_export_applies_the_issue_and_category_filters(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    for issue in ("all", "audio", "subtitles"):
        shown = await _titles(api, user, "languages", issue=issue, order="asc")
        assert await _csv_titles(api, user.headers, "languages", issue=issue, order="asc") == shown
    assert await _csv_titles(api, user.headers, "languages", issue="subtitles", order="asc") == [
        "Active Show S01E01 · E1",
        "No Subs",
    ]
    for category in ("all", "pending", "failed", "stuck"):
        shown = await _titles(api, user, "requests", category=category, sort="title", order="asc")
        assert await _csv_titles(api, user.headers, "requests", category=category, sort="title", order="asc") == shown
    assert await _csv_titles(api, user.headers, "requests", category="stuck") == ["Stuck Show"]
    bad = await api.get("/api/v1/reports/requests/export.csv", params={"category": "lost"}, headers=user.headers)
    assert bad.status_code == 422


async def test_export_reads_every_page_in_report_order(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two rows a query, every report's CSV still holds each of its rows once, in its order."""
    monkeypatch.setattr(common, "EVERY_ROW_PAGE_SIZE", 2)
    user = await _synced(api, signup, sim, run_job)
    await api.patch(
        "/api/v1/settings/reports", json={"recently_available_days": 365, "large_movie_gb": 1}, headers=user.headers
    )
    for report in ("large", "stale", "languages", "requests", "recently-available"):
        shown = await _titles(api, user, report, page_size=500, sort="title", order="asc")
        assert len(shown) > 2, report
        assert await _csv_titles(api, user.headers, report, sort="title", order="asc") == shown, report
    groups = (await api.get("/api/v1/reports/duplicates", params={"page_size": 500}, headers=user.headers)).json()
    copies = [(g["title"], c["upstream_id"]) for g in groups["items"] for c in g["copies"]]
    assert len(groups["items"]) > 2
    r = await api.get("/api/v1/reports/duplicates/export.csv", headers=user.headers)
    assert [(row["title"], row["upstream_id"]) for row in csv.DictReader(io.StringIO(r.text))] == copies


async def test_the_csv_streams_a_page_at_a_time(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await _synced(api, signup, sim, run_job)
    async with job_ctx.sessionmaker() as session:
        settings = await ReportSettingsService(session, user.account_id).get()
        settings.large_movie_gb = 1
    chunks = [
        chunk
        async for chunk in csv_chunks(
            job_ctx,
            "large",
            user.account_id,
            PageParams(),
            settings,
            now=datetime.now(UTC),
            issue="all",
            category="all",
            dates="recent",
            page_size=3,
        )
    ]
    rows = [line for chunk in chunks for line in chunk.splitlines()]
    movies = len(rows) - 1
    assert movies > 3
    assert len(chunks) == -(-movies // 3)  # one chunk per page: memory holds a page, not the report
    assert rows[0].startswith("connection_id,upstream_id,title")
    assert sum(line.startswith("connection_id,") for line in rows) == 1


async def test_export_has_no_row_cap(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """More than the 100,000 rows the export used to stop at, silently."""
    user = await _synced(api, signup, sim, run_job)
    async with job_ctx.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, title, guids, "
                "parts, size_bytes) "
                "SELECT l.account_id, l.connection_id, l.id, 'bulk-' || i, 'movie', 'Bulk ' || i, '{}', '[]', "
                "20000000000 + i FROM (SELECT * FROM libraries WHERE account_id = :a AND kind = 'movie' LIMIT 1) l, "
                "generate_series(1, 100001) i"
            ),
            {"a": user.account_id},
        )
    shown = (await api.get("/api/v1/reports/large", params={"page_size": 1}, headers=user.headers)).json()["total"]
    assert shown > 100_001
    r = await api.get("/api/v1/reports/large/export.csv", headers=user.headers)
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == shown
    assert len({row["upstream_id"] for row in rows}) == shown
    assert [rows[0]["title"], rows[1]["upstream_id"]] == ["Huge Remux", "bulk-100001"]  # largest first
    # The dashboard's figures are sums over every row too.
    async with job_ctx.sessionmaker() as session:
        settings = await ReportSettingsService(session, user.account_id).get()
        summary = await compute_summary(session, user.account_id, settings=settings, now=datetime.now(UTC))
        await session.rollback()
    large = next(c for c in summary.cards if c.report == "large")
    assert (large.count, large.reclaimable_bytes) == (shown, sum(int(row["size_bytes"]) for row in rows))
