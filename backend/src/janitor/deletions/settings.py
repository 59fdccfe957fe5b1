"""The account's deletion settings and the libraries' own delays.

An account without a ``deletion_settings`` row has the model's defaults (a 24-hour delay, the
default caps, not paused); the row is created by the first change. A library's delay, when it has
one, replaces the account's for the items of that library."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, Library
from janitor.deletions.errors import LibraryNotFound
from janitor.deletions.models import DeletionSettings, LibraryDeletionDelay
from janitor.deletions.schemas import (
    CAP_FIELDS,
    Caps,
    DeletionSettingsIn,
    DeletionSettingsOut,
    LibraryDelayOut,
)
from janitor.deletions.switches import global_switch

# The defaults of an account without a row: the model's own column defaults, so there is one source.
DEFAULTS: dict[str, Any] = {
    column.key: column.default.arg
    for column in DeletionSettings.__table__.columns
    if column.default is not None and not callable(column.default.arg)
}


class SettingsRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def get(self) -> DeletionSettings:
        """The account's settings, or the defaults (not stored) when it never changed them."""
        found = await self.session.get(DeletionSettings, self.account_id)
        return found if found is not None else DeletionSettings(account_id=self.account_id, **DEFAULTS)

    async def get_or_create(self) -> DeletionSettings:
        found = await self.session.get(DeletionSettings, self.account_id)
        if found is not None:
            return found
        await self.session.execute(insert(DeletionSettings).values(account_id=self.account_id).on_conflict_do_nothing())
        row = await self.session.get(DeletionSettings, self.account_id)
        assert row is not None
        return row

    async def library(self, library_id: uuid.UUID) -> Library | None:
        return await self.session.scalar(
            select(Library).where(Library.id == library_id, Library.account_id == self.account_id)
        )

    async def library_delay(self, library_id: uuid.UUID | None) -> int | None:
        if library_id is None:
            return None
        return await self.session.scalar(
            select(LibraryDeletionDelay.delay_hours).where(
                LibraryDeletionDelay.library_id == library_id, LibraryDeletionDelay.account_id == self.account_id
            )
        )

    async def set_library_delay(self, library: Library, hours: int | None) -> None:
        if hours is None:
            await self.session.execute(
                delete(LibraryDeletionDelay).where(
                    LibraryDeletionDelay.library_id == library.id, LibraryDeletionDelay.account_id == self.account_id
                )
            )
            return
        stmt = insert(LibraryDeletionDelay).values(
            library_id=library.id, account_id=self.account_id, connection_id=library.connection_id, delay_hours=hours
        )
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=[LibraryDeletionDelay.library_id], set_={"delay_hours": hours})
        )

    async def library_delays(self, library_id: uuid.UUID | None = None) -> Sequence[Any]:
        """Libraries with a delay of their own (or the one asked for, with or without), with names."""
        stmt = (
            select(
                Library.id.label("library_id"),
                Library.connection_id,
                Library.title.label("library"),
                Connection.name.label("server"),
                LibraryDeletionDelay.delay_hours,
            )
            .join(Connection, Connection.id == Library.connection_id)
            .outerjoin(LibraryDeletionDelay, LibraryDeletionDelay.library_id == Library.id)
            .where(Library.account_id == self.account_id)
            .order_by(Connection.name, Library.title, Library.id)
        )
        if library_id is not None:
            stmt = stmt.where(Library.id == library_id)
        else:
            stmt = stmt.where(LibraryDeletionDelay.library_id.is_not(None))
        return (await self.session.execute(stmt)).all()


class SettingsService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.settings = SettingsRepository(session, account_id)

    async def current(self) -> DeletionSettings:
        return await self.settings.get()

    async def caps(self) -> Caps:
        row = await self.settings.get()
        return Caps.model_validate({name: getattr(row, name) for name in CAP_FIELDS})

    async def delay_hours(self, library_id: uuid.UUID | None) -> int:
        """How long an item of this library waits in the queue: the library's delay, else the account's."""
        own = await self.settings.library_delay(library_id)
        return own if own is not None else (await self.settings.get()).delay_hours

    async def out(self) -> DeletionSettingsOut:
        row = await self.settings.get()
        switch = await global_switch(self.session)
        return DeletionSettingsOut(
            **{name: getattr(row, name) for name in DeletionSettingsOut.model_fields if hasattr(row, name)},
            operator_disabled=switch.disabled,
            operator_note=switch.note,
            library_delays=[_delay_out(r, row.delay_hours) for r in await self.settings.library_delays()],
        )

    async def update(self, change: DeletionSettingsIn) -> DeletionSettingsOut:
        row = await self.settings.get_or_create()
        for field, value in change.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(row, field, value)
        await self.session.flush()
        return await self.out()

    async def set_library_delay(self, library_id: uuid.UUID, hours: int | None) -> LibraryDelayOut:
        library = await self.settings.library(library_id)
        if library is None:
            raise LibraryNotFound()
        await self.settings.set_library_delay(library, hours)
        (row,) = await self.settings.library_delays(library.id)
        return _delay_out(row, (await self.settings.get()).delay_hours)


def _delay_out(row: Any, account_hours: int) -> LibraryDelayOut:
    return LibraryDelayOut(
        library_id=row.library_id,
        connection_id=row.connection_id,
        library=row.library,
        server=row.server,
        delay_hours=row.delay_hours,
        effective_delay_hours=row.delay_hours if row.delay_hours is not None else account_hours,
    )
