"""Live progress reaches a browser as server-sent events, over a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import SignupFn
from janitor.devtools.services import free_port
from janitor.devtools.sim_fixtures import RunJob, connect_all
from janitor.main import create_app
from mediasim import SimServer


@pytest.fixture
async def served_api(self_hosted: Settings, clean_state: None) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(self_hosted), host="127.0.0.1", port=port, log_level="warning"))
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
