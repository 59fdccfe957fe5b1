"""Jellyseerr requests and recently available: Jellyseerr's own categories, titles by media type and
TMDB id, dates in the future, and each threshold tested exactly on its edge."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from janitor.core.context import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.reports.common import PageParams
from janitor.reports.requests import DatesFilter, recently_available, request_counts, request_report
from janitor.reports.service import ReportSettingsService
from mediasim import SimServer, world_from_scenario

from .conftest import NOW, ago, request
from .test_stale_and_large import _connect, _sync, _synced, _titles

ONE_US = timedelta(microseconds=1)


def film(label: str, title: str, *, added: int | str, size: int | str = "4GB") -> dict[str, Any]:
    return {"label": label, "title": title, "year": 2020, "added": added, "size": size, "audio": ["eng", "fre"]}


MOVIES = [
    film("at_threshold", "Exactly Thirteen", added=ago(400), size=13_000_000_000),
    film("over", "One Byte Over", added=ago(400), size=13_000_000_001),
    film("pct", "100% Pure", added=ago(400), size="20GB"),
    film("hundred", "1000 Days", added=ago(400), size="20GB"),
    film("underscore", "a_b", added=ago(400), size="20GB"),
    film("axb", "axb", added=ago(400), size="20GB"),
    film("backslash", "back\\slash", added=ago(400), size="20GB"),
    film("landed", "Landed", added=ago(3)),
    film("future", "From The Future", added=ago(-40)),
    film("old", "Old Arrival", added=ago(400)),
]

REQUESTS = [
    request(2001, "Wanted", 1, 2),
    request(2002, "Pending But Here", 1, 5),
    request(2003, "Processing Fresh", 2, 3, created=2, updated=1),
    request(2004, "Partly Here", 2, 4, created=40, updated=30, type="tv"),
    request(2005, "Approved Available", 2, 5),
    request(2006, "Broken", 4, 3),
    request(2007, "Deleted Later", 5, 7),
    request(2008, "Approved Then Deleted", 2, 7),
    request(2009, "Declined", 3, 1),
    request(2010, "Blocklisted", 2, 6),
    request(2011, "Four K", 2, 5, is4k=True, media_status4k=3),
    request(2012, "Time Traveller", 2, 3, created=-30, updated=-30),
    # Movie 4242 and show 4242 are two titles.
    request(4242, "Twin Film", 1, 2),
    request(4242, "Twin Series", 1, 2, type="tv"),
    {**request(2013, "Landed", 5, 5), "item": "landed"},
    {**request(2014, "From The Future", 5, 5), "item": "future"},
]

SCENARIO: dict[str, Any] = {
    "seed": 7,
    "now": NOW.isoformat().replace("+00:00", "Z"),
    "plex": {
        "owner": {"username": "hank", "email": "hank@example.com"},
        "friends": ["alice"],
        "servers": [{"name": "home", "libraries": [{"type": "movie", "title": "Movies", "items": MOVIES}]}],
    },
    "jellyseerr": {"requests": REQUESTS},
}


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(world_from_scenario(SCENARIO)) as server:
        yield server


async def _list(api: httpx.AsyncClient, user: SignedUp, report: str, **params: object) -> list[dict[str, Any]]:
    r = await api.get(f"/api/v1/reports/{report}", params={"page_size": 500, **params}, headers=user.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def _rows(api: httpx.AsyncClient, user: SignedUp, report: str, **params: object) -> dict[str, dict[str, Any]]:
    """Rows by title (titles are unique in the requests and large reports of this world)."""
    rows = await _list(api, user, report, **params)
    by_title = {row["title"]: row for row in rows}
    assert len(by_title) == len(rows)
    return by_title


async def _seerr_filter(sim: SimServer, name: str) -> set[int]:
    """The request ids Jellyseerr's own filter lists (the simulator implements its route's sets)."""
    seerr = sim.info["jellyseerr"]
    async with httpx.AsyncClient() as http:
        r = await http.get(
            f"{seerr['base_url']}/api/v1/request",
            params={"take": 1000, "filter": name},
            headers={"X-Api-Key": seerr["api_key"]},
        )
    assert r.status_code == 200, r.text
    return {int(x["id"]) for x in r.json()["results"]}


async def test_categories_are_jellyseerrs_and_gone_is_its_own(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    rows = await _rows(api, user, "requests")
    assert {t: (r["category"], r["unavailable"]) for t, r in rows.items()} == {
        "Wanted": ("pending", True),
        "Pending But Here": ("pending", False),
        "Twin Film": ("pending", True),
        "Twin Series": ("pending", True),
        "Processing Fresh": ("processing", True),
        "Partly Here": ("processing", True),
        "Four K": ("processing", True),
        "Time Traveller": ("processing", True),
        "Broken": ("failed", False),
        "Deleted Later": ("gone", False),
        "Approved Then Deleted": ("gone", False),
    }
    # Each filter holds exactly what Jellyseerr's filter of the same name holds.
    by_id = {r["upstream_id"]: t for t, r in rows.items()}
    for name in ("pending", "processing", "unavailable", "failed"):
        ours = await _rows(api, user, "requests", category=name)
        assert {r["upstream_id"] for r in ours.values()} == await _seerr_filter(sim, name), name
    assert sorted(await _rows(api, user, "requests", category="unavailable")) == sorted(
        t for t, r in rows.items() if r["unavailable"]
    )
    assert sorted(await _rows(api, user, "requests", category="gone")) == ["Approved Then Deleted", "Deleted Later"]
    assert sorted(by_id[i] for i in await _seerr_filter(sim, "deleted")) == ["Deleted Later"]
    # Plain reasons, one per category.
    assert rows["Wanted"]["why"] == "Waiting for approval in Jellyseerr; not available yet"
    assert (
        rows["Pending But Here"]["why"] == "Waiting for approval in Jellyseerr, although the media is already available"
    )
    assert rows["Processing Fresh"]["why"] == "Approved, not available yet"
    assert rows["Deleted Later"]["why"].startswith("Was available, then deleted from the media server")
    assert rows["Deleted Later"]["media_status"] == "deleted"
    assert rows["Four K"]["media_status"] == "processing"  # the 4K copy's status, not the HD one's
    assert rows["Partly Here"]["stuck"] is True
    assert rows["Partly Here"]["why"] == "Approved 30 days ago and still not available (stuck: more than 7 days)"
    # Blocklisted media never reaches us: Jellyseerr's request list leaves it out.
    assert "Blocklisted" not in rows


async def test_movie_and_show_with_one_tmdb_id_keep_their_own_titles(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    rows = await _rows(api, user, "requests", q="Twin")
    assert {t: (r["media_type"], r["tmdb_id"]) for t, r in rows.items()} == {
        "Twin Film": ("movie", 4242),
        "Twin Series": ("tv", 4242),
    }


async def test_dashboard_counts_each_request_once_and_each_filter_apart(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    board = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    cards = {c["report"]: c for c in board["cards"]}
    totals = {}
    for name in ("all", "pending", "unavailable", "processing", "stuck", "failed", "gone", "future_dates"):
        r = await api.get("/api/v1/reports/requests", params={"category": name}, headers=user.headers)
        totals[name] = r.json()["total"]
    assert cards["requests"]["count"] == totals.pop("all") == 11
    assert cards["requests"]["breakdown"] == totals
    assert totals["unavailable"] == 7 and totals["stuck"] == 1 and totals["gone"] == 2
    recent = cards["recently-available"]
    assert recent["count"] == 2 and recent["breakdown"] == {"future_dates": 2}


async def test_dates_in_the_future_are_flagged_never_recent_nor_an_age(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    rows = await _rows(api, user, "requests", category="future_dates")
    assert list(rows) == ["Time Traveller"]
    traveller = rows["Time Traveller"]
    assert traveller["future_dates"] is True and traveller["age_days"] is None and traveller["stuck"] is False
    assert f"Jellyseerr dates its request {ago(-30)} and its last change {ago(-30)}, in the future" in traveller["why"]
    # Recently available: dated next month is not recent, and is listed apart with the date it claims.
    recent = await _list(api, user, "recently-available")
    assert sorted((r["source"], r["title"]) for r in recent) == [("library", "Landed"), ("request", "Landed")]
    future = await _list(api, user, "recently-available", dates="future")
    assert sorted((r["source"], r["title"]) for r in future) == [
        ("library", "From The Future"),
        ("request", "From The Future"),
    ]
    lib = next(r for r in future if r["source"] == "library")
    assert lib["future_date"] is True
    assert lib["why"].startswith(f"Plex says it was added on {ago(-40)} ")
    assert lib["why"].endswith("in the future: a suspect date, never counted as recent")
    # A wider window still never reaches it.
    await api.patch("/api/v1/settings/reports", json={"recently_available_days": 365}, headers=user.headers)
    assert "From The Future" not in await _titles(api, user, "recently-available", page_size=500)


async def _one(ctx: AppContext, sql: str, **args: object) -> Any:
    async with ctx.sessionmaker() as session:
        return (await session.execute(text(sql), args)).scalar_one()


async def _recent(
    ctx: AppContext, account_id: uuid.UUID, now: datetime, dates: DatesFilter = "recent"
) -> list[tuple[str, str]]:
    async with ctx.sessionmaker() as session:
        settings = await ReportSettingsService(session, account_id).get()
        rows, _ = await recently_available(
            session, account_id, PageParams(page_size=500), settings=settings, now=now, dates=dates
        )
        await session.rollback()
    return sorted((r.source, r.title) for r in rows)


async def test_recently_available_edges_are_exact(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """Recent = available at most N days ago (inclusive) and at most a day (clock skew) in the future."""
    user = await _synced(api, signup, sim, run_job)
    a = user.account_id
    landed = await _one(job_ctx, "SELECT added_at FROM media_items WHERE account_id = :a AND title = 'Landed'", a=a)
    request_landed = await _one(
        job_ctx, "SELECT media_added_at FROM media_requests WHERE account_id = :a AND title = 'Landed'", a=a
    )
    assert request_landed == landed
    both = [("library", "Landed"), ("request", "Landed")]
    # Exactly 7 days (the default) after it landed: still recent; a microsecond later: not.
    edge = landed + timedelta(days=7)
    assert [t for t in await _recent(job_ctx, a, edge) if t[1] == "Landed"] == both
    assert [t for t in await _recent(job_ctx, a, edge + ONE_US) if t[1] == "Landed"] == []
    # Exactly a day (the clock-skew tolerance) before it is dated: recent, not suspect; a microsecond
    # earlier: the date is in the future, suspect, listed apart.
    future = await _one(
        job_ctx, "SELECT added_at FROM media_items WHERE account_id = :a AND title = 'From The Future'", a=a
    )
    skew = future - timedelta(days=1)
    assert ("library", "From The Future") in await _recent(job_ctx, a, skew)
    assert ("library", "From The Future") not in await _recent(job_ctx, a, skew, dates="future")
    assert ("library", "From The Future") not in await _recent(job_ctx, a, skew - ONE_US)
    assert ("library", "From The Future") in await _recent(job_ctx, a, skew - ONE_US, dates="future")


async def test_stuck_edge_is_exact(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """Stuck = approved, not available, and last changed strictly more than N days ago."""
    user = await _synced(api, signup, sim, run_job)
    a = user.account_id
    since = await _one(
        job_ctx, "SELECT upstream_updated_at FROM media_requests WHERE account_id = :a AND title = 'Partly Here'", a=a
    )

    async def stuck(now: datetime) -> tuple[list[str], list[str], int]:
        async with job_ctx.sessionmaker() as session:
            settings = await ReportSettingsService(session, a).get()
            settings.stuck_request_days = 30
            every, _ = await request_report(session, a, PageParams(page_size=500), settings=settings, now=now)
            listed, _ = await request_report(
                session, a, PageParams(page_size=500), settings=settings, now=now, category="stuck"
            )
            counts = await request_counts(session, a, settings=settings, now=now)
            await session.rollback()
        return sorted(r.title or "" for r in every if r.stuck), sorted(r.title or "" for r in listed), counts["stuck"]

    edge = since + timedelta(days=30)
    assert await stuck(edge) == ([], [], 0)
    assert await stuck(edge + ONE_US) == (["Partly Here"], ["Partly Here"], 1)


async def test_large_is_strictly_above_decimal_gigabytes(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    rows = await _rows(api, user, "large")
    assert "Exactly Thirteen" not in rows  # exactly 13 GB (13 x 10^9 bytes) is not above 13 GB
    over = rows["One Byte Over"]
    assert over["size_bytes"] == 13_000_000_001
    assert over["why"] == "13,000,000,001 bytes is above the 13 GB threshold"
    assert rows["100% Pure"]["why"] == "20.0 GB is above the 13 GB threshold"
    await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 12.9}, headers=user.headers)
    rows = await _rows(api, user, "large")
    assert rows["Exactly Thirteen"]["why"] == "13.0 GB is above the 12.9 GB threshold"


async def test_search_takes_percent_underscore_and_backslash_literally(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    for q, found in [
        ("100%", ["100% Pure"]),
        ("%", ["100% Pure"]),
        ("a_b", ["a_b"]),
        ("_", ["a_b"]),
        ("k\\s", ["back\\slash"]),
        ("100", ["100% Pure", "1000 Days"]),
    ]:
        assert sorted(await _titles(api, user, "large", q=q)) == found, q
    assert sorted(await _titles(api, user, "requests", q="_")) == []


async def test_a_refresh_that_only_brings_requests_updates_the_dashboard(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """Jellyseerr's rows count as changes: a run that changed only requests recomputes the summary."""
    user = await signup()
    await _connect(api, user, sim, "plex")
    await _sync(api, user, run_job)
    await _connect(api, user, sim, "jellyseerr")
    await _sync(api, user, run_job, full=False)
    board = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    cards = {c["report"]: c["count"] for c in board["cards"]}
    assert cards["requests"] == 11
    assert cards["recently-available"] == 2
    # A refresh that finds the same requests changes nothing (and rebuilds nothing).
    await _sync(api, user, run_job, full=False)
    changed = await _one(
        job_ctx,
        "SELECT changed FROM sync_runs WHERE account_id = :a ORDER BY created_at DESC LIMIT 1",
        a=user.account_id,
    )
    assert changed == 0
