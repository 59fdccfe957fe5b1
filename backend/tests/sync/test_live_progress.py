"""Live progress reaches a browser as server-sent events, over a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from redis.asyncio import Redis

from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import TEST_PASSWORD, SignupFn
from janitor.devtools.services import free_port
from janitor.devtools.sim_fixtures import RunJob, connect_all
from janitor.main import create_app
from janitor.sync.progress import channel
from mediasim import SimServer


@pytest.fixture
async def served_api(self_hosted: Settings, clean_state: None) -> AsyncIterator[str]:
    async for url in _serve(self_hosted):
        yield url


@pytest.fixture
async def quick_check_api(self_hosted: Settings, clean_state: None) -> AsyncIterator[str]:
    """Streams re-check their sign-in every 0.2 s instead of every 15 s."""
    async for url in _serve(self_hosted.model_copy(update={"events_session_check_seconds": 0.2})):
        yield url


async def _serve(settings: Settings) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    event = "message"
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            yield event, orjson.loads(line[6:])


async def test_progress_events_stream_until_the_run_finishes(
    served_api: str, api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await signup()
    await connect_all(api, user, sim)
    seen: list[tuple[str, Any]] = []
    async with httpx.AsyncClient(base_url=served_api, timeout=30) as browser:
        unauthorized = await browser.get("/api/v1/sync/events")
        assert unauthorized.status_code == 401
        async with browser.stream("GET", "/api/v1/sync/events", headers=user.headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = _events(response)
            seen.append(await anext(events))
            assert seen[0] == ("snapshot", None)  # no run yet
            run = (await api.post("/api/v1/sync/runs?full=true", headers=user.headers)).json()
            job = asyncio.create_task(run_job(user))
            async for event, data in events:
                seen.append((event, data))
                if data.get("finished"):
                    break
            await job
    progress = [d for e, d in seen if e == "progress"]
    assert all(d["run_id"] == run["id"] for d in progress)
    assert len(progress) >= 3
    assert progress[-1]["status"] == "complete"
    items = [d["items"] for d in progress]
    assert items == sorted(items)
    assert items[-1] > 0
    # one percentage for the run, measured by the worker, that never goes back (sync/gauge.py)
    percents = [d["percent"] for d in progress if d["percent"] is not None]
    assert percents and percents == sorted(percents) and percents[-1] <= 99
    for key in progress[-1]["sources"]:
        shown = [d["sources"][key]["percent"] for d in progress if d["sources"][key]["percent"] is not None]
        assert shown == sorted(shown) and shown[-1] == 100


async def _until_closed(events: AsyncIterator[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Every event left on a stream the server ends (a stream it keeps open fails the test)."""
    async with asyncio.timeout(20):
        return [event async for event in events]


@pytest.mark.parametrize("revocation", ["password_changed", "account_deleted"])
async def test_the_stream_ends_when_its_session_does(
    quick_check_api: str, api: httpx.AsyncClient, signup: SignupFn, self_hosted: Settings, revocation: str
) -> None:
    user = await signup()
    bystander = await signup()
    async with (
        httpx.AsyncClient(base_url=quick_check_api, timeout=30) as browser,
        browser.stream("GET", "/api/v1/sync/events", headers=user.headers) as revoked,
        browser.stream("GET", "/api/v1/sync/events", headers=bystander.headers) as kept,
    ):
        assert (revoked.status_code, kept.status_code) == (200, 200)
        revoked_events, kept_events = _events(revoked), _events(kept)
        assert await anext(revoked_events) == ("snapshot", None)
        assert await anext(kept_events) == ("snapshot", None)
        if revocation == "password_changed":
            r = await api.post(
                "/api/v1/account/password",
                json={"current_password": TEST_PASSWORD, "new_password": TEST_PASSWORD + "-new"},
                headers=user.headers,
            )
            assert r.status_code == 200, r.text
        else:
            r = await api.post("/api/v1/account/delete", json={"password": TEST_PASSWORD}, headers=user.headers)
            assert r.status_code == 204, r.text
        await _until_closed(revoked_events)
        # A session still signed in keeps its stream across the same checks.
        redis = Redis.from_url(self_hosted.redis_url)
        try:
            await redis.publish(channel(bystander.account_id), orjson.dumps({"run_id": "r1", "items": 2}))
        finally:
            await redis.aclose()
        assert await anext(kept_events) == ("progress", {"run_id": "r1", "items": 2})


async def test_an_idle_stream_sends_keep_alives(
    served_api: str, signup: SignupFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("janitor.sync.router.KEEP_ALIVE_SECONDS", 0.1)
    user = await signup()
    async with (
        httpx.AsyncClient(base_url=served_api, timeout=30) as browser,
        browser.stream("GET", "/api/v1/sync/events", headers=user.headers) as response,
    ):
        lines = response.aiter_lines()
        async with asyncio.timeout(20):
            while not (await anext(lines)).startswith(":"):
                pass


async def test_a_closed_stream_lets_go_of_its_subscription(
    served_api: str, signup: SignupFn, self_hosted: Settings
) -> None:
    user = await signup()
    redis = Redis.from_url(self_hosted.redis_url)
    try:
        async with httpx.AsyncClient(base_url=served_api, timeout=30) as browser:
            async with browser.stream("GET", "/api/v1/sync/events", headers=user.headers) as response:
                assert await anext(_events(response)) == ("snapshot", None)
                assert await redis.pubsub_numsub(channel(user.account_id)) == [(channel(user.account_id).encode(), 1)]
            # The browser went away: the server notices at once, not at its next keep-alive or check.
            async with asyncio.timeout(5):
                while await redis.pubsub_numsub(channel(user.account_id)) != [(channel(user.account_id).encode(), 0)]:
                    await asyncio.sleep(0.05)
    finally:
        await redis.aclose()
