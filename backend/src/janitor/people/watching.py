"""What a person (not a server account) watched: the answers of their accounts on one server, put
together, with every reason their answer is unknown.

A person's answer for a movie or an episode on server S:

* they have no account on S: **unknown** ("no account on S"). Plays of another server's copy do not
  count here: the person may have watched a different file;
* one of their accounts on S cannot be trusted now (``people.health``: its data could not be read in
  the last sync, its history emptied or shrank, it holds plays dated in the future): **unknown**;
* otherwise each account's answer (``library.watch.answer``: plays before the current file was added
  never count, undated plays and future dates are unknown). Any account unknown: **unknown**; else
  any account watched it: **watched** (the newest play); else **not watched**.

For several items at once (a season: every present episode), the person watched them all, or one is
unknown (unknown), or one is not watched.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.db import any_of
from janitor.library.models import RemoteUser, WatchEvidence
from janitor.library.watch import Evidence, WatchAnswer, answer
from janitor.people.health import watch_problems
from janitor.people.models import PersonMember


@dataclass(frozen=True)
class Leaf:
    """A movie or an episode, as a person's answer names it (``label``: "S01E02", or '' for a movie)."""

    upstream_id: str
    label: str = ""


@dataclass
class WatchBook:
    """Everything needed to answer for some people and items of one server, read once."""

    connection_id: uuid.UUID
    server_name: str
    # Each person's accounts on this server (their ``remote_users.upstream_id``).
    accounts: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    # Accounts whose data cannot be trusted now, with why.
    problems: dict[str, str] = field(default_factory=dict)
    evidence: dict[tuple[str, str], Evidence] = field(default_factory=dict)

    def leaf_answer(self, person_id: uuid.UUID, leaf: str, *, now: datetime, tz: tzinfo = UTC) -> WatchAnswer:
        """The person's answer for one movie or episode of this server."""
        users = self.accounts.get(person_id)
        if not users:
            return WatchAnswer("unknown", None, f"no account on {self.server_name}")
        found: list[WatchAnswer] = []
        for user in users:
            problem = self.problems.get(user)
            if problem is not None:
                return WatchAnswer("unknown", None, problem)
            found.append(answer(self.evidence.get((leaf, user)), now=now, tz=tz))
        return combine_accounts(found)

    def person_answer(
        self, person_id: uuid.UUID, leaves: Sequence[Leaf], *, now: datetime, tz: tzinfo = UTC
    ) -> tuple[WatchAnswer, list[dict[str, Any]]]:
        """The person's answer for every leaf together (a season: all its present episodes), and the
        answer per leaf when there are several (JSON-able, for the audit log and the UI)."""
        per_leaf = [(leaf, self.leaf_answer(person_id, leaf.upstream_id, now=now, tz=tz)) for leaf in leaves]
        detail = [_leaf_json(leaf, a) for leaf, a in per_leaf] if len(leaves) > 1 else []
        if not per_leaf:
            return WatchAnswer("not_watched", None, "nothing to watch"), detail
        if len(per_leaf) == 1:
            return per_leaf[0][1], detail
        unknown = next(((leaf, a) for leaf, a in per_leaf if a.state == "unknown"), None)
        if unknown is not None:
            leaf, why = unknown[0], unknown[1].why
            return WatchAnswer("unknown", None, f"{leaf.label or leaf.upstream_id}: {why}"), detail
        watched = [a for _, a in per_leaf if a.state == "watched"]
        if len(watched) == len(per_leaf):
            newest = max((a.at for a in watched if a.at is not None), default=None)
            return WatchAnswer("watched", newest, f"watched all {len(per_leaf)} episodes"), detail
        return WatchAnswer("not_watched", None, f"watched {len(watched)} of {len(per_leaf)} episodes"), detail


def combine_accounts(found: Sequence[WatchAnswer]) -> WatchAnswer:
    """One person's accounts on one server: any unknown is unknown, else a play on any of them counts."""
    for a in found:
        if a.state == "unknown":
            return a
    watched = [a for a in found if a.state == "watched" and a.at is not None]
    if watched:
        return max(watched, key=lambda a: a.at or datetime.min.replace(tzinfo=UTC))
    return found[0] if found else WatchAnswer("not_watched", None, "no play recorded")


def _leaf_json(leaf: Leaf, a: WatchAnswer) -> dict[str, Any]:
    return {"item": leaf.upstream_id, "label": leaf.label, **answer_json(a)}


def answer_json(a: WatchAnswer) -> dict[str, Any]:
    return {"state": a.state, "at": a.at.astimezone(UTC).isoformat() if a.at else None, "why": a.why}


# The columns ``library.watch.answer`` reads, with the row's keys.
EVIDENCE_COLUMNS = (
    WatchEvidence.item_upstream_id,
    WatchEvidence.user_upstream_id,
    WatchEvidence.added_at,
    WatchEvidence.played_at,
    WatchEvidence.played_source,
    WatchEvidence.last_any_at,
    WatchEvidence.undated_source,
)


async def load_book(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    connection_id: uuid.UUID,
    server_name: str,
    person_ids: Iterable[uuid.UUID],
    targets: Iterable[str] | None,
    now: datetime,
    problems: Mapping[tuple[uuid.UUID, str], str] | None = None,
    items: Iterable[str] | None = None,
) -> WatchBook:
    """Read what answering needs for these people on one server: their accounts there, which of them
    cannot be trusted, and the evidence of ``targets`` (movies and shows; None: every item), or only
    of the movies and episodes ``items`` among them."""
    people = list(set(person_ids))
    book = WatchBook(connection_id=connection_id, server_name=server_name)
    if people:
        members = await session.execute(
            select(PersonMember.person_id, RemoteUser.upstream_id)
            .join(RemoteUser, RemoteUser.id == PersonMember.remote_user_id)
            .where(
                PersonMember.account_id == account_id,
                RemoteUser.account_id == account_id,
                RemoteUser.connection_id == connection_id,
                PersonMember.person_id.in_(people),
            )
            .order_by(RemoteUser.upstream_id)
        )
        for person_id, user in members:
            book.accounts.setdefault(person_id, []).append(user)
    if problems is None:
        problems = await watch_problems(session, account_id, now=now, connection_id=connection_id)
    book.problems = {user: why for (conn, user), why in problems.items() if conn == connection_id}
    users = sorted({u for us in book.accounts.values() for u in us})
    if not users:
        return book
    stmt = select(*EVIDENCE_COLUMNS).where(
        WatchEvidence.account_id == account_id,
        WatchEvidence.connection_id == connection_id,
        WatchEvidence.user_upstream_id.in_(users),
    )
    if targets is not None:
        wanted = sorted(set(targets))
        if not wanted:
            return book
        stmt = stmt.where(any_of(WatchEvidence.target, wanted, String()))
    if items is not None:
        leaves = sorted(set(items))
        if not leaves:
            return book
        stmt = stmt.where(any_of(WatchEvidence.item_upstream_id, leaves, String()))
    for row in await session.execute(stmt):
        book.evidence[(row.item_upstream_id, row.user_upstream_id)] = row
    return book
