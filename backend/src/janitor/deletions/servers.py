"""Per server: dry-run or live, the runs so far, and whether its deletions are frozen.

Every Plex and Jellyfin server starts in dry-run (a server without a ``deletion_servers`` row is in
dry-run): its runs record what they would delete and delete nothing. Leaving dry-run is an explicit
step: the owner confirms the caps they were shown (a change since answers 409), and the server must
let this connection delete media, checked live then (Plex: the server's "Allow media deletion";
Jellyfin: the acting user's deletion right). Going back to dry-run is always allowed.

**Frozen**: a full sync that found many items of a server gone at once held them back instead of
marking them missing (``sync/vanish.py``). Until a later full sync reads that server completely, its
deletions wait: a server answering with an empty or cut library must never look like a reason to
delete. The owner answers the vanish here: confirm (the items really are gone: the next full sync
counts them missing) or dismiss (the server answered wrongly: a full sync reads it again now)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.connections.models import Connection, ConnectionKind, ConnectionStatus
from janitor.connections.service import ConnectionService
from janitor.core.config import Settings
from janitor.core.queue import JobBuffer
from janitor.deletions import audit
from janitor.deletions.errors import (
    CapsChanged,
    DeletionNotAllowed,
    NotFrozen,
    ServerNotFound,
    VanishAnswered,
    VanishChanged,
)
from janitor.deletions.models import AuditEvent, DeletionRun, ServerDeletionState
from janitor.deletions.schemas import Caps, FreezeOut, HeldLibraryOut, LiveReview, ServerOut, VanishAnswer
from janitor.deletions.settings import SettingsService
from janitor.library.sizes import format_gb
from janitor.sync.models import SyncTrigger
from janitor.sync.service import SyncService
from janitor.sync.vanish import Decision, Freeze, freezes, record_decision

MEDIA_SERVERS = (ConnectionKind.PLEX.value, ConnectionKind.JELLYFIN.value)


def live_warning(name: str, caps: Caps) -> str:
    return (
        f"Leaving dry-run means {name} deletes files for real: every due item that passes all the checks is "
        f"removed from the disk, and that cannot be undone. At most {caps.max_run_items} items "
        f"({format_gb(caps.max_run_bytes)}) per run and {caps.max_day_items} items "
        f"({format_gb(caps.max_day_bytes)}) per day; the first real run deletes at most "
        f"{caps.first_live_run_items} items. If Radarr or Sonarr monitor a title, they may download it again "
        "after it is deleted: unmonitor it there first."
    )


class ServerRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def servers(self) -> Sequence[Connection]:
        return (
            await self.session.scalars(
                select(Connection)
                .where(Connection.account_id == self.account_id, Connection.kind.in_(MEDIA_SERVERS))
                .order_by(Connection.created_at, Connection.id)
            )
        ).all()

    async def server(self, connection_id: uuid.UUID) -> Connection:
        found = await self.session.scalar(
            select(Connection).where(
                Connection.id == connection_id,
                Connection.account_id == self.account_id,
                Connection.kind.in_(MEDIA_SERVERS),
            )
        )
        if found is None:
            raise ServerNotFound()
        return found

    async def states(self) -> dict[uuid.UUID, ServerDeletionState]:
        rows = await self.session.scalars(
            select(ServerDeletionState)
            .where(ServerDeletionState.account_id == self.account_id)
            .execution_options(populate_existing=True)
        )
        return {r.connection_id: r for r in rows}

    async def run_counts(self) -> dict[uuid.UUID, tuple[int, datetime | None]]:
        rows = await self.session.execute(
            select(DeletionRun.connection_id, func.count(), func.max(DeletionRun.started_at))
            .where(DeletionRun.account_id == self.account_id)
            .group_by(DeletionRun.connection_id)
        )
        return {cid: (n, last) for cid, n, last in rows}

    async def save_state(self, connection: Connection, **values: Any) -> None:
        stmt = insert(ServerDeletionState).values(connection_id=connection.id, account_id=self.account_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[ServerDeletionState.connection_id], set_={**values, "updated_at": func.now()}
            )
        )


class ServerService:
    def __init__(self, session: AsyncSession, account: Account) -> None:
        self.session = session
        self.account = account
        self.servers = ServerRepository(session, account.id)

    async def all(self) -> list[ServerOut]:
        states = await self.servers.states()
        runs = await self.servers.run_counts()
        frozen = await freezes(self.session, self.account.id)
        return [
            _out(c, states.get(c.id), runs.get(c.id, (0, None)), frozen.get(c.id)) for c in await self.servers.servers()
        ]

    async def one(self, connection_id: uuid.UUID) -> ServerOut:
        connection = await self.servers.server(connection_id)
        state = (await self.servers.states()).get(connection.id)
        runs = (await self.servers.run_counts()).get(connection.id, (0, None))
        frozen = (await freezes(self.session, self.account.id)).get(connection.id)
        return _out(connection, state, runs, frozen)

    async def review(self, connection_id: uuid.UUID) -> LiveReview:
        connection = await self.servers.server(connection_id)
        state = (await self.servers.states()).get(connection.id)
        caps = await SettingsService(self.session, self.account.id).caps()
        return LiveReview(
            connection_id=connection.id,
            name=connection.name,
            kind=connection.kind,
            dry_run=state is None or state.dry_run,
            caps=caps,
            warning=live_warning(connection.name, caps),
        )

    async def go_live(self, connection_id: uuid.UUID, confirmed: Caps, *, settings: Settings) -> ServerOut:
        """Leave dry-run: the caps confirmed must be the caps now, and the server must let this
        connection delete media (asked now, not as last seen)."""
        connection = await self.servers.server(connection_id)
        caps = await SettingsService(self.session, self.account.id).caps()
        if confirmed != caps:
            raise CapsChanged()
        checked = await ConnectionService(self.session, self.account, settings=settings).test(connection.id)
        if checked.status != ConnectionStatus.OK:
            raise DeletionNotAllowed(
                f"Could not check whether {checked.name} allows deletions: {checked.last_error} "
                "It stays in dry-run until the check passes."
            )
        if not checked.options.get("deletion_enabled"):
            raise DeletionNotAllowed(_not_allowed(checked))
        state = (await self.servers.states()).get(connection.id)
        if state is not None and not state.dry_run:
            await self.servers.save_state(connection, accepted_caps=caps.model_dump())
        else:
            await self.servers.save_state(
                connection, dry_run=False, live_since=datetime.now(UTC), live_runs=0, accepted_caps=caps.model_dump()
            )
        await audit.record_server(
            self.session,
            self.account.id,
            connection,
            AuditEvent.WENT_LIVE,
            message=live_warning(connection.name, caps),
            details={"caps": caps.model_dump()},
        )
        return await self.one(connection.id)

    async def dry_run(self, connection_id: uuid.UUID) -> ServerOut:
        """Back to dry-run (always allowed): runs record what they would delete and delete nothing."""
        connection = await self.servers.server(connection_id)
        state = (await self.servers.states()).get(connection.id)
        await self.servers.save_state(connection, dry_run=True, live_since=None, live_runs=0, accepted_caps=None)
        if state is not None and not state.dry_run:
            await audit.record_server(
                self.session,
                self.account.id,
                connection,
                AuditEvent.WENT_DRY_RUN,
                message=f"{connection.name} is back in dry-run: its runs record what they would delete.",
            )
        return await self.one(connection.id)

    async def answer_vanish(self, connection_id: uuid.UUID, answer: VanishAnswer, *, jobs: JobBuffer) -> ServerOut:
        """The owner's answer to the mass vanish that froze this server. The freeze stays until a full
        sync reads the server completely; a dismissal starts that sync now."""
        connection = await self.servers.server(connection_id)
        freeze = (await freezes(self.session, self.account.id)).get(connection.id)
        if freeze is None:
            raise NotFrozen()
        if freeze.run_id != answer.sync_run_id:
            raise VanishChanged()
        if freeze.decision is not None:
            raise VanishAnswered()
        decision = Decision(answer.decision)
        await record_decision(self.session, self.account.id, freeze, decision)
        held = "; ".join(freeze.reasons)
        if decision is Decision.CONFIRM:
            event, message = (
                AuditEvent.VANISH_CONFIRMED,
                f"You confirmed the items are gone ({held}): the next full sync counts them missing.",
            )
        else:
            event, message = (
                AuditEvent.VANISH_DISMISSED,
                f"You said the items are still there ({held}): a full sync reads {connection.name} again.",
            )
            await SyncService(self.session, self.account.id, jobs=jobs).start(
                trigger=SyncTrigger.VANISH, trigger_server=connection.name, full=True
            )
        await audit.record_server(
            self.session,
            self.account.id,
            connection,
            event,
            message=message,
            details={"sync_run_id": str(freeze.run_id), "libraries": [lib.title for lib in freeze.libraries]},
        )
        return await self.one(connection.id)


def _not_allowed(connection: Connection) -> str:
    if connection.kind == ConnectionKind.PLEX:
        return (
            f"{connection.name} does not allow media deletion. In Plex, open Settings → Library and turn on "
            '"Allow media deletion", then leave dry-run again.'
        )
    user = connection.options.get("user_name") or "the user this connection acts as"
    return (
        f"The Jellyfin user this connection acts as ({user}) may not delete media. In Jellyfin, open Dashboard → "
        f"Users → {user} and allow media deletion (or act as an administrator), then leave dry-run again."
    )


def _out(
    connection: Connection,
    state: ServerDeletionState | None,
    runs: tuple[int, datetime | None],
    frozen: Freeze | None,
) -> ServerOut:
    allowed = connection.options.get("deletion_enabled")
    return ServerOut(
        connection_id=connection.id,
        name=connection.name,
        kind=connection.kind,
        dry_run=state is None or state.dry_run,
        live_since=state.live_since if state is not None else None,
        accepted_caps=state.accepted_caps if state is not None else None,
        live_runs=state.live_runs if state is not None else 0,
        runs=runs[0],
        last_run_at=runs[1],
        frozen=frozen is not None,
        frozen_why=frozen.why if frozen is not None else None,
        freeze=_freeze_out(frozen) if frozen is not None else None,
        deletion_allowed=allowed if isinstance(allowed, bool) else None,
    )


def _freeze_out(freeze: Freeze) -> FreezeOut:
    return FreezeOut(
        sync_run_id=freeze.run_id,
        at=freeze.at,
        libraries=[
            HeldLibraryOut(library_id=lib.library_id, title=lib.title, vanished=lib.vanished, known=lib.known)
            for lib in freeze.libraries
        ],
        decision=freeze.decision.value if freeze.decision is not None else None,
        decided_at=freeze.decided_at,
    )
