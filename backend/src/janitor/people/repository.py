"""Queries of people, their server accounts and their assignments, every one scoped to the account."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection
from janitor.library.models import RemoteUser, WatchEvidence
from janitor.people.models import Assignment, LinkDismissal, Person, PersonMember

# Every server account without a person gets one of its own, named as the server names it. A second
# run finds nothing to do; two at once: the second one's members conflict and its people, left without
# members, are removed by ``DROP_EMPTY`` in the same transaction.
ENSURE_SQL = """
WITH fresh AS MATERIALIZED (
    SELECT r.id AS remote_user_id, gen_random_uuid() AS person_id, r.name, r.email
    FROM remote_users r
    WHERE r.account_id = :a AND NOT EXISTS (SELECT 1 FROM person_members m WHERE m.remote_user_id = r.id)
), made AS (
    INSERT INTO people (id, account_id, name, email)
    SELECT person_id, :a, name, email FROM fresh
    RETURNING id
)
INSERT INTO person_members (remote_user_id, person_id, account_id, linked_by)
SELECT f.remote_user_id, f.person_id, :a, 'auto' FROM fresh f JOIN made ON made.id = f.person_id
ON CONFLICT (remote_user_id) DO NOTHING
"""
# People with no server account left and nothing assigned (their servers were removed, or a race
# above) are nobody: removed. A person with assignments stays (the owner sees them and decides).
DROP_EMPTY = """
DELETE FROM people p
WHERE p.account_id = :a
  AND NOT EXISTS (SELECT 1 FROM person_members m WHERE m.person_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM assignments s WHERE s.person_id = p.id)
"""


async def ensure_people(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Give every server account of the account that has no person a person of its own (idempotent)."""
    await session.execute(text(ENSURE_SQL), {"a": account_id})
    await session.execute(text(DROP_EMPTY), {"a": account_id})


class PeopleRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def people(self) -> Sequence[Person]:
        return (
            await self.session.scalars(
                select(Person).where(Person.account_id == self.account_id).order_by(func.lower(Person.name), Person.id)
            )
        ).all()

    async def person(self, person_id: uuid.UUID, *, lock: bool = False) -> Person | None:
        stmt = select(Person).where(Person.id == person_id, Person.account_id == self.account_id)
        if lock:
            stmt = stmt.with_for_update()
        found: Person | None = await self.session.scalar(stmt)
        return found

    async def members(
        self, person_ids: Sequence[uuid.UUID] | None = None
    ) -> Sequence[tuple[PersonMember, RemoteUser, Connection]]:
        stmt = (
            select(PersonMember, RemoteUser, Connection)
            .join(RemoteUser, RemoteUser.id == PersonMember.remote_user_id)
            .join(Connection, Connection.id == RemoteUser.connection_id)
            .where(
                PersonMember.account_id == self.account_id,
                RemoteUser.account_id == self.account_id,
                Connection.account_id == self.account_id,
            )
            .order_by(Connection.name, RemoteUser.name, RemoteUser.id)
        )
        if person_ids is not None:
            stmt = stmt.where(PersonMember.person_id.in_(list(person_ids)))
        return [(m, r, c) for m, r, c in await self.session.execute(stmt)]

    async def member(self, remote_user_id: uuid.UUID) -> PersonMember | None:
        found: PersonMember | None = await self.session.scalar(
            select(PersonMember).where(
                PersonMember.remote_user_id == remote_user_id, PersonMember.account_id == self.account_id
            )
        )
        return found

    async def assignment_counts(self) -> dict[uuid.UUID, int]:
        rows = await self.session.execute(
            select(Assignment.person_id, func.count())
            .where(Assignment.account_id == self.account_id)
            .group_by(Assignment.person_id)
        )
        return {person_id: int(n) for person_id, n in rows}

    async def recent_plays(self, *, per_person: int, now: datetime) -> list[tuple[uuid.UUID, uuid.UUID, str, datetime]]:
        """Each person's newest plays that count (after the file was added), at most ``per_person``:
        (person, connection, item, when). Plays dated in the future are left out (they are suspect)."""
        ranked = (
            select(
                PersonMember.person_id,
                WatchEvidence.connection_id,
                WatchEvidence.item_upstream_id,
                WatchEvidence.played_at,
                func.row_number()
                .over(partition_by=PersonMember.person_id, order_by=WatchEvidence.played_at.desc())
                .label("n"),
            )
            .join(RemoteUser, RemoteUser.id == PersonMember.remote_user_id)
            .join(
                WatchEvidence,
                (WatchEvidence.connection_id == RemoteUser.connection_id)
                & (WatchEvidence.user_upstream_id == RemoteUser.upstream_id),
            )
            .where(
                PersonMember.account_id == self.account_id,
                WatchEvidence.account_id == self.account_id,
                WatchEvidence.played_at.is_not(None),
                WatchEvidence.played_at <= now,
                WatchEvidence.kind.in_(("movie", "episode")),
            )
            .subquery()
        )
        rows = await self.session.execute(
            select(ranked.c.person_id, ranked.c.connection_id, ranked.c.item_upstream_id, ranked.c.played_at)
            .where(ranked.c.n <= per_person)
            .order_by(ranked.c.person_id, ranked.c.played_at.desc())
        )
        return [(p, c, i, at) for p, c, i, at in rows]

    async def move_members(self, *, source: uuid.UUID, target: uuid.UUID) -> None:
        await self.session.execute(
            update(PersonMember)
            .where(PersonMember.account_id == self.account_id, PersonMember.person_id == source)
            .values(person_id=target, linked_by="owner")
        )

    async def merge_assignments(self, *, source: uuid.UUID, target: uuid.UUID) -> None:
        """The source person's assignments become the target's; one they both had stays once, with the
        later end (no end is the latest)."""
        await self.session.execute(
            text(
                """
                UPDATE assignments t
                SET ends_at = CASE WHEN t.ends_at IS NULL OR s.ends_at IS NULL THEN NULL
                                   ELSE greatest(t.ends_at, s.ends_at) END
                FROM assignments s
                WHERE t.account_id = :a AND s.account_id = :a AND t.person_id = :t AND s.person_id = :s
                  AND t.connection_id = s.connection_id AND t.item_upstream_id = s.item_upstream_id
                """
            ),
            {"a": self.account_id, "t": target, "s": source},
        )
        await self.session.execute(
            text(
                """
                DELETE FROM assignments s
                USING assignments t
                WHERE s.account_id = :a AND t.account_id = :a AND s.person_id = :s AND t.person_id = :t
                  AND t.connection_id = s.connection_id AND t.item_upstream_id = s.item_upstream_id
                """
            ),
            {"a": self.account_id, "t": target, "s": source},
        )
        await self.session.execute(
            update(Assignment)
            .where(Assignment.account_id == self.account_id, Assignment.person_id == source)
            .values(person_id=target)
        )

    async def dismissed_pairs(self) -> set[tuple[uuid.UUID, uuid.UUID]]:
        rows = await self.session.execute(
            select(LinkDismissal.first_id, LinkDismissal.second_id).where(LinkDismissal.account_id == self.account_id)
        )
        return {(a, b) for a, b in rows.tuples()}

    async def dismiss_pair(self, a: uuid.UUID, b: uuid.UUID) -> None:
        first, second = sorted((a, b))
        await self.session.execute(
            insert(LinkDismissal)
            .values(account_id=self.account_id, first_id=first, second_id=second)
            .on_conflict_do_nothing()
        )

    async def restore_pair(self, a: uuid.UUID, b: uuid.UUID) -> None:
        first, second = sorted((a, b))
        await self.session.execute(
            delete(LinkDismissal).where(
                LinkDismissal.account_id == self.account_id,
                LinkDismissal.first_id == first,
                LinkDismissal.second_id == second,
            )
        )

    async def move_dismissals(self, *, source: uuid.UUID, target: uuid.UUID) -> None:
        """The pairs the owner dismissed for the source person hold for the person it is merged into
        (a pair of the two merged people themselves is dropped with the source)."""
        await self.session.execute(
            text(
                """
                INSERT INTO people_link_dismissals (account_id, first_id, second_id)
                SELECT :account, least(:target, other), greatest(:target, other)
                FROM (
                    SELECT CASE WHEN first_id = :source THEN second_id ELSE first_id END AS other
                    FROM people_link_dismissals
                    WHERE account_id = :account AND (first_id = :source OR second_id = :source)
                ) o
                WHERE other <> :target
                ON CONFLICT DO NOTHING
                """
            ),
            {"account": self.account_id, "source": source, "target": target},
        )

    async def delete_person(self, person_id: uuid.UUID) -> None:
        await self.session.execute(delete(Person).where(Person.id == person_id, Person.account_id == self.account_id))

    async def new_person(self, *, name: str, email: str | None) -> Person:
        person = Person(id=uuid.uuid4(), account_id=self.account_id, name=name, email=email)
        self.session.add(person)
        await self.session.flush()
        return person

    async def insert_member(self, *, remote_user_id: uuid.UUID, person_id: uuid.UUID) -> None:
        await self.session.execute(
            insert(PersonMember).values(
                remote_user_id=remote_user_id, person_id=person_id, account_id=self.account_id, linked_by="auto"
            )
        )
