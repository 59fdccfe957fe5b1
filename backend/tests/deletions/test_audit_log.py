"""The audit log is append-only in the database itself, not only by convention in the code."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from janitor.accounts.models import Account
from janitor.core.deps import AppContext
from janitor.deletions import audit
from janitor.deletions.models import AuditEvent, DeletionEvent, QueuedDeletion
from janitor.devtools.pytest_plugin import SignupFn


def _row(account_id: uuid.UUID) -> QueuedDeletion:
    return QueuedDeletion(
        id=uuid.uuid4(),
        account_id=account_id,
        connection_id=uuid.uuid4(),
        item_upstream_id="101",
        media_id="",
        kind="movie",
        title="The Matrix (1999)",
        reason="watched",
        origin="schedule",
        fingerprint={},
        size_bytes=8_000_000_000,
        due_at=datetime(2026, 12, 6, tzinfo=UTC),
    )


async def test_an_event_is_recorded_and_never_rewritten(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        await audit.record(session, _row(user.account_id), AuditEvent.QUEUED, server_name="Home", message="m")
    async with ctx.sessionmaker() as session:
        event = (await session.scalars(select(DeletionEvent))).one()
        assert (event.event, event.title, event.server_name, event.size_bytes) == (
            "queued",
            "The Matrix (1999)",
            "Home",
            8_000_000_000,
        )
    with pytest.raises(DBAPIError, match="append-only"):
        async with ctx.sessionmaker() as session, session.begin():
            await session.execute(update(DeletionEvent).values(message="rewritten"))
    async with ctx.sessionmaker() as session:
        assert await session.scalar(select(DeletionEvent.message)) == "m"


async def test_events_go_with_their_account(ctx: AppContext, signup: SignupFn) -> None:
    user = await signup()
    async with ctx.sessionmaker() as session, session.begin():
        await audit.record(session, _row(user.account_id), AuditEvent.QUEUED, server_name=None)
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(delete(Account).where(Account.id == user.account_id))
    async with ctx.sessionmaker() as session:
        assert (await session.scalars(select(DeletionEvent))).all() == []
