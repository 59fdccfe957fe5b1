"""Whether a server account's watch data can be trusted: when it cannot, every answer of that
account is **unknown**, and unknown keeps the file.

An account cannot be trusted when (each one says why, in words a person can act on):

1. **its data could not be read** in the last sync of its server (Jellyfin: the played state of a
   user whose listing failed part way; the sync records who, ``sync_state["unread_users"]``). It
   stays so until a complete sync of that server reads it;
2. **its history emptied or shrank** between two complete reads: the plays it holds now (Jellyfin:
   items played or stopped part way; Plex: the plays recorded from the server's history, which a
   sync never forgets) against the last count. The deletions this product made since then are
   allowed for (one play per expected disappearance on that server). "Empty": none now where there
   were some. "Shrank": at least ``SHRINK_MIN_PLAYS`` plays lost and at least ``SHRINK_MIN_SHARE`` of
   them (a few plays of items removed outside the product are ordinary). On Plex, the server's whole
   history shrinking in a full sync (``sync_state["history_shrank"]``) counts for every account of
   it. Either stays until the next complete sync reads the history again without a new loss;
3. **it holds a play dated in the future** (``library.dates``): a clock that is wrong once may be
   wrong for every date it gave. Judged against now, on every read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, ConnectionKind
from janitor.library.dates import suspect_after
from janitor.library.models import ExpectedDisappearance, RemoteUser, UserItemState, WatchEvent, WatchEvidence
from janitor.library.watch import day

SHRINK_MIN_PLAYS = 5
SHRINK_MIN_SHARE = 0.10
WATCH_KINDS = (ConnectionKind.PLEX, ConnectionKind.JELLYFIN)


def history_problem(server: str, *, before: int | None, now: int, explained: int) -> str | None:
    """Why a history that went from ``before`` to ``now`` plays looks wrong (None: it does not).
    ``explained``: plays the product's own deletions may have taken away meanwhile."""
    if before is None:
        return None
    lost = before - now - explained
    if lost <= 0:
        return None
    if now == 0:
        return f"their watch history on {server} is empty where it held {before} plays"
    if lost >= SHRINK_MIN_PLAYS and lost >= before * SHRINK_MIN_SHARE:
        return f"their watch history on {server} shrank from {before} to {now} plays"
    return None


def unread_problem(server: str, at: datetime) -> str:
    return f"their watch data on {server} could not be read completely in the last sync ({day(at)})"


async def watch_problems(
    session: AsyncSession, account_id: uuid.UUID, *, now: datetime, connection_id: uuid.UUID | None = None
) -> dict[tuple[uuid.UUID, str], str]:
    """Every account of the account's servers (or of one) that cannot be trusted now, keyed by
    (connection, the server's id of the account), with why."""
    stored = select(RemoteUser.connection_id, RemoteUser.upstream_id, RemoteUser.watch_problem).where(
        RemoteUser.account_id == account_id, RemoteUser.watch_problem.is_not(None)
    )
    future = (
        select(WatchEvidence.connection_id, WatchEvidence.user_upstream_id, func.max(WatchEvidence.last_any_at))
        .where(WatchEvidence.account_id == account_id, WatchEvidence.last_any_at > suspect_after(now))
        .group_by(WatchEvidence.connection_id, WatchEvidence.user_upstream_id)
    )
    if connection_id is not None:
        stored = stored.where(RemoteUser.connection_id == connection_id)
        future = future.where(WatchEvidence.connection_id == connection_id)
    out: dict[tuple[uuid.UUID, str], str] = {}
    for conn, user, at in await session.execute(future):
        if at is not None:
            out[(conn, user)] = f"their history has a play dated {day(at)}, in the future"
    for conn, user, why in await session.execute(stored):
        if why is not None:
            out[(conn, user)] = why
    return out


@dataclass(frozen=True)
class RunRead:
    """What a finished sync run read: its id, when it ended, and each source's status by connection id
    (``sync_runs.sources``). The caller reads it: people do not look into the sync's tables."""

    id: uuid.UUID
    finished_at: datetime
    sources: dict[str, Any]


def _of_run(state: dict[str, Any], key: str, run_id: uuid.UUID) -> dict[str, Any] | None:
    """A ``sync_state`` entry the given run wrote (an older run's says nothing about this one)."""
    entry = state.get(key)
    if isinstance(entry, dict) and entry.get("run") == str(run_id):
        return entry
    return None


async def refresh_watch_health(session: AsyncSession, account_id: uuid.UUID, *, run: RunRead) -> None:
    """After a sync run: record, per server account, whether its watch data can be trusted (rules 1
    and 2 above), from what the run read. Servers the run did not read are left as they were.
    Idempotent: a second call after the same run changes nothing."""
    connections = (
        await session.scalars(
            select(Connection).where(Connection.account_id == account_id, Connection.kind.in_(WATCH_KINDS))
        )
    ).all()
    for conn in connections:
        source = (run.sources or {}).get(str(conn.id))
        if not isinstance(source, dict):
            continue
        state = conn.sync_state or {}
        unread = _of_run(state, "unread_users", run.id)
        if source.get("status") != "complete":
            if unread and unread.get("ids"):
                await session.execute(
                    update(RemoteUser)
                    .where(
                        RemoteUser.account_id == account_id,
                        RemoteUser.connection_id == conn.id,
                        RemoteUser.upstream_id.in_([str(i) for i in unread["ids"]]),
                    )
                    .values(watch_problem=unread_problem(conn.name, run.finished_at))
                )
            continue
        await _count_plays(session, account_id, conn, run)


async def _count_plays(session: AsyncSession, account_id: uuid.UUID, conn: Connection, run: RunRead) -> None:
    """A complete read of the server: every account was read. Count each one's plays and compare."""
    if conn.kind == ConnectionKind.JELLYFIN:
        counted = select(UserItemState.user_upstream_id, func.count()).where(
            UserItemState.account_id == account_id,
            UserItemState.connection_id == conn.id,
            UserItemState.played.is_(True) | (UserItemState.position_ticks > 0),
        )
        counted = counted.group_by(UserItemState.user_upstream_id)
    else:
        counted = (
            select(WatchEvent.user_upstream_id, func.count())
            .where(WatchEvent.account_id == account_id, WatchEvent.connection_id == conn.id)
            .group_by(WatchEvent.user_upstream_id)
        )
    counts: dict[str, int] = {user: int(n) for user, n in await session.execute(counted)}
    expected = list(
        await session.scalars(
            select(ExpectedDisappearance.expected_at).where(
                ExpectedDisappearance.account_id == account_id, ExpectedDisappearance.connection_id == conn.id
            )
        )
    )
    shrank = _of_run(conn.sync_state or {}, "history_shrank", run.id)
    server_problem = (
        f"the Plex history of {conn.name} shrank from {shrank.get('from')} to {shrank.get('to')} plays in the "
        "last full sync"
        if shrank
        else None
    )
    users = (
        await session.scalars(
            select(RemoteUser).where(RemoteUser.account_id == account_id, RemoteUser.connection_id == conn.id)
        )
    ).all()
    # Counted as of the run's end: a second look after the same run compares nothing with itself.
    read_at = run.finished_at
    for user in users:
        since = user.watch_plays_at
        if since is not None and since >= read_at:
            continue
        plays = counts.get(user.upstream_id, 0)
        explained = sum(1 for at in expected if since is None or at > since)
        problem = server_problem or history_problem(conn.name, before=user.watch_plays, now=plays, explained=explained)
        user.watch_plays, user.watch_plays_at, user.watch_problem = plays, read_at.astimezone(UTC), problem
    await session.flush()
