"""Queries of assignments and of the library table they are made from, scoped to the account."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, delete, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, Library
from janitor.core.search import like_literal
from janitor.library.models import MediaItem
from janitor.people.models import Assignment, Person
from janitor.people.schemas import ItemFilter

ASSIGNABLE = ("movie", "show")


class AssignmentRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def people(self, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
        rows = await self.session.scalars(
            select(Person).where(Person.account_id == self.account_id, Person.id.in_(list(person_ids)))
        )
        return {p.id: p for p in rows}

    async def items(self, keys: Sequence[tuple[uuid.UUID, str]]) -> list[MediaItem]:
        """The present items among (connection, upstream id) pairs of the account."""
        if not keys:
            return []
        rows = await self.session.scalars(
            select(MediaItem).where(
                MediaItem.account_id == self.account_id,
                MediaItem.gone.is_(False),
                tuple_(MediaItem.connection_id, MediaItem.upstream_id).in_(list(keys)),
            )
        )
        return list(rows)

    async def item(self, connection_id: uuid.UUID, upstream_id: str) -> MediaItem | None:
        found: MediaItem | None = await self.session.scalar(
            select(MediaItem).where(
                MediaItem.account_id == self.account_id,
                MediaItem.connection_id == connection_id,
                MediaItem.upstream_id == upstream_id,
                MediaItem.gone.is_(False),
            )
        )
        return found

    async def upsert(
        self, *, person_ids: Sequence[uuid.UUID], items: Sequence[tuple[uuid.UUID, str, str]], ends_at: datetime | None
    ) -> tuple[int, int]:
        """Assign every person to every (connection, item, kind); an existing assignment takes the new
        end. Returns (created, updated)."""
        rows = [
            {
                "id": uuid.uuid4(),
                "account_id": self.account_id,
                "person_id": person_id,
                "connection_id": conn,
                "item_upstream_id": upstream,
                "kind": kind,
                "ends_at": ends_at,
            }
            for person_id in person_ids
            for conn, upstream, kind in items
        ]
        created = updated = 0
        for start in range(0, len(rows), 2000):
            batch = rows[start : start + 2000]
            stmt = insert(Assignment).values(batch)
            upsert = stmt.on_conflict_do_update(
                constraint="uq_assignments_person_item",
                set_={"ends_at": stmt.excluded.ends_at},
                where=Assignment.ends_at.is_distinct_from(stmt.excluded.ends_at),
            ).returning(Assignment.id.in_([r["id"] for r in batch]))
            # A row this statement inserted carries one of the new ids; an updated one keeps its own.
            for (inserted,) in await self.session.execute(upsert):
                created, updated = (created + 1, updated) if inserted else (created, updated + 1)
        return created, updated

    async def get(self, assignment_id: uuid.UUID, *, lock: bool = False) -> Assignment | None:
        stmt = select(Assignment).where(Assignment.id == assignment_id, Assignment.account_id == self.account_id)
        if lock:
            stmt = stmt.with_for_update()
        found: Assignment | None = await self.session.scalar(stmt)
        return found

    async def remove(self, assignment_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(Assignment).where(Assignment.id == assignment_id, Assignment.account_id == self.account_id)
        )

    def listing(self) -> Select[Assignment, str, str, str]:
        """Assignments with their person, server and item (None when the item is gone)."""
        return (
            select(Assignment, Person.name, Connection.name, MediaItem.title)
            .join(Person, Person.id == Assignment.person_id)
            .join(Connection, Connection.id == Assignment.connection_id)
            .outerjoin(
                MediaItem,
                (MediaItem.connection_id == Assignment.connection_id)
                & (MediaItem.upstream_id == Assignment.item_upstream_id)
                & MediaItem.gone.is_(False),
            )
            .where(Assignment.account_id == self.account_id, Person.account_id == self.account_id)
            .order_by(func.lower(MediaItem.title), Person.name, Assignment.id)
        )

    async def assignments(
        self,
        *,
        connection_id: uuid.UUID | None = None,
        upstream_id: str | None = None,
        person_id: uuid.UUID | None = None,
        ids: Sequence[uuid.UUID] | None = None,
        limit: int = 1000,
    ) -> list[tuple[Assignment, str, str, str | None]]:
        stmt = self.listing()
        if connection_id is not None:
            stmt = stmt.where(Assignment.connection_id == connection_id)
        if upstream_id is not None:
            stmt = stmt.where(Assignment.item_upstream_id == upstream_id)
        if person_id is not None:
            stmt = stmt.where(Assignment.person_id == person_id)
        if ids is not None:
            stmt = stmt.where(Assignment.id.in_(list(ids)))
        rows = await self.session.execute(stmt.limit(limit))
        return [(a, person, server, title) for a, person, server, title in rows]

    def _library_query(self, where: ItemFilter) -> Select[MediaItem, str, str]:
        stmt = (
            select(MediaItem, Library.title, Connection.name)
            .join(Library, Library.id == MediaItem.library_id)
            .join(Connection, Connection.id == MediaItem.connection_id)
            .where(
                MediaItem.account_id == self.account_id,
                MediaItem.kind.in_(ASSIGNABLE),
                MediaItem.gone.is_(False),
                Library.enabled.is_(True),
            )
        )
        if where.q:
            pattern = f"%{like_literal(where.q.strip())}%"
            stmt = stmt.where(
                or_(MediaItem.title.ilike(pattern, escape="\\"), MediaItem.original_title.ilike(pattern, escape="\\"))
            )
        if where.connection_id is not None:
            stmt = stmt.where(MediaItem.connection_id == where.connection_id)
        if where.library_id is not None:
            stmt = stmt.where(MediaItem.library_id == where.library_id)
        if where.kind is not None:
            stmt = stmt.where(MediaItem.kind == where.kind)
        return stmt

    async def library_page(
        self, where: ItemFilter, *, offset: int, limit: int
    ) -> tuple[list[tuple[MediaItem, str, str]], int]:
        stmt = self._library_query(where)
        total = await self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        rows = await self.session.execute(
            stmt.order_by(func.lower(MediaItem.title), MediaItem.year, MediaItem.id).offset(offset).limit(limit)
        )
        return [(m, library, server) for m, library, server in rows], int(total or 0)

    async def library_rows(
        self, where: ItemFilter, *, keys: Sequence[tuple[uuid.UUID, str]]
    ) -> list[tuple[MediaItem, str, str]]:
        """The library table's rows of these (connection, item) pairs (those the filters match)."""
        if not keys:
            return []
        stmt = self._library_query(where).where(tuple_(MediaItem.connection_id, MediaItem.upstream_id).in_(list(keys)))
        rows = await self.session.execute(stmt.order_by(func.lower(MediaItem.title), MediaItem.year, MediaItem.id))
        return [(m, library, server) for m, library, server in rows]

    async def library_keys(self, where: ItemFilter, *, limit: int) -> list[tuple[uuid.UUID, str, str]]:
        """(connection, item, kind) of every item the filters match, at most ``limit`` + 1."""
        stmt = self._library_query(where).with_only_columns(
            MediaItem.connection_id, MediaItem.upstream_id, MediaItem.kind
        )
        rows = await self.session.execute(stmt.order_by(MediaItem.id).limit(limit + 1))
        return [(c, u, k) for c, u, k in rows]

    async def assignees(
        self, keys: Sequence[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], list[tuple[Assignment, str]]]:
        if not keys:
            return {}
        rows = await self.session.execute(
            select(Assignment, Person.name)
            .join(Person, Person.id == Assignment.person_id)
            .where(
                Assignment.account_id == self.account_id,
                tuple_(Assignment.connection_id, Assignment.item_upstream_id).in_(list(keys)),
            )
            .order_by(Person.name, Assignment.id)
        )
        out: dict[tuple[uuid.UUID, str], list[tuple[Assignment, str]]] = {}
        for a, name in rows:
            out.setdefault((a.connection_id, a.item_upstream_id), []).append((a, name))
        return out

    async def episodes(self, connection_id: uuid.UUID, show_id: str) -> list[MediaItem]:
        rows = await self.session.scalars(
            select(MediaItem)
            .where(
                MediaItem.account_id == self.account_id,
                MediaItem.connection_id == connection_id,
                MediaItem.grandparent_id == show_id,
                MediaItem.kind == "episode",
                MediaItem.gone.is_(False),
            )
            .order_by(MediaItem.parent_index, MediaItem.index, MediaItem.upstream_id)
        )
        return list(rows)

    async def connection(self, connection_id: uuid.UUID) -> Connection | None:
        found: Connection | None = await self.session.scalar(
            select(Connection).where(Connection.id == connection_id, Connection.account_id == self.account_id)
        )
        return found
