from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest

from janitor.cli import tenants
from janitor.connections.models import Connection
from janitor.core.config import Settings
from janitor.core.crypto import TokenCipher
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.sync.models import SyncRun

MakeOperator = Callable[[], Awaitable[SignedUp]]


@pytest.fixture
def make_operator(signup: SignupFn, settings: Settings) -> MakeOperator:
    """A signed-up account made an operator the only way there is: the command line."""

    async def make() -> SignedUp:
        user = await signup(f"op-{uuid.uuid4().hex[:8]}@example.com")
        await tenants.set_operator(settings, user.email, operator=True)
        return user

    return make


async def add_connection(ctx: AppContext, account_id: uuid.UUID, *, token: str = "plain-secret-token") -> Connection:
    """A Jellyseerr connection whose token is encrypted as the app stores it."""
    connection_id = uuid.uuid4()
    ciphertext = TokenCipher.from_settings(ctx.settings).encrypt(
        token, account_id=account_id, connection_id=connection_id
    )
    connection = Connection(
        id=connection_id,
        account_id=account_id,
        kind="jellyseerr",
        name="Requests",
        base_url="http://seerr.example",
        token_ciphertext=ciphertext,
        options={},
        sync_state={},
    )
    async with ctx.sessionmaker() as s, s.begin():
        s.add(connection)
    return connection


async def add_run(
    ctx: AppContext, account_id: uuid.UUID, status: str, *, at: datetime, error: str | None = None
) -> uuid.UUID:
    run = SyncRun(
        id=uuid.uuid4(),
        account_id=account_id,
        trigger="schedule",
        full=True,
        status=status,
        sources={},
        error=error,
        created_at=at,
        started_at=at,
        finished_at=at,
    )
    async with ctx.sessionmaker() as s, s.begin():
        s.add(run)
    return run.id
