"""The sync's part when an account's servers go: the run reading them stops, its scratch rows go."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from janitor.connections.models import Connection
from janitor.core.deps import UnitOfWork
from janitor.core.events import Change, Events
from janitor.library.models import sync_seen_items
from janitor.sync.service import SyncService


async def forget_passes(uow: UnitOfWork, account_id: uuid.UUID) -> None:
    # Tenant tables reference accounts ON DELETE CASCADE; the scratch rows of a full pass that may be
    # running are keyed by connection, with no foreign key (they are written in bulk).
    connections = select(Connection.id).where(Connection.account_id == account_id)
    await uow.session.execute(delete(sync_seen_items).where(sync_seen_items.c.connection_id.in_(connections)))


async def stop_reading(uow: UnitOfWork, account_id: uuid.UUID) -> None:
    await SyncService(uow.session, account_id).cancel_active()


def subscribe(events: Events) -> None:
    events.subscribe(Change.ACCOUNT_DELETING, forget_passes)
    events.subscribe(Change.SERVER_REMOVING, stop_reading)
