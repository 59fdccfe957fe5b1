"""Shared pieces of the per-source syncers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from janitor.connections.models import Connection, Library
from janitor.core.deps import AppContext
from janitor.core.ssrf import upstream_http
from janitor.library.models import MediaItem, RemoteUser
from janitor.sync.progress import RunProgress, SourceProgress
from janitor.sync.upsert import ItemWriter, mark_missing
from janitor.sync.vanish import mark_applied, pending_confirmations

A = TypeVar("A")
B = TypeVar("B")
# How many request timeouts a request may wait for a free connection of the run's bounded pool.
POOL_WAIT_REQUESTS = 10


@dataclass
class SourceResult:
    complete: bool
    reasons: list[str] = field(default_factory=list)
    # What the source changed (SyncContext.changed); None when it stopped on an error: unknown.
    changed: int | None = None
    # Some library of the source had its first pass (its rows are not in the planner's statistics).
    first_pass: bool = False


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
    detail_batch: int = 250
    history_page_size: int = 5000
    concurrency: int = 3
    # Rows this source wrote that the reports derive data from (items written or marked missing,
    # plays recorded, played states); a refresh that changed nothing skips rebuilding that data.
    changed: int = 0
    # Libraries that held no (present) item when the run started: everything in them afterwards was
    # written by this run, so there is nothing to judge missing and no seen ids to record.
    fresh_libraries: frozenset[uuid.UUID] = frozenset()

    def http(self) -> httpx.AsyncClient:
        settings = self.app.settings
        timeout = settings.upstream_timeout_seconds
        return upstream_http(
            allow_private=settings.allow_private_networks,
            verify=self.connection.verify_tls,
            max_connections=self.concurrency,
            # Listings, details and history wait their turn for one of ``concurrency`` connections: that
            # wait is ours, not the server's slowness, so it gets far more room than one request.
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0), pool=timeout * POOL_WAIT_REQUESTS),
        )

    def incremental_since(self) -> int | None:
        """Epoch seconds of the start of the last complete pass, if any (incremental runs list from there)."""
        value = (self.connection.sync_state or {}).get("last_complete_started")
        return int(value) if isinstance(value, int | float) else None

    def tally(self, changed: int) -> None:
        self.changed += changed

    def plan_listings(self, count: int) -> None:
        """The source will read ``count`` full listings and count each one's total (``count_total``):
        once all are counted, its progress is measurable (sync/gauge.py)."""
        self.source.listings = count

    def count_total(self, total: int | None) -> None:
        """A full listing's total, from its first page (None: the server did not say)."""
        self.source.total = (self.source.total or 0) + (total or 0)
        if total is not None:
            self.source.counted += 1

    def seen_run(self, library: Library) -> uuid.UUID | None:
        """Full passes record which items they listed (what ``mark_missing`` needs); refreshes and
        a library's first sync don't."""
        return self.run_id if self.full and library.id not in self.fresh_libraries else None

    def writer(self, library: Library) -> ItemWriter:
        """The page writer of one listing of ``library``."""
        return ItemWriter(
            self.app.sessionmaker,
            seen_run=self.seen_run(library),
            fresh=library.id in self.fresh_libraries,
            tally=self.tally,
        )

    def item_ctx(self, library: Library) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
        return (self.account_id, self.connection.id, library.id)

    async def step(self, phase: str, *, requests: int, pages: int = 0, items: int = 0) -> None:
        """Count what was read; the progress row is written in the background (``flush_soon``)."""
        self.source.phase = phase
        self.source.requests = requests
        self.source.pages += pages
        self.source.items += items
        self.progress.phase = f"{self.source.name}: {phase}"
        self.progress.flush_soon()


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
        set_={
            "name": stmt.excluded.name,
            "role": stmt.excluded.role,
            "last_seen_run": stmt.excluded.last_seen_run,
            # What plex.tv said last (it is not asked every time it could be).
            "email": func.coalesce(stmt.excluded.email, RemoteUser.email),
        },
    )
    async with ctx.app.sessionmaker() as session, session.begin():
        await session.execute(stmt)


async def settle_missing(ctx: SyncContext, libraries: Sequence[Library], result: SourceResult) -> None:
    """Count unseen items of fully read libraries as missing, unless too many vanished at once."""
    judged = [lib.id for lib in libraries if lib.id not in ctx.fresh_libraries]
    if not judged:
        return
    await ctx.progress.checkpoint()  # a stop asked for now still keeps every item as it is
    async with ctx.app.sessionmaker() as session, session.begin():
        # A vanish the owner confirmed is trusted by this pass (sync/vanish.py).
        confirmed = await pending_confirmations(session, ctx.account_id, ctx.connection.id)
        outcome = await mark_missing(
            session,
            account_id=ctx.account_id,
            connection_id=ctx.connection.id,
            library_ids=judged,
            run_id=ctx.run_id,
            accepted=confirmed.libraries,
        )
        await mark_applied(session, confirmed.applied_by(judged), ctx.run_id)
    ctx.changed += outcome.marked
    titles = {lib.id: lib.title for lib in libraries}
    for library_id, (vanished, known) in outcome.held_back.items():
        result.complete = False
        title = titles.get(library_id, "a library")
        reason = (
            f"{title}: {vanished} of {known} items vanished at once; nothing was "
            "marked missing (a server answering with an empty or cut library looks like this)"
        )
        result.reasons.append(reason)
        ctx.source.held_back.append(reason)
        ctx.source.held_back_libraries.append(
            {"library_id": str(library_id), "title": title, "vanished": vanished, "known": known}
        )


async def count_items(ctx: SyncContext, library: Library, kind: str | Sequence[str]) -> int:
    """Present items of the library of that kind (or kinds) that no complete pass has found missing."""
    kinds = [kind] if isinstance(kind, str) else list(kind)
    async with ctx.app.sessionmaker() as session:
        value = await session.scalar(
            select(func.count())
            .select_from(MediaItem)
            .where(
                MediaItem.account_id == ctx.account_id,
                MediaItem.library_id == library.id,
                MediaItem.kind.in_(kinds),
                MediaItem.gone.is_(False),
                MediaItem.missing_runs == 0,
            )
        )
    return int(value or 0)


async def refresh_then_check(
    changed_only: Callable[[], Awaitable[bool]],
    server_total: Callable[[], Awaitable[int | None]],
    known: Callable[[], Awaitable[int]],
    everything: Callable[[], Awaitable[bool]],
) -> bool:
    """What a refresh trusts, for every source that can list what changed: read only the changes
    since the last complete pass, then count. More items on the server than we hold means something
    was missed: read everything. Fewer means removals, which only a full pass may count; a refresh
    has nothing more to learn. True when the listing read was complete."""
    if not await changed_only():
        return False
    total = await server_total()
    if total is not None and total <= await known():
        return True
    return await everything()


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """Run two parts of a source at once. The first error stops the other part (it is cancelled and
    waited for) and is raised as it is, so the runner sees the same errors as from one part."""
    a, b = asyncio.ensure_future(first), asyncio.ensure_future(second)
    try:
        await asyncio.wait((a, b), return_when=asyncio.FIRST_EXCEPTION)
        for task in (a, b):
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        return await a, await b
    finally:
        for task in (a, b):
            task.cancel()
        await asyncio.gather(a, b, return_exceptions=True)
