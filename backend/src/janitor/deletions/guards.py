"""What the deleter checks at the moment of each deletion, each check saying what it found.

Each check answers ``None`` (it passes) or the reason, in words a person reads in the audit log.
Whether a failed check *cancels* the row or lets it *wait* is the deleter's (deleter.py): a target
that changed or became protected is dropped; a server that cannot be trusted right now (a kill
switch, an incomplete or old sync, a freeze, a cap) only makes the row wait.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.models import AllowlistEntry, ListName
from janitor.allowlists.sql import matches
from janitor.connections.models import Connection
from janitor.core.config import Settings
from janitor.deletions import fingerprint
from janitor.deletions.models import (
    ACTIVE_STATUSES,
    DeletionSettings,
    DeletionStatus,
    QueuedDeletion,
    ServerDeletionState,
)
from janitor.deletions.switches import global_switch
from janitor.library.models import MediaItem
from janitor.sync.models import SyncRun, SyncStatus
from janitor.sync.vanish import freezes


def defaults(account_id: uuid.UUID) -> DeletionSettings:
    """The settings of an account that never changed them: the columns' defaults."""
    values: dict[str, Any] = {}
    for column in DeletionSettings.__table__.columns:
        default = getattr(column.default, "arg", None)
        if default is not None and not callable(default):
            values[column.key] = default
    return DeletionSettings(**{**values, "account_id": account_id})


async def settings_of(session: AsyncSession, account_id: uuid.UUID) -> DeletionSettings:
    found = await session.get(DeletionSettings, account_id, populate_existing=True)
    return found if found is not None else defaults(account_id)


async def in_dry_run(session: AsyncSession, account_id: uuid.UUID, connection_id: uuid.UUID) -> tuple[bool, int]:
    """(dry-run, real runs so far) of a server; a server nobody took out of dry-run is in it."""
    state = await session.scalar(
        select(ServerDeletionState).where(
            ServerDeletionState.account_id == account_id, ServerDeletionState.connection_id == connection_id
        )
    )
    if state is None:
        return True, 0
    return bool(state.dry_run), int(state.live_runs or 0)


async def kill_switch(session: AsyncSession, settings: Settings, account: DeletionSettings) -> str | None:
    """The operator's switch (a setting of the deployment, or the ``deletions_disabled`` flag), then the
    account's pause."""
    if settings.deletions_disabled:
        return "the operator has turned deletions off for this service (JANITOR_DELETIONS_DISABLED)"
    switch = await global_switch(session)
    if switch.disabled:
        note = f": {switch.note}" if switch.note else ""
        return f"the operator has turned deletions off for this service{note}"
    if account.paused:
        return "deletions are paused for this account"
    return None


# The item, its parent and grandparent (season and show, album and artist) that an active Protected
# entry matches. Built from constants only.
PROTECTED_FAMILY = (
    "SELECT m.upstream_id, m.kind, m.title FROM media_items m WHERE m.account_id = :a "  # noqa: S608
    "AND m.connection_id = :c AND m.upstream_id = ANY(:ids) AND "
    + matches(f"'{ListName.PROTECTED.value}'", "m", also_parent=True)
)


async def protected_by(session: AsyncSession, row: QueuedDeletion) -> str | None:
    """The allowlists, read now, with their own matching (by the item's id on its server, by an
    external id across servers, through another server's copy of the same file): the item itself,
    or the show, season, artist or album it belongs to."""
    direct = await session.scalar(
        select(AllowlistEntry.title).where(
            AllowlistEntry.account_id == row.account_id,
            AllowlistEntry.list == ListName.PROTECTED.value,
            AllowlistEntry.connection_id == row.connection_id,
            AllowlistEntry.upstream_id == row.item_upstream_id,
            or_(AllowlistEntry.expires_at.is_(None), AllowlistEntry.expires_at > func.now()),
        )
    )
    if direct is not None:
        return f"protected (list {ListName.PROTECTED.value}: {direct})"
    item = await current_item(session, row)
    if item is None:
        return None
    family = [i for i in (item.upstream_id, item.parent_id, item.grandparent_id) if i]
    hit = (
        await session.execute(
            text(PROTECTED_FAMILY),
            {"a": row.account_id, "c": row.connection_id, "ids": family},
        )
    ).first()
    if hit is None:
        return None
    via = "" if hit.upstream_id == item.upstream_id else f", through its {hit.kind} {hit.title}"
    return f"protected (list {ListName.PROTECTED.value}{via})"


async def current_item(session: AsyncSession, row: QueuedDeletion) -> MediaItem | None:
    return await session.scalar(
        select(MediaItem).where(
            MediaItem.account_id == row.account_id,
            MediaItem.connection_id == row.connection_id,
            MediaItem.upstream_id == row.item_upstream_id,
        )
    )


async def fingerprint_mismatch(session: AsyncSession, row: QueuedDeletion, connection: Connection) -> str | None:
    """The target as synced now against the fingerprint taken when it was queued."""
    item = await current_item(session, row)
    if item is None or item.gone:
        return "no longer on the server"
    if item.missing_runs > 0:
        return "no longer on the server (the last complete sync did not find it)"
    now = fingerprint.take(item, server_id=connection.server_id, media_id=row.media_id)
    found = fingerprint.differences(row.fingerprint or {}, now)
    return "; ".join(found) if found else None


async def _latest_source(
    session: AsyncSession, account_id: uuid.UUID, connection: Connection
) -> tuple[SyncRun | None, dict[str, Any] | None]:
    """The latest finished sync of the account (started and ended: one that never started touched
    nothing) and what it recorded about this server."""
    latest = await session.scalar(
        select(SyncRun)
        .where(SyncRun.account_id == account_id, SyncRun.started_at.is_not(None), SyncRun.finished_at.is_not(None))
        .order_by(SyncRun.created_at.desc())
        .limit(1)
    )
    source = (latest.sources or {}).get(str(connection.id)) if latest is not None else None
    return latest, source if isinstance(source, dict) else None


async def sync_verdict(
    session: AsyncSession, account_id: uuid.UUID, connection: Connection, *, max_age_hours: int, now: datetime
) -> str | None:
    """The decision must rest on a complete sync of this server, no older than ``max_age_hours``,
    whose derived data (watch evidence, duplicate candidates) was rebuilt from it, and no sync may be
    rewriting the rows meanwhile. A mass vanish held back on this server freezes it."""
    running = await session.scalar(
        select(SyncRun.id).where(SyncRun.account_id == account_id, SyncRun.status == SyncStatus.RUNNING).limit(1)
    )
    if running is not None:
        return "a sync is running; deletions wait until it has finished"
    latest, source = await _latest_source(session, account_id, connection)
    if latest is None:
        return "no sync has read this server yet"
    if source is None:
        return "the last sync did not read this server"
    # A mass vanish held back freezes the server until a full sync reads it completely again: a
    # complete refresh since settles nothing (sync/vanish.py).
    frozen = (await freezes(session, account_id)).get(connection.id)
    if frozen is not None:
        return frozen.why
    if source.get("status") != "complete":
        why = f": {source['error']}" if source.get("error") else ""
        return f"the last sync of this server was not complete ({source.get('status')}{why})"
    if latest.derived_stale is not False:
        why = latest.derived_error or "the sync stopped before they were rebuilt"
        return f"the watch and duplicate figures were not rebuilt after the last sync ({why})"
    finished = latest.finished_at
    assert finished is not None
    if now - finished > timedelta(hours=max_age_hours):
        hours = (now - finished).total_seconds() / 3600
        return (
            f"the last complete sync of this server is {hours:.0f} h old (deletions need one from the last "
            f"{max_age_hours} h)"
        )
    return None


def versions_of(item: MediaItem) -> set[str]:
    return {str(p.get("media_id") or "") for p in item.parts or ()}


async def last_version(session: AsyncSession, row: QueuedDeletion) -> str | None:
    """A version delete must leave the item at least one other version (as synced)."""
    if not row.media_id:
        return None
    item = await current_item(session, row)
    if item is None:
        return None  # the fingerprint check has already dropped it
    if versions_of(item) - {row.media_id} == set():
        return "it is the item's last version: deleting it would delete the item (never done for a version)"
    return None


async def keeps_a_copy(session: AsyncSession, row: QueuedDeletion) -> str | None:
    """A duplicate's copy goes only while its group keeps another copy that is present (synced, not
    gone or missing; the version still there) and not itself queued, executing or unknown.

    ``details``: ``{"group_id", "keeper": {"connection_id", "upstream_id", "media_id"}, "members": [...]}``
    as the queue wrote them."""
    details = row.details or {}
    refs = [details.get("keeper"), *(details.get("members") or [])]
    own = (str(row.connection_id), row.item_upstream_id, row.media_id or "")
    others: set[tuple[str, str, str]] = set()
    for ref in refs:
        if not isinstance(ref, dict) or not ref.get("connection_id") or not ref.get("upstream_id"):
            continue
        key = (str(ref["connection_id"]), str(ref["upstream_id"]), str(ref.get("media_id") or ""))
        if key != own:
            others.add(key)
    if not others:
        return "the duplicate group is not recorded with the row: nothing says another copy is kept"
    try:
        keys = [(uuid.UUID(c), u, m) for c, u, m in others]
    except ValueError:
        return "the duplicate group recorded with the row is unreadable"
    items = (
        await session.scalars(
            select(MediaItem).where(
                MediaItem.account_id == row.account_id,
                tuple_(MediaItem.connection_id, MediaItem.upstream_id).in_([(c, u) for c, u, _ in keys]),
                MediaItem.gone.is_(False),
                MediaItem.missing_runs == 0,
            )
        )
    ).all()
    present = {(i.connection_id, i.upstream_id): i for i in items}
    queued = {
        (c, u, m)
        for c, u, m in (
            await session.execute(
                select(QueuedDeletion.connection_id, QueuedDeletion.item_upstream_id, QueuedDeletion.media_id).where(
                    QueuedDeletion.account_id == row.account_id,
                    QueuedDeletion.id != row.id,
                    QueuedDeletion.status.in_(ACTIVE_STATUSES),
                    tuple_(QueuedDeletion.connection_id, QueuedDeletion.item_upstream_id).in_(
                        [(c, u) for c, u, _ in keys]
                    ),
                )
            )
        ).all()
    }
    for connection_id, upstream_id, media_id in keys:
        item = present.get((connection_id, upstream_id))
        if item is None or (media_id and media_id not in versions_of(item)):
            continue
        # A whole item queued takes every version with it.
        if (connection_id, upstream_id, media_id) in queued or (connection_id, upstream_id, "") in queued:
            continue
        return None
    return "the group would keep no copy: every other copy is gone, missing or queued for deletion itself"


@dataclass
class Budget:
    """The caps of one run: per run and per day (the last 24 h), by count and by bytes. A row that
    does not fit waits for a later run."""

    run_items: int
    run_bytes: int
    day_items: int
    day_bytes: int
    first_live_run: bool
    used_day_items: int = 0
    used_day_bytes: int = 0
    items: int = 0
    bytes: int = 0

    def refusal(self, size: int) -> str | None:
        if self.items + 1 > self.run_items:
            if self.first_live_run:
                return (
                    f"the first real run after dry-run deletes at most {self.run_items} item(s); "
                    "the rest wait for the next run"
                )
            return f"this run reached its cap of {self.run_items} item(s); it waits for the next run"
        if self.bytes + size > self.run_bytes:
            return f"it would take this run past its cap of {_size(self.run_bytes)}; it waits for the next run"
        if self.used_day_items + self.items + 1 > self.day_items:
            return f"the daily cap of {self.day_items} item(s) in 24 h is reached; it waits"
        if self.used_day_bytes + self.bytes + size > self.day_bytes:
            return f"it would pass the daily cap of {_size(self.day_bytes)} in 24 h; it waits"
        return None

    def take(self, size: int) -> None:
        self.items += 1
        self.bytes += size


def _size(n: int) -> str:
    return f"{n / 1e9:g} GB"


async def budget(session: AsyncSession, settings: DeletionSettings, *, live_runs: int, now: datetime) -> Budget:
    """The caps for a run starting now. What was deleted in the last 24 h counts against the day,
    and so does every row whose outcome is not known yet (executing, unknown): it may have gone."""
    since = now - timedelta(hours=24)
    used = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(QueuedDeletion.size_bytes), 0)).where(
                QueuedDeletion.account_id == settings.account_id,
                or_(
                    and_(QueuedDeletion.status == DeletionStatus.DELETED, QueuedDeletion.finished_at > since),
                    QueuedDeletion.status.in_((DeletionStatus.EXECUTING, DeletionStatus.UNKNOWN)),
                ),
            )
        )
    ).one()
    first = live_runs == 0
    run_items = min(settings.max_run_items, settings.first_live_run_items) if first else settings.max_run_items
    return Budget(
        run_items=run_items,
        run_bytes=settings.max_run_bytes,
        day_items=settings.max_day_items,
        day_bytes=settings.max_day_bytes,
        first_live_run=first and settings.first_live_run_items < settings.max_run_items,
        used_day_items=int(used[0] or 0),
        used_day_bytes=int(used[1] or 0),
    )
