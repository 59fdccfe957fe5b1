"""The schedule asks the database which items may change (``schedule.DECIDE_SQL``) and judges only those
in Python. Property: on any world (people with zero, one or two accounts, troubled accounts, ended and
future-ending assignments, protected items, shows and seasons, gone items, any watch evidence, rows
already queued by the schedule or by the owner, either queueing mode), the database selects exactly
what the Python rule (``watched.judge`` over everything, as the schedule judged before) would queue or
cancel, and reading only those items (``load_facts(items=...)``) judges each of them exactly as
reading everything does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.allowlists.models import AllowlistEntry
from janitor.connections.models import Connection, Library
from janitor.core.deps import AppContext
from janitor.deletions import fingerprint, schedule
from janitor.deletions.models import (
    DeletionEvent,
    DeletionSettings,
    DeletionStatus,
    LibraryDeletionDelay,
    QueuedDeletion,
)
from janitor.deletions.queue import display_title
from janitor.deletions.watched import ServerFacts, judge, load_facts
from janitor.library.models import MediaItem, RemoteUser, WatchEvidence
from janitor.people.health import watch_problems
from janitor.people.models import Assignment, Person, PersonMember
from janitor.sync.models import SyncRun, SyncStatus

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
ADDED = NOW - timedelta(days=30)
DATES: dict[str, datetime | None] = {
    "none": None,
    "before": NOW - timedelta(days=40),  # before the file was added
    "after": NOW - timedelta(days=10, microseconds=-123456),  # microseconds: written as ISO 8601 with them
    "skew": NOW + timedelta(hours=12),  # ahead of the clock, within the tolerance
    "future": NOW + timedelta(days=5),  # suspect
}
MOVIES = ["m1", "m2", "m3"]
# Two shows: s1 with seasons s1.1 (e1, e2) and s1.2 (e3); s2 with season s2.1 (e4).
EPISODES = {
    "e1": ("s1", "s1.1", 1, 1),
    "e2": ("s1", "s1.1", 1, 2),
    "e3": ("s1", "s1.2", 2, 1),
    "e4": ("s2", "s2.1", 1, 1),
}
SEASONS = {"s1.1": ("s1", 1), "s1.2": ("s1", 2), "s2.1": ("s2", 1)}
SHOWS = ["s1", "s2"]
PEOPLE = ["ann", "bob", "cid"]
LEAVES = MOVIES + list(EPISODES)
ITEMS = MOVIES + SHOWS + list(SEASONS) + list(EPISODES)
QUEUEABLE = MOVIES + list(SEASONS) + list(EPISODES)

WATCHED = {"added": "added", "played": "after", "last_any": "after", "undated": None}
evidence_rows = st.fixed_dictionaries(
    {
        "added": st.sampled_from(["added", "none", "future"]),
        "played": st.sampled_from(["none", "after", "skew", "future"]),
        "last_any": st.sampled_from(["none", "before", "after", "future"]),
        "undated": st.sampled_from([None, "plex", "jellyfin"]),
    }
)
# Mostly watched, so that many items are one detail away from qualifying.
evidence = st.one_of(st.just(WATCHED), st.just(WATCHED), st.just(WATCHED), st.none(), evidence_rows)
KEYS = [(leaf, person, number) for leaf in LEAVES for person in PEOPLE for number in (0, 1)]
worlds = st.fixed_dictionaries(
    {
        "gone": st.sets(st.sampled_from(ITEMS), max_size=2),
        # per person: how many accounts on the server (0-2), and whether one of them is troubled
        "accounts": st.fixed_dictionaries({p: st.sampled_from([1, 1, 2, 0]) for p in PEOPLE}),
        "troubled": st.sets(st.sampled_from(PEOPLE), max_size=1),
        "assigned": st.fixed_dictionaries(
            {
                t: st.dictionaries(st.sampled_from(PEOPLE), st.sampled_from(["on", "on", "ended", "ends_later"]))
                for t in MOVIES + SHOWS
            }
        ),
        # per (leaf, person, account number): an evidence row, or none
        "evidence": st.fixed_dictionaries(dict.fromkeys(KEYS, evidence)),
        "protected": st.sets(st.sampled_from(ITEMS), max_size=2),
        "protected_by_guid": st.booleans(),
        # rows already in the queue: the schedule's own (scheduled or cancelled), or the owner's
        "queued": st.dictionaries(
            st.sampled_from(QUEUEABLE), st.sampled_from(["ours", "ours", "ours_cancelled", "owner"]), max_size=6
        ),
        "whole_seasons": st.booleans(),
        "library_delay": st.booleans(),
    }
)


def world(**changes: Any) -> dict[str, Any]:
    """A drawn world by hand: everyone assigned to everything and watched it, then ``changes``."""
    return {
        "gone": set(),
        "accounts": dict.fromkeys(PEOPLE, 1),
        "troubled": set(),
        "assigned": {t: dict.fromkeys(PEOPLE, "on") for t in MOVIES + SHOWS},
        "evidence": dict.fromkeys(KEYS, WATCHED),
        "protected": set(),
        "protected_by_guid": False,
        "queued": {},
        "whole_seasons": False,
    } | changes


# Two accounts: one watched, the other says played without a date (unknown wins).
UNDATED_ON_A_SECOND_ACCOUNT = world(
    accounts={"ann": 2, "bob": 1, "cid": 1},
    evidence=dict.fromkeys(KEYS, WATCHED) | {("m1", "ann", 1): {**WATCHED, "played": "none", "undated": "plex"}},
    queued={"m2": "ours"},
)
# A season protected on its own, every episode of it watched, seasons queued whole.
PROTECTED_SEASON = world(protected={"s1.1"}, whole_seasons=True, queued={"s1.2": "ours", "e4": "ours"})
# A play ahead of the clock within the tolerance counts; days ahead, it is unknown; so is a file added
# in the future.
SKEWED_AND_FUTURE = world(
    evidence=dict.fromkeys(KEYS, WATCHED)
    | {
        ("m1", "bob", 0): {**WATCHED, "played": "skew"},
        ("e1", "cid", 0): {**WATCHED, "played": "future"},
        ("m2", "ann", 0): {**WATCHED, "added": "future"},
    },
)


# Titles, years and files of every shape the sync writes (what a queued row's title and fingerprint
# are taken from): no year, a year, an episode without a title, files of several parts with numeric
# ids and a missing path, no file listed (the item's size counts), a size written as text.
TITLES = {"e2": "", "m3": "Zero"}
YEARS = {"m2": 1999, "m3": 0}
PARTS: dict[str, list[dict[str, Any]]] = {
    "m2": [{"part_id": 7, "file": "/a/m2.cd1.avi", "size": 700}, {"part_id": 8, "size": 701.0}],
    "m3": [],
    "e3": [{"part_id": "p3", "file": "/tv/e3.mkv", "size": "1234"}],
}


@dataclass
class Planted:
    account_id: uuid.UUID
    connection: Connection


def _kind(label: str) -> str:
    if label in MOVIES:
        return "movie"
    if label in SHOWS:
        return "show"
    return "season" if label in SEASONS else "episode"


def _target(label: str) -> str:
    if label in EPISODES:
        return EPISODES[label][0]
    return label


async def plant(session: AsyncSession, drawn: dict[str, Any]) -> Planted:
    account = Account(id=uuid.uuid4(), email=f"{uuid.uuid4()}@example.com", password_hash="x")
    session.add(account)
    await session.flush()
    conn = Connection(
        id=uuid.uuid4(),
        account_id=account.id,
        kind="plex",
        name="Home",
        base_url="http://plex.invalid",
        server_id="machine",
        token_ciphertext="x",
        options={},
        status="ok",
    )
    session.add(conn)
    await session.flush()
    library = Library(
        id=uuid.uuid4(), account_id=account.id, connection_id=conn.id, upstream_key="1", title="All", kind="movie"
    )
    session.add(library)
    await session.flush()
    if drawn.get("library_delay"):
        session.add(
            LibraryDeletionDelay(account_id=account.id, connection_id=conn.id, library_id=library.id, delay_hours=6)
        )
    for n, label in enumerate(ITEMS):
        kind = _kind(label)
        parent = EPISODES[label][1] if kind == "episode" else SEASONS[label][0] if kind == "season" else None
        session.add(
            MediaItem(
                account_id=account.id,
                connection_id=conn.id,
                library_id=library.id,
                upstream_id=label,
                kind=kind,
                title=TITLES.get(label, label.upper()),
                year=YEARS.get(label),
                parent_id=parent,
                grandparent_id=EPISODES[label][0] if kind == "episode" else None,
                grandparent_title=EPISODES[label][0].upper() if kind == "episode" and label != "e4" else None,
                parent_index=EPISODES[label][2] if kind == "episode" else None,
                index=EPISODES[label][3] if kind == "episode" else SEASONS[label][1] if kind == "season" else None,
                added_at=ADDED,
                size_bytes=1000 + n,
                guids={"tmdb": str(100 + n)},
                parts=PARTS.get(label, [{"part_id": str(n), "file": f"/data/{label}.mkv", "size": 1000 + n}]),
                gone=label in drawn["gone"],
            )
        )
    for person in PEOPLE:
        row = Person(id=uuid.uuid4(), account_id=account.id, name=person)
        session.add(row)
        await session.flush()
        for number in range(drawn["accounts"][person]):
            user = RemoteUser(
                id=uuid.uuid4(),
                account_id=account.id,
                connection_id=conn.id,
                upstream_id=f"{person}{number}",
                name=f"{person}{number}",
                role="friend",
                watch_problem="their history shrank" if person in drawn["troubled"] and number == 0 else None,
            )
            session.add(user)
            await session.flush()
            session.add(PersonMember(remote_user_id=user.id, person_id=row.id, account_id=account.id))
        for target, assigned in drawn["assigned"].items():
            state = assigned.get(person)
            if state is None:
                continue
            ends = {"on": None, "ended": NOW - timedelta(hours=1), "ends_later": NOW + timedelta(days=1)}[state]
            session.add(
                Assignment(
                    account_id=account.id,
                    person_id=row.id,
                    connection_id=conn.id,
                    item_upstream_id=target,
                    kind=_kind(target),
                    ends_at=ends,
                )
            )
    for (leaf, person, number), ev in drawn["evidence"].items():
        if ev is None or number >= drawn["accounts"][person]:
            continue
        session.add(
            WatchEvidence(
                connection_id=conn.id,
                item_upstream_id=leaf,
                user_upstream_id=f"{person}{number}",
                account_id=account.id,
                target=_target(leaf),
                kind=_kind(leaf),
                added_at={"added": ADDED, "none": None, "future": DATES["future"]}[ev["added"]],
                played_at=DATES[ev["played"]],
                played_source="plex_history" if ev["played"] != "none" else None,
                last_any_at=DATES[ev["last_any"]] or DATES[ev["played"]],
                undated_source=ev["undated"],
            )
        )
    for label in drawn["protected"]:
        session.add(
            AllowlistEntry(
                account_id=account.id, list="protected", connection_id=conn.id, upstream_id=label, title=label
            )
        )
    if drawn["protected_by_guid"]:
        session.add(AllowlistEntry(account_id=account.id, list="protected", guid="tmdb:101", title="m2"))
    for label, how in drawn["queued"].items():
        session.add(
            QueuedDeletion(
                account_id=account.id,
                connection_id=conn.id,
                library_id=library.id,
                item_upstream_id=label,
                kind=_kind(label),
                title=label,
                reason="watched" if how != "owner" else "stale",
                origin="owner" if how == "owner" else schedule.ORIGIN,
                fingerprint={},
                due_at=NOW,
                status=DeletionStatus.CANCELLED if how == "ours_cancelled" else DeletionStatus.SCHEDULED,
            )
        )
    await session.flush()
    return Planted(account.id, conn)


async def judged_in_python(
    session: AsyncSession, planted: Planted, drawn: dict[str, Any], problems: dict[tuple[uuid.UUID, str], str]
) -> tuple[set[str], set[str], int, ServerFacts]:
    """What the schedule decided when it read everything and judged every item in Python: the rows of
    its own to cancel, the candidates to queue, and how many candidates there were."""
    seasons = drawn["whole_seasons"]
    ours = [label for label, how in drawn["queued"].items() if how == "ours"]
    busy = {label for label, how in drawn["queued"].items() if how != "ours_cancelled"}
    row_items = await schedule._items(session, planted.account_id, planted.connection.id, ours)
    extra = {t for found in row_items.values() if (t := found.target) is not None}
    facts = await load_facts(
        session, planted.account_id, connection=planted.connection, now=NOW, problems=problems, also=extra
    )
    for found in row_items.values():
        facts.items.setdefault(found.upstream_id, found)
    cancel = set()
    for label in ours:
        item = facts.items.get(label)
        if (
            item is None
            or schedule.mode_mismatch(item.kind, whole_seasons=seasons)
            or judge(facts, item, now=NOW).qualifies is not True
        ):
            cancel.add(label)
    candidates = schedule.candidates(facts, whole_seasons=seasons)
    queue = {
        c.upstream_id for c in candidates if c.upstream_id not in busy and judge(facts, c, now=NOW).qualifies is True
    }
    return cancel, queue, len(candidates), facts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=worlds)
@example(drawn=UNDATED_ON_A_SECOND_ACCOUNT)
@example(drawn=PROTECTED_SEASON)
@example(drawn=SKEWED_AND_FUTURE)
async def test_the_database_selects_what_the_python_rule_decides(ctx: AppContext, drawn: dict[str, Any]) -> None:
    async with ctx.sessionmaker() as session:
        planted = await plant(session, drawn)
        problems = await watch_problems(session, planted.account_id, now=NOW)
        cancel, queue, count, full = await judged_in_python(session, planted, drawn, problems)

        decided = await schedule._decide(
            session,
            planted.account_id,
            planted.connection,
            now=NOW,
            whole_seasons=drawn["whole_seasons"],
            problems=problems,
        )
        assert {label for _, label in decided.recheck} == cancel
        assert set(decided.fresh) == queue
        assert decided.candidates == count
        assert all(decided.fresh[label] == _target_of(full, label) for label in queue)

        # Reading only some items judges each of them exactly as reading everything does.
        looked = sorted(label for label in {*cancel, *queue, *QUEUEABLE} if label in full.items)
        targets = {t for label in looked if (t := full.items[label].target) is not None}
        narrow = await load_facts(
            session,
            planted.account_id,
            connection=planted.connection,
            now=NOW,
            targets=targets,
            problems=problems,
            items=looked,
        )
        for label in looked:
            assert judge(narrow, narrow.items[label], now=NOW) == judge(full, full.items[label], now=NOW), label
        await session.rollback()


def _target_of(facts: ServerFacts, label: str) -> str | None:
    return facts.items[label].target


async def finished_sync(session: AsyncSession, planted: Planted) -> None:
    """A complete sync of the server with fresh derived data: the schedule may decide."""
    session.add(
        SyncRun(
            account_id=planted.account_id,
            trigger="manual",
            full=True,
            status=SyncStatus.COMPLETE,
            sources={str(planted.connection.id): {"kind": "plex", "name": "Home", "status": "complete"}},
            derived_stale=False,
            started_at=NOW - timedelta(minutes=5),
            finished_at=NOW - timedelta(minutes=1),
        )
    )
    await session.flush()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=worlds)
@example(drawn=world(queued={"m1": "ours", "e1": "owner"}))
async def test_the_schedule_queues_and_cancels_what_the_rule_says_once(ctx: AppContext, drawn: dict[str, Any]) -> None:
    async with ctx.sessionmaker() as session, session.begin():
        planted = await plant(session, drawn)
        await finished_sync(session, planted)
        if drawn["whole_seasons"]:
            session.add(DeletionSettings(account_id=planted.account_id, whole_seasons=True))
            await session.flush()
        problems = await watch_problems(session, planted.account_id, now=NOW)
        cancel, queue, count, facts = await judged_in_python(session, planted, drawn, problems)
        items = {
            m.upstream_id: m
            for m in await session.scalars(select(MediaItem).where(MediaItem.account_id == planted.account_id))
        }
        server_id = planted.connection.server_id
    async with ctx.sessionmaker() as session, session.begin():
        first = await schedule.run_schedule(session, planted.account_id, now=NOW)
    assert (first.frozen, first.queued, first.cancelled, first.judged) == ([], len(queue), len(cancel), count)
    async with ctx.sessionmaker() as session, session.begin():
        second = await schedule.run_schedule(session, planted.account_id, now=NOW)
    assert (second.queued, second.cancelled) == (0, 0)
    async with ctx.sessionmaker() as session:
        rows = (
            await session.scalars(select(QueuedDeletion).where(QueuedDeletion.account_id == planted.account_id))
        ).all()
        events = (
            await session.scalars(select(DeletionEvent).where(DeletionEvent.account_id == planted.account_id))
        ).all()
    queued = {r.item_upstream_id for r in rows if r.origin == schedule.ORIGIN and r.reason == "watched" and r.details}
    assert queued == queue
    cancelled = {r.item_upstream_id for r in rows if r.status == DeletionStatus.CANCELLED and r.status_reason}
    assert cancelled == cancel
    # One audit event per row queued and per row cancelled, each carrying each person's evidence.
    assert sorted((e.event, e.item_upstream_id) for e in events) == sorted(
        [("queued", label) for label in queue] + [("cancelled", label) for label in cancel]
    )
    assert all(e.details.get("rule") == "watched by every assigned person" for e in events if e.event == "queued")
    # Each row queued is what ``judge``, ``fingerprint.take`` and ``display_title`` make of its item,
    # due after its library's delay (whether the database wrote it or Python did).
    delay = timedelta(hours=6 if drawn.get("library_delay") else 24)
    by_event = {e.item_upstream_id: e.details for e in events if e.event == "queued"}
    for row in rows:
        if row.item_upstream_id not in queue or row.status != DeletionStatus.SCHEDULED:
            continue
        label = row.item_upstream_id
        item = items[label]
        assert row.details == judge(facts, facts.items[label], now=NOW).details() == by_event[label], label
        assert row.fingerprint == fingerprint.take(item, server_id=server_id), label
        assert row.title == display_title(item), label
        assert (row.size_bytes, row.due_at, row.kind) == (row.fingerprint["size"], NOW + delay, item.kind), label


async def test_a_household_with_thousands_of_assigned_items_is_scheduled(ctx: AppContext) -> None:
    """12,000 assigned movies: the lookups bind arrays (an IN list of one parameter per item passed the
    32,767 parameters a statement takes), and every watched movie is queued once."""
    async with ctx.sessionmaker() as session, session.begin():
        planted = await plant(session, world(assigned={}, evidence={}))
        await finished_sync(session, planted)
        library = await session.scalar(select(Library.id).where(Library.connection_id == planted.connection.id))
        person = await session.scalar(
            select(Person.id).where(Person.account_id == planted.account_id, Person.name == "ann")
        )
        params = {"a": planted.account_id, "c": planted.connection.id, "l": library, "p": person, "added": ADDED}
        await session.execute(
            text(
                "INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, title, added_at, "
                "size_bytes, guids, parts) SELECT :a, :c, :l, 'big' || g, 'movie', 'Big ' || g, :added, g, '{}', "
                "jsonb_build_array(jsonb_build_object('part_id', g::text, 'file', '/big/' || g, 'size', g)) "
                "FROM generate_series(1, 12000) AS g"
            ),
            params,
        )
        await session.execute(
            text(
                "INSERT INTO assignments (id, account_id, person_id, connection_id, item_upstream_id, kind) "
                "SELECT gen_random_uuid(), :a, :p, :c, 'big' || g, 'movie' FROM generate_series(1, 12000) AS g"
            ),
            params,
        )
        # ann (account ann0) watched the even ones after they were added
        await session.execute(
            text(
                "INSERT INTO watch_evidence (connection_id, item_upstream_id, user_upstream_id, account_id, target, "
                "kind, added_at, played_at, played_source, last_any_at) SELECT :c, 'big' || g, 'ann0', :a, 'big' || g, "
                "'movie', :added, :played, 'plex_history', :played FROM generate_series(2, 12000, 2) AS g"
            ),
            params | {"played": DATES["after"]},
        )
    async with ctx.sessionmaker() as session, session.begin():
        first = await schedule.run_schedule(session, planted.account_id, now=NOW)
    assert (first.frozen, first.queued, first.cancelled, first.judged) == ([], 6000, 0, 12000)
    async with ctx.sessionmaker() as session, session.begin():
        # ann drops out of the odd thousands: nothing changes for them (never queued); bob joins the
        # first hundred even ones and has not watched them: those rows are cancelled.
        bob = await session.scalar(
            select(Person.id).where(Person.account_id == planted.account_id, Person.name == "bob")
        )
        await session.execute(
            text(
                "INSERT INTO assignments (id, account_id, person_id, connection_id, item_upstream_id, kind) "
                "SELECT gen_random_uuid(), :a, :p, :c, 'big' || g, 'movie' FROM generate_series(2, 200, 2) AS g"
            ),
            {"a": planted.account_id, "c": planted.connection.id, "p": bob},
        )
        second = await schedule.run_schedule(session, planted.account_id, now=NOW)
    assert (second.queued, second.cancelled) == (0, 100)
    async with ctx.sessionmaker() as session:
        counts = dict(
            (
                await session.execute(
                    select(DeletionEvent.event, func.count())
                    .where(DeletionEvent.account_id == planted.account_id)
                    .group_by(DeletionEvent.event)
                )
            ).all()
        )
    assert counts == {"queued": 6000, "cancelled": 100}
