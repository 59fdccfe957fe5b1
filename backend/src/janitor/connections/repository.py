from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, Library


class ConnectionRepository:
    """Every query is scoped to one account: another tenant's connection is simply not found."""

    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def all(self) -> Sequence[Connection]:
        stmt = select(Connection).where(Connection.account_id == self.account_id).order_by(Connection.created_at)
        return (await self.session.scalars(stmt)).all()

    async def get(self, connection_id: uuid.UUID) -> Connection | None:
        stmt = select(Connection).where(Connection.id == connection_id, Connection.account_id == self.account_id)
        return await self.session.scalar(stmt)

    async def find_server(self, kind: str, server_id: str) -> Connection | None:
        stmt = select(Connection).where(
            Connection.account_id == self.account_id, Connection.kind == kind, Connection.server_id == server_id
        )
        return await self.session.scalar(stmt)

    async def add(self, connection: Connection) -> Connection:
        connection.account_id = self.account_id
        self.session.add(connection)
        await self.session.flush()
        return connection

    async def delete(self, connection: Connection) -> None:
        await self.session.execute(
            delete(Connection).where(Connection.id == connection.id, Connection.account_id == self.account_id)
        )


class LibraryRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def all(self, connection_id: uuid.UUID | None = None) -> Sequence[Library]:
        stmt = select(Library).where(Library.account_id == self.account_id)
        if connection_id is not None:
            stmt = stmt.where(Library.connection_id == connection_id)
        return (await self.session.scalars(stmt.order_by(Library.connection_id, Library.title))).all()

    async def get(self, library_id: uuid.UUID) -> Library | None:
        stmt = select(Library).where(Library.id == library_id, Library.account_id == self.account_id)
        return await self.session.scalar(stmt)

    async def upsert(self, connection_id: uuid.UUID, rows: Sequence[Mapping[str, object]]) -> None:
        """Insert new libraries with their default ``enabled``; existing ones keep the user's choice."""
        if not rows:
            return
        values = [{"account_id": self.account_id, "connection_id": connection_id, **row} for row in rows]
        stmt = insert(Library).values(values)
        stmt = stmt.on_conflict_do_update(
            constraint="uq_libraries_connection_key",
            set_={"title": stmt.excluded.title, "kind": stmt.excluded.kind},
        )
        await self.session.execute(stmt)
