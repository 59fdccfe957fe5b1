"""What the owner's queueing shares: the items asked for (present, the account's own), whether the
Protected list covers them, and putting a batch of targets in the queue with the right due time."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.sql import matches
from janitor.connections.models import Connection
from janitor.deletions.errors import QueueChangedMeanwhile
from janitor.deletions.models import QueuedDeletion
from janitor.deletions.queue import Target, active_row, enqueue
from janitor.deletions.schemas import QueueResult, SkippedItem
from janitor.deletions.service import row_out
from janitor.deletions.settings import SettingsService
from janitor.library.models import MediaItem

# An entry on a show (or an album's artist) protects its episodes (tracks) too.
PROTECTED_SQL = f"""
SELECT m.id FROM media_items m
WHERE m.account_id = :a AND m.id = ANY(CAST(:ids AS bigint[])) AND {matches("'protected'", also_parent=True)}
"""  # noqa: S608 (a list name from code; values are bound)


class TargetRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def items(self, keys: Iterable[tuple[uuid.UUID, str]]) -> dict[tuple[uuid.UUID, str], MediaItem]:
        """The present items of the account with these (connection, upstream id) keys."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(MediaItem).where(
                MediaItem.account_id == self.account_id,
                tuple_(MediaItem.connection_id, MediaItem.upstream_id).in_(wanted),
                MediaItem.gone.is_(False),
            )
        )
        return {(r.connection_id, r.upstream_id): r for r in rows}

    async def episodes(self, show: MediaItem) -> Sequence[MediaItem]:
        return (
            await self.session.scalars(
                select(MediaItem)
                .where(
                    MediaItem.account_id == self.account_id,
                    MediaItem.connection_id == show.connection_id,
                    MediaItem.grandparent_id == show.upstream_id,
                    MediaItem.kind == "episode",
                    MediaItem.gone.is_(False),
                )
                .order_by(MediaItem.parent_index, MediaItem.index, MediaItem.id)
            )
        ).all()

    async def protected(self, items: Iterable[MediaItem]) -> set[int]:
        ids = sorted({i.id for i in items})
        if not ids:
            return set()
        rows = await self.session.execute(text(PROTECTED_SQL), {"a": self.account_id, "ids": ids})
        return {r[0] for r in rows}

    async def connections(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Connection]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self.session.scalars(
            select(Connection).where(Connection.account_id == self.account_id, Connection.id.in_(wanted))
        )
        return {c.id: c for c in rows}


def name_of(item: MediaItem, connection: Connection | None = None) -> str:
    """How an error names an item: its title, id and server."""
    where = f" on {connection.name}" if connection is not None else ""
    return f"'{item.title}' ({item.upstream_id}{where})"


@dataclass
class Planned:
    connection: Connection
    target: Target
    details: dict[str, Any]


@dataclass
class Batch:
    """Targets to queue, and what was left out with why."""

    planned: list[Planned] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)

    def skip(self, item: MediaItem, why: str, media_id: str = "") -> None:
        self.skipped.append(
            SkippedItem(
                connection_id=item.connection_id,
                upstream_id=item.upstream_id,
                media_id=media_id or None,
                title=item.title,
                why=why,
            )
        )


async def _queue_one(
    session: AsyncSession, account_id: uuid.UUID, plan: Planned, *, reason: str, due: datetime
) -> QueuedDeletion | None:
    """The new row, or None when the target already has an active one."""
    return await enqueue(
        session,
        connection=plan.connection,
        target=plan.target,
        reason=reason,
        origin="owner",
        due_at=due,
        details=plan.details,
    )


async def queue_batch(
    session: AsyncSession, account_id: uuid.UUID, batch: Batch, *, reason: str, now: datetime
) -> QueueResult:
    """Queue every planned target (due at now + its library's delay). A target already queued keeps
    its row, which is answered as it is: asking twice is harmless."""
    delays = SettingsService(session, account_id)
    rows: list[tuple[QueuedDeletion, str | None]] = []
    created = 0
    for plan in batch.planned:
        item = plan.target.item
        due = now + timedelta(hours=await delays.delay_hours(item.library_id))
        row = await _queue_one(session, account_id, plan, reason=reason, due=due)
        if row is None:
            found = await active_row(
                session,
                account_id,
                connection_id=plan.connection.id,
                item_upstream_id=item.upstream_id,
                media_id=plan.target.media_id,
            )
            if found is None:
                raise QueueChangedMeanwhile()
            row = found
        else:
            created += 1
        rows.append((row, plan.connection.name))
    return QueueResult(
        rows=[row_out(r, s) for r, s in rows],
        created=created,
        already_queued=len(rows) - created,
        skipped=batch.skipped,
    )
