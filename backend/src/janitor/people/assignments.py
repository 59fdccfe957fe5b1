"""Assignments: who is expected to watch which movie or show, and whether they did.

Only movies and shows are assigned (a show covers its present and future episodes); a season, an
episode or a track answers 400 naming what to assign instead. An assignment may end (``ends_at``):
after that moment it no longer counts. Every change asks for the watch-based schedule to run again
(one job per account). Nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection
from janitor.core.queue import JobBuffer
from janitor.library.models import MediaItem
from janitor.library.watch import WatchAnswer
from janitor.people.assignment_repository import ASSIGNABLE, AssignmentRepository
from janitor.people.errors import (
    AssignmentNotFound,
    ItemsNotFound,
    NotAssignable,
    PersonNotFound,
    TooManyItems,
)
from janitor.people.models import Assignment
from janitor.people.schemas import (
    Assignee,
    AssignFiltered,
    AssignItems,
    AssignmentOut,
    AssignResult,
    EpisodeStatus,
    ItemFilter,
    ItemWatchStatus,
    LibraryItemOut,
    LibraryItemPage,
    WatchState,
)
from janitor.people.service import ask_for_schedule, display_title
from janitor.people.watching import Leaf, load_book

# The most items one filtered assignment may cover (the library table's filters narrow it).
MAX_FILTERED_ITEMS = 5000


def not_assignable_why(item: MediaItem) -> str:
    """What to assign instead of ``item``, in words."""
    if item.kind == "episode":
        show = item.grandparent_title or "its show"
        episode = display_title(item.kind, item.title, item.parent_index, item.index, show)
        return f"{episode} is an episode: assign the show '{show}' instead"
    if item.kind == "season":
        show = item.parent_title or "its show"
        return f"'{item.title}' is a season: assign the show '{show}' instead (a show covers every season)"
    return f"'{item.title}' is a {item.kind}: only movies and shows can be assigned"


def to_out(a: Assignment, person: str, server: str, title: str | None, now: datetime) -> AssignmentOut:
    return AssignmentOut(
        id=a.id,
        person_id=a.person_id,
        person=person,
        connection_id=a.connection_id,
        server=server,
        item_upstream_id=a.item_upstream_id,
        kind=a.kind,
        title=title,
        ends_at=a.ends_at,
        active=a.ends_at is None or a.ends_at > now,
        created_at=a.created_at,
    )


class AssignmentService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID, *, jobs: JobBuffer | None = None) -> None:
        self.session = session
        self.account_id = account_id
        self.jobs = jobs
        self.repo = AssignmentRepository(session, account_id)

    async def _people(self, person_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        wanted = sorted(set(person_ids))
        found = await self.repo.people(wanted)
        missing = [str(p) for p in wanted if p not in found]
        if missing:
            raise PersonNotFound(f"No such person: {', '.join(missing[:5])}.")
        return wanted

    async def assign(self, body: AssignItems) -> AssignResult:
        people = await self._people(body.person_ids)
        keys = sorted({(i.connection_id, i.upstream_id) for i in body.items})
        items = {(m.connection_id, m.upstream_id): m for m in await self.repo.items(keys)}
        missing = [u for c, u in keys if (c, u) not in items]
        if missing:
            raise ItemsNotFound(
                f"{len(missing)} item(s) are not on your servers or are gone: {', '.join(missing[:5])}. "
                "Refresh the library table and try again."
            )
        wrong = [m for m in items.values() if m.kind not in ASSIGNABLE]
        if wrong:
            raise NotAssignable("; ".join(not_assignable_why(m) for m in wrong[:5]) + ".")
        return await self._upsert(
            people, [(m.connection_id, m.upstream_id, m.kind) for m in items.values()], body.ends_at
        )

    async def assign_filtered(self, body: AssignFiltered) -> AssignResult:
        people = await self._people(body.person_ids)
        keys = await self.repo.library_keys(body.filter, limit=MAX_FILTERED_ITEMS)
        if len(keys) > MAX_FILTERED_ITEMS:
            raise TooManyItems(
                f"More than {MAX_FILTERED_ITEMS} movies and shows match these filters: narrow them (a server, a "
                "library, a kind or a search) and assign in parts."
            )
        return await self._upsert(people, keys, body.ends_at)

    async def _upsert(
        self, people: list[uuid.UUID], items: Sequence[tuple[uuid.UUID, str, str]], ends_at: datetime | None
    ) -> AssignResult:
        created, updated = await self.repo.upsert(person_ids=people, items=sorted(set(items)), ends_at=ends_at)
        if created or updated:
            ask_for_schedule(self.jobs, self.account_id)
        return AssignResult(created=created, updated=updated)

    async def listing(
        self,
        *,
        now: datetime,
        connection_id: uuid.UUID | None = None,
        upstream_id: str | None = None,
        person_id: uuid.UUID | None = None,
    ) -> list[AssignmentOut]:
        rows = await self.repo.assignments(connection_id=connection_id, upstream_id=upstream_id, person_id=person_id)
        return [to_out(a, person, server, title, now) for a, person, server, title in rows]

    async def _one(self, assignment_id: uuid.UUID, now: datetime) -> AssignmentOut:
        rows = await self.repo.assignments(ids=[assignment_id])
        if not rows:
            raise AssignmentNotFound()
        return to_out(*rows[0], now)

    async def set_end(self, assignment_id: uuid.UUID, ends_at: datetime | None, *, now: datetime) -> AssignmentOut:
        assignment = await self.repo.get(assignment_id, lock=True)
        if assignment is None:
            raise AssignmentNotFound()
        if assignment.ends_at != ends_at:
            assignment.ends_at = ends_at
            await self.session.flush()
            ask_for_schedule(self.jobs, self.account_id)
        return await self._one(assignment_id, now)

    async def remove(self, assignment_id: uuid.UUID) -> None:
        assignment = await self.repo.get(assignment_id, lock=True)
        if assignment is None:
            raise AssignmentNotFound()
        await self.repo.remove(assignment_id)
        ask_for_schedule(self.jobs, self.account_id)

    async def library(self, where: ItemFilter, *, page: int, page_size: int) -> LibraryItemPage:
        """The movies and shows of the enabled libraries, filtered and paged, each with who is assigned."""
        rows, total = await self.repo.library_page(where, offset=(page - 1) * page_size, limit=page_size)
        return LibraryItemPage(items=await self._rows_out(rows), total=total, page=page, page_size=page_size)

    async def assignable(self, connection_id: uuid.UUID, upstream_id: str) -> LibraryItemOut:
        """The movie or show an item stands for when assigning: itself, or for an episode or a season
        its show; as the library table lists it, with who is assigned."""
        item = await self.repo.item(connection_id, upstream_id)
        if item is None:
            raise ItemsNotFound("That item is not on your servers (or is gone).")
        if item.kind in ("episode", "season"):
            show_id = item.grandparent_id if item.kind == "episode" else item.parent_id
            show = await self.repo.item(connection_id, show_id) if show_id else None
            if show is None:
                raise ItemsNotFound(f"The show of '{item.title}' is not on your servers (or is gone).")
            item = show
        if item.kind not in ASSIGNABLE:
            raise NotAssignable(not_assignable_why(item) + ".")
        rows = await self.repo.library_rows(ItemFilter(), keys=[(connection_id, item.upstream_id)])
        if not rows:
            raise ItemsNotFound(
                f"'{item.title}' is in a library that is not enabled: enable it on the Libraries page to assign it."
            )
        [out] = await self._rows_out(rows)
        return out

    async def _rows_out(self, rows: list[tuple[MediaItem, str, str]]) -> list[LibraryItemOut]:
        assigned = await self.repo.assignees([(m.connection_id, m.upstream_id) for m, _, _ in rows])
        return [
            LibraryItemOut(
                connection_id=m.connection_id,
                server=server,
                library_id=m.library_id,
                library=library,
                upstream_id=m.upstream_id,
                kind=m.kind,
                title=m.title,
                year=m.year,
                added_at=m.added_at,
                assignees=[
                    Assignee(assignment_id=a.id, person_id=a.person_id, name=name, ends_at=a.ends_at)
                    for a, name in assigned.get((m.connection_id, m.upstream_id), [])
                ],
            )
            for m, library, server in rows
        ]

    async def watch_status(self, connection_id: uuid.UUID, upstream_id: str, *, now: datetime) -> ItemWatchStatus:
        """Each active assignee's answer for a movie or a show, and for a show per episode."""
        connection = await self.repo.connection(connection_id)
        item = await self.repo.item(connection_id, upstream_id) if connection is not None else None
        if connection is None or item is None:
            raise ItemsNotFound("That item is not on your servers (or is gone).")
        if item.kind not in ASSIGNABLE:
            raise NotAssignable(not_assignable_why(item) + ".")
        assigned = [
            (a, name)
            for a, name in (await self.repo.assignees([(connection_id, upstream_id)])).get(
                (connection_id, upstream_id), []
            )
            if a.ends_at is None or a.ends_at > now
        ]
        return await self._status(connection, item, assigned, now=now)

    async def _status(
        self, connection: Connection, item: MediaItem, assigned: list[tuple[Assignment, str]], *, now: datetime
    ) -> ItemWatchStatus:
        episodes = await self.repo.episodes(connection.id, item.upstream_id) if item.kind == "show" else []
        book = await load_book(
            self.session,
            self.account_id,
            connection_id=connection.id,
            server_name=connection.name,
            person_ids=[a.person_id for a, _ in assigned],
            targets=[item.upstream_id],
            now=now,
        )
        codes = {e.upstream_id: f"S{e.parent_index or 0:02d}E{e.index or 0:02d}" for e in episodes}
        leaves = [Leaf(e.upstream_id, codes[e.upstream_id]) for e in episodes] or [Leaf(item.upstream_id)]
        people = []
        for a, name in assigned:
            found, _ = book.person_answer(a.person_id, leaves, now=now)
            people.append(_watch_state(a.person_id, name, found))
        per_episode = [
            EpisodeStatus(
                upstream_id=e.upstream_id,
                label=codes[e.upstream_id],
                title=e.title,
                people=[
                    _watch_state(a.person_id, name, book.leaf_answer(a.person_id, e.upstream_id, now=now))
                    for a, name in assigned
                ],
            )
            for e in episodes
        ]
        return ItemWatchStatus(
            connection_id=connection.id,
            server=connection.name,
            upstream_id=item.upstream_id,
            kind=item.kind,
            title=item.title,
            people=people,
            episodes=per_episode,
        )


def _watch_state(person_id: uuid.UUID, name: str, answer: WatchAnswer) -> WatchState:
    return WatchState(person_id=person_id, name=name, state=answer.state, at=answer.at, why=answer.why)
