"""The stale report's cut-offs sit exactly on calendar days of the account's time zone: a last play (or
an added date) on the day N calendar months before today is within N months; the day before is not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from janitor.core.context import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.library.clock import months_before, validate_time_zone
from janitor.openapi import render
from janitor.reports.common import PageParams
from janitor.reports.service import ReportSettingsService
from janitor.reports.stale import stale_items
from mediasim import SimServer, world_from_scenario

from .conftest import connect_plex


def movie(title: str, *, added: str, watched: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"title": title, "year": 2001, "released": "2001-05-01", "added": added}
    if watched:
        item["watched"] = [{"user": "hank", "at": watched}]
    return item


OLD = "2025-01-01T00:00:00Z"
MOVIES = [
    movie("On Cutoff", added=OLD, watched="2026-02-28T00:00:00Z"),
    movie("Day Before", added=OLD, watched="2026-02-27T23:59:59Z"),
    movie("Auckland Morning", added=OLD, watched="2026-02-28T06:00:00Z"),
    movie("Auckland Noon", added=OLD, watched="2026-02-28T12:00:00Z"),
    movie("Added On Cutoff", added="2026-02-28T00:00:00Z"),
    movie("Added Day Before", added="2026-02-27T23:59:59Z"),
]
SCENARIO: dict[str, Any] = {
    "seed": 17,
    "now": "2026-03-31T12:00:00Z",
    "plex": {
        "owner": {"username": "hank"},
        "servers": [{"name": "home", "libraries": [{"type": "movie", "title": "Movies", "items": MOVIES}]}],
    },
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server


async def _synced(api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob) -> SignedUp:
    user = await signup()
    await connect_plex(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    r = await api.patch(
        "/api/v1/settings/reports",
        json={
            "stale_months": 1,
            "stale_ignore_added_months": 1,
            "stale_ignore_released_months": 0,
            "stale_ignore_future_releases": False,
        },
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    return user


async def _stale(job_ctx: AppContext, user: SignedUp, now: datetime) -> dict[str, str]:
    async with job_ctx.sessionmaker() as session:
        settings = await ReportSettingsService(session, user.account_id).get()
        rows, _ = await stale_items(session, user.account_id, PageParams(page_size=100), settings=settings, now=now)
    return {r.title: r.why for r in rows}


async def test_cut_offs_are_calendar_days_in_the_account_time_zone(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await _synced(api, signup, sim, run_job)
    # March 31 minus one calendar month is February 28 (not "the 28th" of a clamped day): the
    # cut-off is 2026-02-28 00:00 UTC. A last play that day is within the month; the second before
    # is not. An item added that day is recently added; one added the second before is not.
    noon = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert set(await _stale(job_ctx, user, noon)) == {"Day Before", "Added Day Before"}
    # The same instant in Auckland is already April 1 (UTC+13): the cut-off moves to March 1 local,
    # 2026-02-28 11:00 UTC, and plays before it that day become stale.
    evening = datetime(2026, 3, 31, 20, tzinfo=UTC)
    assert set(await _stale(job_ctx, user, evening)) == {"Day Before", "Added Day Before"}
    r = await api.patch("/api/v1/settings/reports", json={"time_zone": "Pacific/Auckland"}, headers=user.headers)
    assert r.status_code == 200 and r.json()["time_zone"] == "Pacific/Auckland"
    whys = await _stale(job_ctx, user, evening)
    assert set(whys) == {"Day Before", "On Cutoff", "Auckland Morning", "Added Day Before", "Added On Cutoff"}
    # Dates in the whys are the account's days too (23:59:59 UTC is the next morning in Auckland).
    assert whys["Day Before"].startswith("Last watched 2026-02-28 by hank")
    # ... and the report the API serves uses the setting (today, everything above is months old).
    body = (await api.get("/api/v1/reports/stale", headers=user.headers)).json()
    assert body["total"] == len(MOVIES)


async def test_the_time_zone_setting_is_validated_and_defaults_to_utc(api: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    assert (await api.get("/api/v1/settings/reports", headers=user.headers)).json()["time_zone"] == "UTC"
    bad = await api.patch("/api/v1/settings/reports", json={"time_zone": "Mars/Olympus"}, headers=user.headers)
    assert bad.status_code == 422
    assert "'Mars/Olympus' is not a time zone; use an IANA name such as Europe/Paris" in bad.json()["detail"]
    # nothing was saved, not even the valid value sent with it
    bad = await api.patch("/api/v1/settings/reports", json={"time_zone": "", "stale_months": 9}, headers=user.headers)
    assert bad.status_code == 422
    settings = (await api.get("/api/v1/settings/reports", headers=user.headers)).json()
    assert settings["time_zone"] == "UTC" and settings["stale_months"] == 4
    # The name exactly as the schema's list has it (the settings form trims what was typed).
    padded = await api.patch("/api/v1/settings/reports", json={"time_zone": " Europe/Paris "}, headers=user.headers)
    assert padded.status_code == 422
    ok = await api.patch("/api/v1/settings/reports", json={"time_zone": "Europe/Paris"}, headers=user.headers)
    assert ok.status_code == 200 and ok.json()["time_zone"] == "Europe/Paris"
    enum = json.loads(render())["components"]["schemas"]["ReportSettingsUpdate"]["properties"]["time_zone"]
    assert {"Europe/Paris", "America/New_York", "UTC"} <= set(enum["anyOf"][0]["enum"])


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 5, 31), 3, date(2026, 2, 28)),
        (date(2026, 7, 31), 1, date(2026, 6, 30)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 1, 31), 13, date(2024, 12, 31)),
        (date(2026, 6, 10), 0, date(2026, 6, 10)),
    ],
)
def test_months_before_counts_calendar_months(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(min_value=0, max_value=240))
def test_months_before_lands_in_the_right_month_on_the_same_or_last_day(day: date, months: int) -> None:
    earlier = months_before(day, months)
    assert (day.year * 12 + day.month) - (earlier.year * 12 + earlier.month) == months
    last_of_month = (earlier + timedelta(days=1)).month != earlier.month
    assert earlier.day == day.day or (earlier.day < day.day and last_of_month)


def test_time_zone_names_are_iana_names() -> None:
    assert validate_time_zone("America/New_York") == "America/New_York"
    with pytest.raises(ValueError, match="is not a time zone"):
        validate_time_zone("New York")
