"""People: list them with their server accounts and what they watched, link and unlink accounts,
rename, and suggest links. Nothing here commits (the request's unit of work does)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import defaultdict
from datetime import datetime
from itertools import combinations

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.queue import JobBuffer
from janitor.jobs.names import JobName, dedupe_id
from janitor.library.models import MediaItem
from janitor.people.errors import AccountNotFound, LastAccount, MergeInvalid, PairInvalid, PersonNotFound
from janitor.people.health import watch_problems
from janitor.people.models import Person
from janitor.people.repository import PeopleRepository, ensure_people
from janitor.people.schemas import PersonOut, RecentPlay, ServerAccountOut, Suggestion

RECENT_PLAYS = 5


def ask_for_schedule(jobs: JobBuffer | None, account_id: uuid.UUID) -> None:
    """Who is assigned, or who a person is, changed: the schedule runs again (one job per account,
    however many changes come before it runs)."""
    if jobs is not None:
        jobs.enqueue(
            JobName.DELETION_SCHEDULE, str(account_id), dedupe_id=dedupe_id(JobName.DELETION_SCHEDULE, account_id)
        )


def display_title(kind: str, title: str, parent_index: int | None, index: int | None, show: str | None) -> str:
    if kind == "episode":
        return " · ".join(x for x in (show, f"S{parent_index or 0:02d}E{index or 0:02d}", title) if x)
    return title


def normalised(name: str) -> str:
    """A name as people write it either way: accents, case, spaces and punctuation aside."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", folded)


class PeopleService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID, *, jobs: JobBuffer | None = None) -> None:
        self.session = session
        self.account_id = account_id
        self.jobs = jobs
        self.repo = PeopleRepository(session, account_id)

    async def everyone(self, *, now: datetime) -> list[PersonOut]:
        """Every person, with their accounts, assignments, recent plays and whether they can be trusted."""
        await ensure_people(self.session, self.account_id)
        return await self._out(list(await self.repo.people()), now=now)

    async def _out(self, people: list[Person], *, now: datetime) -> list[PersonOut]:
        ids = [p.id for p in people]
        members = await self.repo.members(ids)
        counts = await self.repo.assignment_counts()
        problems = await watch_problems(self.session, self.account_id, now=now)
        plays = await self.repo.recent_plays(per_person=RECENT_PLAYS, now=now) if ids else []
        titles = await self._titles({(c, i) for _, c, i, _ in plays})
        servers = {r.connection_id: c.name for _, r, c in members}
        accounts: dict[uuid.UUID, list[ServerAccountOut]] = defaultdict(list)
        for member, remote, conn in members:
            accounts[member.person_id].append(
                ServerAccountOut(
                    remote_user_id=remote.id,
                    connection_id=conn.id,
                    server=conn.name,
                    server_kind=conn.kind,
                    role=remote.role,
                    name=remote.name,
                    email=remote.email,
                    linked_by=member.linked_by,
                    watch_problem=problems.get((conn.id, remote.upstream_id)),
                )
            )
        recent: dict[uuid.UUID, list[RecentPlay]] = defaultdict(list)
        for person_id, conn_id, item, at in plays:
            recent[person_id].append(
                RecentPlay(
                    connection_id=conn_id,
                    server=servers.get(conn_id, ""),
                    item_upstream_id=item,
                    title=titles.get((conn_id, item), item),
                    at=at,
                )
            )
        out = []
        for person in people:
            held = accounts.get(person.id, [])
            issues = [f"{a.server} ({a.name}): {a.watch_problem}" for a in held if a.watch_problem]
            out.append(
                PersonOut(
                    id=person.id,
                    name=person.name,
                    email=person.email or next((a.email for a in held if a.email), None),
                    accounts=held,
                    assignments=counts.get(person.id, 0),
                    recent=recent.get(person.id, []),
                    trusted=not issues,
                    problems=issues,
                )
            )
        return out

    async def _titles(self, keys: set[tuple[uuid.UUID, str]]) -> dict[tuple[uuid.UUID, str], str]:
        if not keys:
            return {}
        rows = await self.session.execute(
            select(
                MediaItem.connection_id,
                MediaItem.upstream_id,
                MediaItem.kind,
                MediaItem.title,
                MediaItem.parent_index,
                MediaItem.index,
                MediaItem.grandparent_title,
            ).where(
                MediaItem.account_id == self.account_id,
                tuple_(MediaItem.connection_id, MediaItem.upstream_id).in_(sorted(keys)),
            )
        )
        return {(c, u): display_title(k, t, pi, i, show) for c, u, k, t, pi, i, show in rows}

    async def get(self, person_id: uuid.UUID, *, now: datetime) -> PersonOut:
        person = await self.repo.person(person_id)
        if person is None:
            raise PersonNotFound()
        [out] = await self._out([person], now=now)
        return out

    async def rename(self, person_id: uuid.UUID, name: str, *, now: datetime) -> PersonOut:
        person = await self.repo.person(person_id, lock=True)
        if person is None:
            raise PersonNotFound()
        person.name = name.strip() or person.name
        await self.session.flush()
        return await self.get(person_id, now=now)

    async def merge(self, target_id: uuid.UUID, source_ids: list[uuid.UUID], *, now: datetime) -> PersonOut:
        """The sources' server accounts and assignments move to the target; the sources are removed. An
        item both were assigned to stays assigned once, with the later end (no end is the latest)."""
        sources = sorted(set(source_ids))
        if target_id in sources:
            raise MergeInvalid()
        # Locked in one order (ids sorted), so two merges of the same people wait for each other.
        locked = {}
        for person_id in sorted([target_id, *sources]):
            person = await self.repo.person(person_id, lock=True)
            if person is None:
                raise PersonNotFound()
            locked[person_id] = person
        for source in sources:
            await self.repo.move_members(source=source, target=target_id)
            await self.repo.merge_assignments(source=source, target=target_id)
            await self.repo.move_dismissals(source=source, target=target_id)
            await self.repo.delete_person(source)
        target = locked[target_id]
        if target.email is None:
            target.email = next((locked[s].email for s in sources if locked[s].email), None)
        await self.session.flush()
        ask_for_schedule(self.jobs, self.account_id)
        return await self.get(target_id, now=now)

    async def unlink(self, person_id: uuid.UUID, remote_user_id: uuid.UUID, *, now: datetime) -> PersonOut:
        """Take a server account out of a person: it becomes a person of its own again (with no
        assignments: those stay with the person). Returns the new person."""
        person = await self.repo.person(person_id, lock=True)
        if person is None:
            raise PersonNotFound()
        members = await self.repo.members([person_id])
        found = next(((m, r) for m, r, _ in members if m.remote_user_id == remote_user_id), None)
        if found is None:
            raise AccountNotFound()
        if len(members) == 1:
            raise LastAccount()
        member, remote = found
        fresh = await self.repo.new_person(name=remote.name, email=remote.email)
        member.person_id, member.linked_by = fresh.id, "auto"
        await self.session.flush()
        ask_for_schedule(self.jobs, self.account_id)
        return await self.get(fresh.id, now=now)

    async def _pair(self, person_ids: list[uuid.UUID]) -> tuple[uuid.UUID, uuid.UUID]:
        a, b = person_ids
        if a == b:
            raise PairInvalid()
        for person_id in (a, b):
            if await self.repo.person(person_id) is None:
                raise PersonNotFound()
        return a, b

    async def dismiss_suggestion(self, person_ids: list[uuid.UUID]) -> None:
        """The owner says these two are not the same human: their link is no longer suggested."""
        await self.repo.dismiss_pair(*await self._pair(person_ids))

    async def restore_suggestion(self, person_ids: list[uuid.UUID]) -> None:
        """Suggest the link of these two again (if they still look alike)."""
        await self.repo.restore_pair(*await self._pair(person_ids))

    async def suggestions(self, *, now: datetime) -> list[Suggestion]:
        """Pairs of people on different servers that look like the same human: the same name (accents,
        case and punctuation aside) or the same e-mail. People sharing a server are never suggested:
        one human does not usually hold two accounts of one server; nor is a pair the owner dismissed."""
        await ensure_people(self.session, self.account_id)
        people = list(await self.repo.people())
        members = await self.repo.members([p.id for p in people])
        servers: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        emails: dict[uuid.UUID, set[str]] = defaultdict(set)
        for member, remote, _ in members:
            servers[member.person_id].add(remote.connection_id)
            if remote.email:
                emails[member.person_id].add(remote.email.strip().lower())
        for p in people:
            if p.email:
                emails[p.id].add(p.email.strip().lower())
        dismissed = await self.repo.dismissed_pairs()
        pairs: list[tuple[Person, Person, str]] = []
        for a, b in combinations(people, 2):
            if not servers[a.id] or not servers[b.id] or servers[a.id] & servers[b.id]:
                continue
            if tuple(sorted((a.id, b.id))) in dismissed:
                continue
            if emails[a.id] & emails[b.id]:
                pairs.append((a, b, "same e-mail"))
            elif normalised(a.name) and normalised(a.name) == normalised(b.name):
                pairs.append((a, b, "same name"))
        if not pairs:
            return []
        shown = {p.id: p for a, b, _ in pairs for p in (a, b)}
        outs = {o.id: o for o in await self._out(list(shown.values()), now=now)}
        return [Suggestion(people=[outs[a.id], outs[b.id]], reason=reason) for a, b, reason in pairs]
