"""The CSV export holds exactly the rows the report shows with the same filters."""

from __future__ import annotations

import csv
import io

import httpx

from janitor.devtools.pytest_plugin import SignupFn
from janitor.devtools.sim_fixtures import RunJob
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
