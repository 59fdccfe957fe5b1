from __future__ import annotations

import httpx

from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, choose_languages
from mediasim import SimServer

from .conftest import connect_plex


async def _connect(api: httpx.AsyncClient, user: SignedUp, sim: SimServer, kind: str) -> None:
    """Connect the simulator's Plex server (``plex``) or its Jellyseerr (``jellyseerr``)."""
    if kind == "plex":
        await connect_plex(api, user, sim)
        return
    seerr = sim.info["jellyseerr"]
    body = {"url": seerr["base_url"], "api_key": seerr["api_key"]}
    r = await api.post("/api/v1/connections/jellyseerr", json=body, headers=user.headers)
    assert r.status_code == 201, r.text


async def _sync(api: httpx.AsyncClient, user: SignedUp, run_job: RunJob, *, full: bool = True) -> None:
    await api.post("/api/v1/sync/runs", params={"full": "true"} if full else {}, headers=user.headers)
    await run_job(user)
    run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert run["status"] == "complete", run


async def _synced(api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob) -> SignedUp:
    user = await signup()
    # The languages the planted items are about (English and French audio, French subtitles).
    await choose_languages(api, user)
    await _connect(api, user, sim, "plex")
    await _connect(api, user, sim, "jellyseerr")
    await _sync(api, user, run_job)
    return user


async def _titles(api: httpx.AsyncClient, user: SignedUp, report: str, **params: object) -> list[str]:
    r = await api.get(f"/api/v1/reports/{report}", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    return [row["title"] for row in r.json()["items"]]


async def test_stale_finds_exactly_the_planted_items(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    body = (
        await api.get("/api/v1/reports/stale", params={"sort": "title", "order": "asc"}, headers=user.headers)
    ).json()
    assert [r["title"] for r in body["items"]] == ["Forgotten", "Huge Remux", "Never Seen", "Old Show"]
    assert body["total"] == 4
    by_title = {r["title"]: r for r in body["items"]}
    assert by_title["Never Seen"]["last_watched_at"] is None
    assert by_title["Never Seen"]["why"].startswith("Never watched")
    assert by_title["Forgotten"]["last_watched_by"] == "hank"
    assert "by hank" in by_title["Forgotten"]["why"]
    assert by_title["Old Show"]["kind"] == "show"
    assert by_title["Old Show"]["episodes"] == 2
    assert by_title["Old Show"]["last_watched_by"] == "alice"
    assert by_title["Forgotten"]["link"].startswith(sim.info["pms"]["home"]["base_url"])
    # thresholds change the result as documented
    r = await api.patch("/api/v1/settings/reports", json={"stale_months": 13}, headers=user.headers)
    assert r.status_code == 200
    assert await _titles(api, user, "stale", sort="title", order="asc") == ["Never Seen"]
    await api.patch(
        "/api/v1/settings/reports",
        json={
            "stale_months": 4,
            "stale_ignore_added_months": 0,
            "stale_ignore_released_months": 0,
            "stale_ignore_future_releases": False,
        },
        headers=user.headers,
    )
    assert await _titles(api, user, "stale", sort="title", order="asc") == [
        "Brand New Release",
        "Forgotten",
        "Fresh Arrival",
        "Huge Remux",
        "Just Landed",
        "Never Seen",
        "Not Out Yet",
        "Old Show",
    ]


async def test_large_movies_search_paging_and_csv(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    body = (await api.get("/api/v1/reports/large", headers=user.headers)).json()
    assert [r["title"] for r in body["items"]] == ["Huge Remux"]
    assert "above the 13 GB threshold" in body["items"][0]["why"]
    await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 3}, headers=user.headers)
    everything = await _titles(api, user, "large", sort="size")
    assert everything[0] == "Huge Remux"
    assert len(everything) == 11
    page3 = (await api.get("/api/v1/reports/large", params={"page": 3, "page_size": 5}, headers=user.headers)).json()
    assert len(page3["items"]) == 1
    assert page3["total"] == 11
    beyond = (await api.get("/api/v1/reports/large", params={"page": 9, "page_size": 5}, headers=user.headers)).json()
    assert beyond["items"] == []
    assert beyond["total"] == 11
    assert await _titles(api, user, "large", q="remux") == ["Huge Remux"]
    csv = await api.get("/api/v1/reports/large/export.csv", params={"q": "huge"}, headers=user.headers)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("connection_id,upstream_id,title")
    assert len(lines) == 2
    assert "Huge Remux" in lines[1]


async def test_reports_are_scoped_to_the_tenant_and_validate_input(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    await _synced(api, signup, sim, run_job)
    other = await signup()
    for report in ("stale", "large"):
        body = (await api.get(f"/api/v1/reports/{report}", headers=other.headers)).json()
        assert body == {
            "items": [],
            "total": 0,
            "page": 1,
            "page_size": 50,
            # never synced: no data as of any time (another tenant's runs say nothing about this one's)
            "data_as_of": None,
            "derived_stale": False,
            "derived_stale_reason": None,
            "first_sync_running": False,
        }
        csv = await api.get(f"/api/v1/reports/{report}/export.csv", headers=other.headers)
        assert len(csv.text.strip().splitlines()) == 1
    bad = await api.get("/api/v1/reports/large", params={"page_size": 10_000}, headers=other.headers)
    assert bad.status_code == 422
    bad = await api.patch(
        "/api/v1/settings/reports", json={"required_audio_languages": ["englsh"]}, headers=other.headers
    )
    assert bad.status_code == 400
    assert "'englsh' is not a language we know" in bad.json()["detail"]
    ok = await api.patch(
        "/api/v1/settings/reports", json={"required_audio_languages": ["EN", "fr", "english"]}, headers=other.headers
    )
    assert ok.json()["required_audio_languages"] == ["en", "fr"]
    assert (await api.get("/api/v1/reports/stale")).status_code == 401


async def test_language_issues_with_required_languages(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    body = (await api.get("/api/v1/reports/languages", params={"order": "asc"}, headers=user.headers)).json()
    rows = {r["title"]: r for r in body["items"]}
    assert sorted(rows) == ["Active Show S01E01 · E1", "English Only", "No Subs", "Untagged Audio"]
    assert rows["English Only"]["missing_audio"] == ["fr"]
    assert rows["English Only"]["missing_subtitles"] == []
    assert rows["No Subs"]["missing_subtitles"] == ["fr"]
    assert rows["Untagged Audio"]["missing_audio"] == ["en", "fr"]
    assert rows["Untagged Audio"]["untagged_audio"] == 1
    assert "1 audio track without a language tag" in rows["Untagged Audio"]["why"]
    assert rows["Active Show S01E01 · E1"]["kind"] == "episode"
    audio_only = await _titles(api, user, "languages", issue="subtitles", order="asc")
    assert audio_only == ["Active Show S01E01 · E1", "No Subs"]
    await api.patch(
        "/api/v1/settings/reports",
        json={"required_audio_languages": ["en"], "required_subtitle_languages": []},
        headers=user.headers,
    )
    assert sorted(await _titles(api, user, "languages")) == ["Active Show S01E01 · E1", "Untagged Audio"]


async def test_requests_report_categories_and_stuck(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    body = (await api.get("/api/v1/reports/requests", headers=user.headers)).json()
    rows = {r["title"]: r for r in body["items"]}
    assert {t: r["category"] for t, r in rows.items()} == {
        "Wanted Movie": "pending",
        "Broken Download": "failed",
        "Stuck Show": "processing",
        "Fresh Approval": "processing",
        "Deleted Later": "gone",
    }
    assert rows["Stuck Show"]["stuck"] is True
    assert "stuck" in rows["Stuck Show"]["why"]
    assert rows["Fresh Approval"]["stuck"] is False
    assert rows["Wanted Movie"]["requested_by"] == "alice"
    assert await _titles(api, user, "requests", category="stuck") == ["Stuck Show"]
    assert await _titles(api, user, "requests", category="failed") == ["Broken Download"]
    await api.patch("/api/v1/settings/reports", json={"stuck_request_days": 60}, headers=user.headers)
    assert await _titles(api, user, "requests", category="stuck") == []


async def test_recently_available_from_requests_and_libraries(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    body = (await api.get("/api/v1/reports/recently-available", headers=user.headers)).json()
    assert sorted((r["source"], r["title"]) for r in body["items"]) == [
        ("library", "Just Landed"),
        ("request", "Just Landed"),
    ]
    await api.patch("/api/v1/settings/reports", json={"recently_available_days": 11}, headers=user.headers)
    titles = await _titles(api, user, "recently-available")
    assert "Fresh Arrival" in titles
