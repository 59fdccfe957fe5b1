"""Pytest fixtures for tests that need the real Postgres and Redis.

``JANITOR_TEST_DATABASE_URL`` / ``JANITOR_TEST_REDIS_URL`` (or ``DATABASE_URL`` / ``REDIS_URL``)
point the tests at running servers; otherwise throwaway servers are started from the installed
binaries for the session and removed afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.engine import make_url

from janitor.core.config import Settings
from janitor.core.context import build_context, close_context
from janitor.core.crypto import TokenCipher
from janitor.core.deps import AppContext
from janitor.core.migrations import upgrade_to_head
from janitor.devtools.services import PostgresServer, RedisServer
from janitor.mail.models import OutgoingMail
from janitor.main import create_app

TEST_PASSWORD = "correct horse battery staple"


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class Services:
    postgres_url: str  # server-level URL (database "postgres")
    redis_url: str


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    pg_url = os.environ.get("JANITOR_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("JANITOR_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    base = Path(tempfile.mkdtemp(prefix="janitor-test-"))
    started: list[PostgresServer | RedisServer] = []
    try:
        if not pg_url:
            pg = PostgresServer(base / "pg").start()
            started.append(pg)
            pg_url = pg.url
        if not redis_url:
            rs = RedisServer(base / "redis").start()
            started.append(rs)
            redis_url = rs.url
        yield Services(postgres_url=pg_url, redis_url=redis_url)
    finally:
        for server in reversed(started):
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


async def create_database(server_url: str, name: str) -> str:
    conn = await asyncpg.connect(_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def run_in_thread(fn: Callable[[], Any]) -> None:
    """Alembic's async env calls asyncio.run(); give it a thread with no running loop."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]


@pytest.fixture(scope="session")
async def database_url(services: Services) -> str:
    url = await create_database(services.postgres_url, f"janitor_test_{os.getpid()}")
    run_in_thread(lambda: upgrade_to_head(url))
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, services: Services) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        redis_url=services.redis_url,
        bcrypt_rounds=4,
        secret_key=SecretStr("test-" + "k" * 59),
        spa_dir=Path("/nonexistent"),
        log_json=True,
        log_level="INFO",
        worker_poll_delay=0.01,
        # The suites connect servers right after signing up; the verification tests turn it on with
        # the operator's switch (accounts/addresses.py).
        email_verification=False,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


async def truncate_all(database_url: str) -> None:
    conn = await asyncpg.connect(_dsn(database_url))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
        )
        if tables:
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def clean_state(settings: Settings) -> None:
    """Every test starts with empty tables and an empty Redis."""
    await truncate_all(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


@pytest.fixture
async def client(app: FastAPI, clean_state: None) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def ctx(settings: Settings, clean_state: None) -> AsyncIterator[AppContext]:
    context = await build_context(settings)
    try:
        yield context
    finally:
        await close_context(context)


@dataclass
class SignedUp:
    email: str
    password: str
    access_token: str
    account_id: uuid.UUID
    refresh_cookie: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


SignupFn = Callable[..., Awaitable[SignedUp]]


async def queued_mails(ctx: AppContext, account_id: uuid.UUID) -> list[tuple[str, str, dict[str, str]]]:
    """The account's mails in the outbox, oldest first: (template, to, values decrypted)."""
    cipher = TokenCipher.from_settings(ctx.settings)
    async with ctx.sessionmaker() as session:
        rows = (
            await session.scalars(
                select(OutgoingMail).where(OutgoingMail.account_id == account_id).order_by(OutgoingMail.created_at)
            )
        ).all()
    return [
        (
            r.template,
            r.to_address,
            orjson.loads(cipher.decrypt(r.values_ciphertext, account_id=account_id, connection_id=r.id)),
        )
        for r in rows
    ]


@pytest.fixture
def signup(app: FastAPI, clean_state: None) -> SignupFn:
    """Creates an account through the API (each call from its own address, to stay under limits)."""

    async def _signup(email: str | None = None, password: str = TEST_PASSWORD) -> SignedUp:
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{uuid.uuid4().int % 250 + 1}", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.post("/api/v1/auth/signup", json={"email": email, "password": password})
            assert r.status_code == 201, r.text
            body = r.json()
            return SignedUp(
                email=body["account"]["email"],
                password=password,
                access_token=body["access_token"],
                account_id=uuid.UUID(body["account"]["id"]),
                refresh_cookie=r.cookies["mj_refresh"],
            )

    return _signup


def pytest_configure(config: pytest.Config) -> None:
    # Keep an accidental production env from leaking into tests.
    os.environ.setdefault("JANITOR_ENV", "test")


@asynccontextmanager
async def running_client(application: FastAPI, **transport: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app built inside a test (its lifespan runs for the duration)."""
    async with (
        LifespanManager(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application, **transport), base_url="http://testserver"
        ) as c,
    ):
        yield c
