"""Bulk actions on "all N matching this filter": the rows are resolved when the action runs, by the
report's own query with the page's filters (never ids the page held), the count the person saw must
still be the count, a limit refuses everything above it, protected rows are left out of a deletion,
and another account's filter touches nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from janitor.allowlists.models import AllowlistEntry
from janitor.core.deps import AppContext
from janitor.deletions.models import QueuedDeletion
from janitor.devtools.pytest_plugin import SignupFn

from .conftest import World


async def _count(ctx: AppContext, model: type[Any]) -> int:
    async with ctx.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _report(world: World, report: str, **params: Any) -> dict[str, Any]:
    r = await world.api.get(f"/api/v1/reports/{report}", params={"page_size": 500, **params}, headers=world.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _matching(world: World, reason: str, where: dict[str, Any], expected: int, **extra: Any) -> httpx.Response:
    return await world.post("/queue/matching", {"reason": reason, "filter": where, "expected": expected, **extra})


async def _allowlist(
    api: httpx.AsyncClient, headers: dict[str, str], report: str, where: dict[str, Any], expected: int, **extra: Any
) -> httpx.Response:
    body = {"list": "protected", "filter": where, "expected": expected, **extra}
    return await api.post(f"/api/v1/reports/{report}/allowlist", json=body, headers=headers)


async def test_every_stale_row_matching_the_filter_is_queued(ctx: AppContext, world: World) -> None:
    report = await _report(world, "stale")
    assert report["total"] >= 3  # movies and a show: more than a page of two
    r = await _matching(world, "stale", {}, report["total"], note="spring cleaning")
    assert r.status_code == 200, r.text
    body = r.json()
    queued = {(row["upstream_id"], row["reason"]) for row in body["rows"]}
    movies = [i for i in report["items"] if i["kind"] == "movie"]
    shows = [i for i in report["items"] if i["kind"] == "show"]
    assert {(m["upstream_id"], "stale") for m in movies} <= queued
    # a show goes as its episodes
    assert body["created"] == len(movies) + sum(s["episodes"] for s in shows)
    assert all(row["details"]["note"] == "spring cleaning" for row in body["rows"])
    assert all(row["why"] for row in body["rows"])
    # the stale report still lists them (queued is not deleted); asking again queues nothing new
    again = await _matching(world, "stale", {}, report["total"])
    assert (again.json()["created"], again.json()["already_queued"]) == (0, body["created"])


async def test_the_filter_is_the_reports_own_search_server_and_library(ctx: AppContext, world: World) -> None:
    report = await _report(world, "stale", q="forgot")
    assert [i["title"] for i in report["items"]] == ["Forgotten"]
    r = await _matching(world, "stale", {"q": "forgot", "connection_id": str(world.plex)}, 1)
    assert r.status_code == 200, r.text
    assert [row["title"] for row in r.json()["rows"]] == ["Forgotten (2020)"]
    assert await _count(ctx, QueuedDeletion) == 1
    # a library with nothing stale in it (the music): nothing matches now
    libraries = (await world.api.get("/api/v1/libraries", headers=world.headers)).json()
    music = next(lib["id"] for lib in libraries if lib["kind"] == "music")
    r = await _matching(world, "stale", {"library_id": music}, 1)
    assert r.status_code == 409 and r.json()["error"] == "report_matches_changed"
    assert "matches 0 items now, not the 1 you saw" in r.json()["detail"]


async def test_another_count_now_is_a_409_and_nothing_is_queued(ctx: AppContext, world: World) -> None:
    total = (await _report(world, "large"))["total"]
    for saw in (total + 1, total - 1):
        r = await _matching(world, "large", {}, saw)
        assert r.status_code == 409, r.text
        assert r.json()["error"] == "report_matches_changed"
        assert f"matches {total} items now, not the {saw} you saw" in r.json()["detail"]
        assert "Nothing was queued" in r.json()["detail"]
    assert await _count(ctx, QueuedDeletion) == 0


async def test_above_the_limit_nothing_is_queued_and_the_answer_says_how_many(
    ctx: AppContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = (await _report(world, "stale"))["total"]
    monkeypatch.setattr("janitor.deletions.choosing.MAX_QUEUE_ITEMS", total - 1)
    r = await _matching(world, "stale", {}, total)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "report_too_many_matches"
    assert f"{total} items match this filter now; at most {total - 1} can be queued at once" in r.json()["detail"]
    assert await _count(ctx, QueuedDeletion) == 0
    monkeypatch.setattr("janitor.deletions.choosing.MAX_QUEUE_ITEMS", total)
    assert (await _matching(world, "stale", {}, total)).status_code == 200


async def test_protected_rows_are_left_out_with_why(ctx: AppContext, world: World) -> None:
    huge = {"connection_id": str(world.plex), "upstream_id": world.rk("huge")}
    r = await world.api.post("/api/v1/allowlists", json={"list": "protected", "items": [huge]}, headers=world.headers)
    assert r.status_code == 201, r.text
    # the large report still lists a protected movie (to re-download it smaller)
    report = await _report(world, "large")
    assert world.rk("huge") in [i["upstream_id"] for i in report["items"]] and report["total"] >= 2
    r = await _matching(world, "large", {}, report["total"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(s["upstream_id"], s["why"]) for s in body["skipped"]] == [
        (world.rk("huge"), "it is on your Protected list")
    ]
    assert world.rk("huge") not in [row["upstream_id"] for row in body["rows"]]
    assert body["created"] == report["total"] - 1 == await _count(ctx, QueuedDeletion)


async def test_views_the_report_does_not_judge_and_other_reports_filters_are_refused(
    ctx: AppContext, world: World
) -> None:
    r = await _matching(world, "stale", {"evidence": "unknown"}, 1)
    assert r.status_code == 409 and "never judged stale" in r.json()["detail"]
    r = await _matching(world, "large", {"show": "dismissed"}, 1)
    assert r.status_code == 409 and "kept at their size" in r.json()["detail"]
    r = await _matching(world, "large", {"issue": "audio"}, 1)
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == "filter.issue: is not a filter of the large report (its own is `show`)"
    r = await _matching(world, "stale", {"sort": "title"}, 1)  # page and sort are not filters
    assert r.status_code == 422
    for expected in (0, -1, "3"):
        assert (await _matching(world, "stale", {}, expected)).status_code == 422  # type: ignore[arg-type]
    assert await _count(ctx, QueuedDeletion) == 0


async def test_another_accounts_filter_touches_nothing(
    ctx: AppContext, world: World, api: httpx.AsyncClient, signup: SignupFn
) -> None:
    other = await signup()
    where = {"connection_id": str(world.plex)}
    total = (await _report(world, "large", connection_id=str(world.plex)))["total"]
    body = {"reason": "large", "filter": where, "expected": total}
    r = await api.post("/api/v1/deletions/queue/matching", json=body, headers=other.headers)
    assert r.status_code == 409 and f"matches 0 items now, not the {total} you saw" in r.json()["detail"]
    r = await _allowlist(api, other.headers, "large", where, total)
    assert r.status_code == 409 and "Nothing was added" in r.json()["detail"]
    # nor without a filter: the other account's report is its own
    r = await api.post("/api/v1/deletions/queue/matching", json={**body, "filter": {}}, headers=other.headers)
    assert r.status_code == 409
    assert await _count(ctx, QueuedDeletion) == 0 and await _count(ctx, AllowlistEntry) == 0


async def test_every_row_matching_is_added_to_a_list(ctx: AppContext, world: World) -> None:
    before = await _report(world, "stale")
    r = await _allowlist(world.api, world.headers, "stale", {"q": "forgot"}, 1, note="a classic")
    assert r.status_code == 201, r.text
    assert r.json() == {"added": 1, "already_listed": 0}
    entries = (await world.api.get("/api/v1/allowlists", headers=world.headers)).json()
    assert [(e["list"], e["upstream_id"], e["note"]) for e in entries] == [
        ("protected", world.rk("forgotten"), "a classic")
    ]
    after = await _report(world, "stale")
    assert after["total"] == before["total"] - 1  # protected: it left the report
    # every row of the large report, one of them listed already
    large = (await _report(world, "large"))["total"]
    r = await _allowlist(world.api, world.headers, "large", {}, large)
    assert r.status_code == 201, r.text
    assert r.json()["added"] + r.json()["already_listed"] == large


async def test_the_allowlist_limit_and_count_refuse_everything(
    ctx: AppContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = (await _report(world, "stale"))["total"]
    r = await _allowlist(world.api, world.headers, "stale", {}, total + 2)
    assert r.status_code == 409 and r.json()["error"] == "report_matches_changed"
    monkeypatch.setattr("janitor.reports.router.MAX_ADD_ITEMS", total - 1)
    r = await _allowlist(world.api, world.headers, "stale", {}, total)
    assert r.status_code == 400 and r.json()["error"] == "report_too_many_matches"
    assert f"at most {total - 1} can be added at once" in r.json()["detail"]
    r = await _allowlist(world.api, world.headers, "requests", {}, 1)
    assert r.status_code == 422  # not a report whose rows go to a list
    r = await _allowlist(world.api, world.headers, "stale", {"connection_id": str(uuid.uuid4())}, 1)
    assert r.status_code == 409
    assert await _count(ctx, AllowlistEntry) == 0
