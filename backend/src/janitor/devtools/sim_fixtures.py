"""Fixtures for tests that sync from the simulator: the real API (self-hosted mode), the real job
wrapper, and a simulator on a real socket. A test folder overrides ``sim`` to serve its own world."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from janitor.core.config import Settings
from janitor.core.context import build_context, close_context
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, running_client
from janitor.jobs.names import JobName
from janitor.jobs.runner import tenant_job
from janitor.main import create_app
from janitor_worker.registry import TENANT_HANDLERS
from mediasim import SimServer, generate_world


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(generate_world(seed=11, size="tiny")) as server:
        yield server


@pytest.fixture
def self_hosted(settings: Settings, sim: SimServer) -> Settings:
    """Self-hosted mode reaches the simulator on loopback; the guard itself is unchanged."""
    return settings.model_copy(
        update={
            "allow_private_networks": True,
            "plex_tv_url": sim.info["plextv"]["base_url"],
            "plex_auth_url": sim.info["plextv"]["auth_app_url"],
        }
    )


@pytest.fixture
async def api(self_hosted: Settings, clean_state: None) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(self_hosted)
    async with running_client(app) as c:
        yield c


@pytest.fixture
async def job_ctx(self_hosted: Settings) -> AsyncIterator[AppContext]:
    ctx = await build_context(self_hosted)
    try:
        yield ctx
    finally:
        await close_context(ctx)


RunJob = Callable[[SignedUp], Awaitable[None]]


@pytest.fixture
def run_job(job_ctx: AppContext) -> RunJob:
    """Runs the queued sync job of an account the way the worker does (same wrapper)."""
    job = tenant_job(JobName.SYNC, TENANT_HANDLERS[JobName.SYNC])

    async def run(user: SignedUp) -> None:
        arq_ctx: dict[str, Any] = {"app": job_ctx, "worker_id": "test-worker", "job_try": 1, "job_id": uuid.uuid4().hex}
        await job(arq_ctx, str(user.account_id))

    return run


async def connect_all(api: httpx.AsyncClient, user: SignedUp, sim: SimServer) -> dict[str, str]:
    info = sim.info
    pms = info["pms"]["home"]
    plex = await api.post(
        "/api/v1/connections/plex/manual",
        json={"url": pms["base_url"], "token": pms["owner_token"]},
        headers=user.headers,
    )
    assert plex.status_code == 201, plex.text
    jf = info["jellyfin"]
    admin = next(u for u in jf["users"] if u["admin"])
    jelly = await api.post(
        "/api/v1/connections/jellyfin",
        json={"url": jf["base_url"], "api_key": jf["api_key"], "user_id": admin["id"]},
        headers=user.headers,
    )
    assert jelly.status_code == 201, jelly.text
    seerr = await api.post(
        "/api/v1/connections/jellyseerr",
        json={"url": info["jellyseerr"]["base_url"], "api_key": info["jellyseerr"]["api_key"]},
        headers=user.headers,
    )
    assert seerr.status_code == 201, seerr.text
    return {"plex": plex.json()["id"], "jellyfin": jelly.json()["id"], "jellyseerr": seerr.json()["id"]}


async def choose_languages(
    api: httpx.AsyncClient, user: SignedUp, *, audio: list[str] | None = None, subtitles: list[str] | None = None
) -> None:
    """Choose the required languages (English and French audio, French subtitles unless told): the
    languages report lists nothing before the owner chose them."""
    r = await api.put(
        "/api/v1/settings/languages",
        json={
            "audio": ["en", "fr"] if audio is None else audio,
            "subtitles": ["fr"] if subtitles is None else subtitles,
        },
        headers=user.headers,
    )
    assert r.status_code == 200, r.text


def worker_process(settings: Settings, *, quiet: bool = True, **env: str) -> subprocess.Popen[bytes]:
    """The worker process as a deployment runs it (``python -m janitor_worker``), on these settings (the
    simulator on loopback allowed) and the ``JANITOR_*`` values given, polling every 50 ms."""
    values = {
        "JANITOR_DATABASE_URL": settings.database_url,
        "JANITOR_REDIS_URL": settings.redis_url,
        "JANITOR_SECRET_KEY": settings.secret_key.get_secret_value(),
        "JANITOR_FERNET_KEYS": settings.fernet_keys.get_secret_value(),
        "JANITOR_ALLOW_PRIVATE_NETWORKS": "true",
        "JANITOR_WORKER_POLL_DELAY": "0.05",
        **env,
    }
    out = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(
        [sys.executable, "-m", "janitor_worker"],
        env={**os.environ, **values},
        cwd=Path(__file__).resolve().parents[4],
        stdout=out,
        stderr=out,
    )
