"""The watch rule: may a movie, an episode or a season go because everyone assigned to it watched it?

``qualifies`` is True only when all of these hold (the rule states its edge cases here):

* the item is a movie, an episode or a season, present on its server (not gone);
* it is not protected: no active entry of the **protected** allowlist matches it, its show, or (for a
  season) any of its episodes (``allowlists.sql.matches``, the reports' own matching, copies on the
  account's other servers included);
* the set of people assigned to it (the movie, or the episode's or season's show) whose assignment has
  not ended (``ends_at`` NULL or later than now) is **not empty**;
* **every** one of them watched it (a season: every present episode of it) after its current file was
  added (``people.watching``: plays before the file was added never count, and an account whose data
  cannot be trusted, a person without an account on that server, an undated or future-dated play all
  make the answer unknown).

``qualifies`` is None (unknown) when an assignee's answer is unknown, and False otherwise (protected,
nobody assigned, someone has not watched it, not a kind that is queued this way, not present). Unknown
and False both keep the file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.models import ListName
from janitor.allowlists.sql import matches
from janitor.connections.models import Connection
from janitor.core.db import any_of
from janitor.library.models import MediaItem
from janitor.library.watch import day
from janitor.people.models import Assignment, Person
from janitor.people.watching import Leaf, WatchBook, answer_json, load_book

QUEUED_KINDS = ("movie", "episode", "season")
# What a queue row and its audit event say the rule is (and how a verdict that qualifies begins).
WATCH_RULE = "watched by every assigned person"
# The allowlist that keeps an item from ever being deleted (a SQL list literal for ``matches``).
PROTECTED = f"'{ListName.PROTECTED.value}'"


@dataclass(frozen=True)
class Verdict:
    """The rule's answer for one item, with each active assignee's evidence (JSON-able)."""

    qualifies: bool | None
    why: str
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        """What a queue row and its audit event keep of the decision."""
        return {"rule": WATCH_RULE, "why": self.why, "people": self.evidence}


@dataclass(frozen=True)
class ItemRow:
    """What the rule needs of a synced item (read in bulk, without ORM objects)."""

    id: int
    upstream_id: str
    kind: str
    parent_id: str | None
    grandparent_id: str | None
    index: int | None
    parent_index: int | None
    library_id: uuid.UUID

    @property
    def target(self) -> str | None:
        """What an assignment names for it: the movie itself, or its show."""
        if self.kind == "movie":
            return self.upstream_id
        if self.kind == "episode":
            return self.grandparent_id
        if self.kind == "season":
            return self.parent_id
        return None


@dataclass(frozen=True)
class Assignee:
    person_id: uuid.UUID
    name: str


@dataclass
class ServerFacts:
    """One server's items, assignees, protections and watch evidence, read once for many verdicts."""

    connection: Connection
    items: dict[str, ItemRow] = field(default_factory=dict)
    episodes_of_season: dict[str, list[ItemRow]] = field(default_factory=dict)
    assignees: dict[str, list[Assignee]] = field(default_factory=dict)
    protected: set[str] = field(default_factory=set)
    book: WatchBook | None = None


ITEM_COLUMNS = (
    MediaItem.id,
    MediaItem.upstream_id,
    MediaItem.kind,
    MediaItem.parent_id,
    MediaItem.grandparent_id,
    MediaItem.index,
    MediaItem.parent_index,
    MediaItem.library_id,
)


# Present items of the server among :ids that the protected allowlist matches: an entry on the item,
# or (also_parent) on an episode's show. A season's show is its parent, not its grandparent: the
# season is judged through its episodes, which carry the show as their grandparent.
PROTECTED_SQL = """
SELECT m.upstream_id FROM media_items m
WHERE m.account_id = :a AND m.connection_id = :c AND NOT m.gone AND m.kind IN ('movie', 'episode', 'season')
  AND m.upstream_id = ANY(:ids) AND {protected}
"""


async def load_facts(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    connection: Connection,
    now: datetime,
    targets: Iterable[str] | None = None,
    problems: dict[tuple[uuid.UUID, str], str] | None = None,
    also: Iterable[str] = (),
    items: Iterable[str] | None = None,
) -> ServerFacts:
    """Read what the rule needs for the assigned movies and shows of one server (or only ``targets``),
    and for the movies and shows in ``also`` (assigned or not: what the queue holds). With ``items``,
    only those movies, episodes and seasons of them (and a season's episodes) are read, with their
    evidence: each of them is judged exactly as without it, the others are not there."""
    facts = ServerFacts(connection=connection)
    active = (Assignment.ends_at.is_(None)) | (Assignment.ends_at > now)
    stmt = (
        select(Assignment.item_upstream_id, Assignment.person_id, Person.name)
        .join(Person, Person.id == Assignment.person_id)
        .where(Assignment.account_id == account_id, Assignment.connection_id == connection.id, active)
        .order_by(Person.name, Assignment.person_id)
    )
    if targets is not None:
        stmt = stmt.where(any_of(Assignment.item_upstream_id, sorted(set(targets)), String()))
    for target, person_id, name in await session.execute(stmt):
        facts.assignees.setdefault(target, []).append(Assignee(person_id, name))
    wanted = sorted((set(targets) if targets is not None else set(facts.assignees)) | set(also))
    if not wanted:
        return facts
    stmt_items = select(*ITEM_COLUMNS).where(
        MediaItem.account_id == account_id,
        MediaItem.connection_id == connection.id,
        MediaItem.gone.is_(False),
        or_(
            (MediaItem.kind == "movie") & any_of(MediaItem.upstream_id, wanted, String()),
            (MediaItem.kind == "episode") & any_of(MediaItem.grandparent_id, wanted, String()),
            (MediaItem.kind == "season") & any_of(MediaItem.parent_id, wanted, String()),
        ),
    )
    if items is not None:
        only = sorted(set(items))
        stmt_items = stmt_items.where(
            any_of(MediaItem.upstream_id, only, String())
            | ((MediaItem.kind == "episode") & any_of(MediaItem.parent_id, only, String()))
        )
    rows = await session.execute(stmt_items)
    for r in rows:
        item = ItemRow(*r)
        facts.items[item.upstream_id] = item
        if item.kind == "episode" and item.parent_id is not None:
            facts.episodes_of_season.setdefault(item.parent_id, []).append(item)
    for episodes in facts.episodes_of_season.values():
        episodes.sort(key=lambda e: (e.index if e.index is not None else 1 << 30, e.upstream_id))
    protected_sql = PROTECTED_SQL.format(protected=matches(PROTECTED, also_parent=True))
    found = await session.execute(text(protected_sql), {"a": account_id, "c": connection.id, "ids": list(facts.items)})
    facts.protected = {upstream_id for (upstream_id,) in found}
    people = {a.person_id for group in facts.assignees.values() for a in group}
    facts.book = await load_book(
        session,
        account_id,
        connection_id=connection.id,
        server_name=connection.name,
        person_ids=people,
        targets=wanted,
        now=now,
        problems=problems,
        items=None if items is None else list(facts.items),
    )
    return facts


def leaves_of(facts: ServerFacts, item: ItemRow) -> list[Leaf]:
    """The movies or episodes a person must have watched for ``item`` to go."""
    if item.kind == "season":
        return [Leaf(e.upstream_id, episode_code(e)) for e in facts.episodes_of_season.get(item.upstream_id, [])]
    return [Leaf(item.upstream_id, episode_code(item) if item.kind == "episode" else "")]


def episode_code(item: ItemRow) -> str:
    return f"S{item.parent_index or 0:02d}E{item.index or 0:02d}"


def is_protected(facts: ServerFacts, item: ItemRow) -> bool:
    if item.upstream_id in facts.protected:
        return True
    return item.kind == "season" and any(
        e.upstream_id in facts.protected for e in facts.episodes_of_season.get(item.upstream_id, [])
    )


def judge(facts: ServerFacts, item: ItemRow, *, now: datetime) -> Verdict:
    """The rule for one item of ``facts`` (see the module's docstring)."""
    if item.kind not in QUEUED_KINDS:
        return Verdict(False, f"a {item.kind} is not queued when watched (movies, episodes and seasons are)")
    if is_protected(facts, item):
        return Verdict(False, "it is on the protected list")
    target = item.target
    assignees = facts.assignees.get(target or "", [])
    if not assignees:
        return Verdict(False, "nobody is assigned to it")
    leaves = leaves_of(facts, item)
    if not leaves:
        return Verdict(False, "no episode of it is on the server")
    assert facts.book is not None
    evidence: list[dict[str, Any]] = []
    unknown: list[str] = []
    not_watched: list[str] = []
    for person in assignees:
        found, per_episode = facts.book.person_answer(person.person_id, leaves, now=now)
        entry = {"person_id": str(person.person_id), "name": person.name, **answer_json(found)}
        if per_episode:
            entry["episodes"] = per_episode
        evidence.append(entry)
        if found.state == "unknown":
            unknown.append(f"{person.name}: {found.why}")
        elif found.state != "watched":
            not_watched.append(f"{person.name} has not watched it ({found.why})")
    if unknown:
        return Verdict(None, "unknown for " + "; ".join(unknown), evidence)
    if not_watched:
        return Verdict(False, "; ".join(not_watched), evidence)
    watched = ", ".join(f"{e['name']} ({day(datetime.fromisoformat(e['at']))})" for e in evidence if e["at"])
    return Verdict(True, f"{WATCH_RULE}: {watched}", evidence)


async def watched_verdict(
    session: AsyncSession, account_id: uuid.UUID, *, connection_id: uuid.UUID, item_upstream_id: str, now: datetime
) -> Verdict:
    """The watch rule for one movie, episode or season of one of the account's servers, as the data
    stands now (the deleter asks again right before it deletes)."""
    connection = await session.scalar(
        select(Connection).where(Connection.id == connection_id, Connection.account_id == account_id)
    )
    if connection is None:
        return Verdict(False, "the server is not connected any more")
    row = (
        await session.execute(
            select(*ITEM_COLUMNS).where(
                MediaItem.account_id == account_id,
                MediaItem.connection_id == connection_id,
                MediaItem.upstream_id == item_upstream_id,
                MediaItem.gone.is_(False),
            )
        )
    ).one_or_none()
    if row is None:
        return Verdict(False, "the item is not on the server any more")
    item = ItemRow(*row)
    target = item.target
    if item.kind not in QUEUED_KINDS or target is None:
        return Verdict(False, f"a {item.kind} is not queued when watched (movies, episodes and seasons are)")
    facts = await load_facts(session, account_id, connection=connection, now=now, targets=[target])
    facts.items.setdefault(item.upstream_id, item)
    return judge(facts, facts.items[item.upstream_id], now=now)
