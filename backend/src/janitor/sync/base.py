"""Shared pieces of the per-source syncers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from janitor.connections.models import Connection, Library
from janitor.core.deps import AppContext
from janitor.library.models import RemoteUser
from janitor.sync.progress import RunProgress, SourceProgress


@dataclass
class SourceResult:
    complete: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class SyncContext:
    app: AppContext
    account_id: uuid.UUID
    connection: Connection
    libraries: Sequence[Library]
    run_id: uuid.UUID
    secret: str
    progress: RunProgress
    source: SourceProgress
    full: bool = True
    page_size: int = 1000
    detail_batch: int = 100
    concurrency: int = 3

    def item_ctx(self, library: Library) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
        return (self.account_id, self.connection.id, library.id, self.run_id)

    async def step(self, phase: str, *, requests: int, pages: int = 0, items: int = 0) -> None:
        self.source.phase = phase
        self.source.requests = requests
        self.source.pages += pages
        self.source.items += items
        self.progress.phase = f"{self.source.name}: {phase}"
        await self.progress.flush()


async def upsert_remote_users(ctx: SyncContext, users: list[dict[str, Any]]) -> None:
    if not users:
        return
    rows = [
        {"account_id": ctx.account_id, "connection_id": ctx.connection.id, "last_seen_run": ctx.run_id, **u}
        for u in users
    ]
    stmt = insert(RemoteUser).values(rows)
    stmt = stmt.on_conflict_do_update(
        constraint="uq_remote_users_connection_upstream",
        set_={"name": stmt.excluded.name, "role": stmt.excluded.role, "last_seen_run": stmt.excluded.last_seen_run},
    )
    async with ctx.app.sessionmaker() as session, session.begin():
        await session.execute(stmt)
