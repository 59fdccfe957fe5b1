"""The report page cache (core/pagecache.py): repeated reads are answered from Redis, every write and
every sync makes the next read fresh, sign-in is checked on every hit, and tenants never share pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from janitor.core.config import Settings
from janitor.core.context import AppContext
from janitor.core.pagecache import page_digest
from janitor.devtools.pytest_plugin import TEST_PASSWORD, SignedUp, SignupFn, running_client
from janitor.devtools.sim_fixtures import RunJob
from janitor.main import create_app
from mediasim import SimServer

from .test_stale_and_large import _synced

LARGE = "/api/v1/reports/large"


async def _get(api: httpx.AsyncClient, user: SignedUp, path: str = LARGE, **params: Any) -> httpx.Response:
    return await api.get(path, params=params, headers=user.headers)


async def test_a_repeated_page_is_served_from_the_cache_whatever_the_parameter_order(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    first = await api.get(f"{LARGE}?sort=size&order=desc&page_size=5", headers=user.headers)
    second = await api.get(f"{LARGE}?page_size=5&order=desc&sort=size", headers=user.headers)
    assert (first.status_code, first.headers["x-cache"]) == (200, "miss")
    assert (second.status_code, second.headers["x-cache"]) == (200, "hit")
    assert second.headers["content-type"] == "application/json"
    assert second.json() == first.json()
    assert (await _get(api, user, page_size=6)).headers["x-cache"] == "miss"  # another page
    for path in ("/api/v1/reports/stale", "/api/v1/reports/duplicates", "/api/v1/dashboard"):
        assert (await _get(api, user, path)).headers["x-cache"] == "miss"
        again = await _get(api, user, path)
        assert again.headers["x-cache"] == "hit", path


async def test_errors_and_unsigned_requests_are_never_cached(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    assert (await _get(api, user, page=1)).status_code == 200
    for _ in range(2):
        bad = await _get(api, user, page=0)
        assert bad.status_code == 422
        assert bad.headers.get("x-cache") == "miss"
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        r = await api.get(LARGE, params={"page": 1}, headers=headers)
        assert r.status_code == 401
        assert "x-cache" not in r.headers


async def test_every_write_makes_the_next_read_fresh(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    before = await _get(api, user)
    assert before.json()["total"] == 1
    assert (await _get(api, user)).headers["x-cache"] == "hit"
    r = await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 1.5}, headers=user.headers)
    assert r.status_code == 200
    after = await _get(api, user)
    assert after.headers["x-cache"] == "miss"
    assert after.json()["total"] > 1
    # A failed write bumps too (harmless), and the page is recomputed the same.
    assert (
        await api.patch("/api/v1/settings/reports", json={"large_movie_gb": -1}, headers=user.headers)
    ).status_code == 422
    again = await _get(api, user)
    assert again.headers["x-cache"] == "miss"
    assert again.json() == after.json()


async def test_a_sync_run_makes_the_next_read_fresh(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    page = await _get(api, user, "/api/v1/reports/stale")
    board = await _get(api, user, "/api/v1/dashboard")
    assert (await _get(api, user, "/api/v1/dashboard")).headers["x-cache"] == "hit"
    # The run is queued by a write (a bump) and runs in the worker (bumps of its own).
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    assert (await _get(api, user, "/api/v1/dashboard")).json()["last_sync"]["status"] == "queued"
    assert (await _get(api, user, "/api/v1/dashboard")).headers["x-cache"] == "hit"
    await run_job(user)
    fresh = await _get(api, user, "/api/v1/dashboard")
    assert fresh.headers["x-cache"] == "miss"
    assert fresh.json()["last_sync"]["status"] == "complete"
    assert fresh.json()["last_sync"]["finished_at"] != board.json()["last_sync"]["finished_at"]
    stale = await _get(api, user, "/api/v1/reports/stale")
    assert stale.headers["x-cache"] == "miss"
    assert {**stale.json(), "data_as_of": None} == {**page.json(), "data_as_of": None}
    assert stale.json()["data_as_of"] > page.json()["data_as_of"]  # the page says how current its data is


async def test_a_changed_password_or_a_deleted_account_refuses_old_tokens_on_cached_pages(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    await _get(api, user)
    assert (await _get(api, user)).headers["x-cache"] == "hit"
    r = await api.post(
        "/api/v1/account/password",
        json={"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD + "-new"},
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    renewed = SignedUp(user.email, TEST_PASSWORD + "-new", r.json()["access_token"], user.account_id, "")
    assert (await _get(api, user)).status_code == 401  # sign-in state forgotten: the database says no
    fresh = await _get(api, renewed)
    assert (fresh.status_code, fresh.headers["x-cache"]) == (200, "miss")
    assert (await _get(api, renewed)).headers["x-cache"] == "hit"
    assert (await _get(api, user)).status_code == 401  # the stored session version refuses it on a hit too

    r = await api.post("/api/v1/account/delete", json={"password": TEST_PASSWORD + "-new"}, headers=renewed.headers)
    assert r.status_code == 204, r.text
    assert (await _get(api, renewed)).status_code == 401


async def test_tenants_never_share_a_page(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    alice = await _synced(api, signup, sim, run_job)
    bob = await signup()
    assert (await _get(api, alice)).json()["total"] == 1
    assert (await _get(api, alice)).headers["x-cache"] == "hit"
    theirs = await _get(api, bob)
    assert theirs.headers["x-cache"] == "miss"
    assert theirs.json()["total"] == 0


@pytest.mark.parametrize("moved", [False, True])
async def test_a_page_computed_before_a_bump_is_never_stored_for_the_new_generation(
    job_ctx: AppContext, signup: SignupFn, moved: bool
) -> None:
    user = await signup()
    account = str(user.account_id)
    cache = job_ctx.page_cache
    assert cache.pipe is not None  # reads take the pipelined connection
    digest = page_digest(LARGE, b"page=1")
    _, gen, _ = await cache.read(account, 0, digest)
    if moved:
        await cache.bump(account)  # a write committed while the page was being computed
    stored = await cache.store(account, gen, digest, version=0, body=b'{"items":[]}')
    assert stored is not moved
    signed_in, now_gen, body = await cache.read(account, 0, digest)
    assert signed_in is not moved  # nor the session version read before the bump
    assert body == (None if moved else b'{"items":[]}')
    assert (now_gen == gen) is not moved


async def test_a_cache_time_of_zero_turns_the_cache_off(self_hosted: Settings, signup: SignupFn) -> None:
    user = await signup()
    app = create_app(self_hosted.model_copy(update={"report_cache_seconds": 0}))
    async with running_client(app) as client:
        for _ in range(2):
            r = await client.get(LARGE, headers=user.headers)
            assert r.status_code == 200
            assert "x-cache" not in r.headers
