"""The watch-based schedule: what every assigned person has watched goes in the deletion queue.

After every sync, and after the owner changes assignments (one job per account, coalesced), for each
server: every assigned movie and every present episode of every assigned show (or, with
``DeletionSettings.whole_seasons``, every season of them) is judged by the watch rule
(``deletions.watched``). An item that qualifies and is not in the queue yet is queued (``reason
watched``, ``origin schedule``) to go after the delay (the library's own, else the account's, else
24 h), with each person's evidence; a row the schedule queued that no longer qualifies (someone newly
assigned has not watched it, nobody is assigned any more, an answer became unknown, it was protected,
its file was replaced, it is gone) and is still only ``scheduled`` is cancelled with the reason.

**Frozen**: the schedule decides nothing (queues nothing, cancels nothing) while the account's data
may not feed deletions (``sync.freshness.data_may_feed_deletions``: a sync running, the latest one not
complete, its derived data stale), and for a server whose part of the latest sync was not complete, or
whose deletions a mass vanish froze (``sync.vanish``: until a full sync reads it completely).
``freeze_reasons`` says why, for the status endpoint.
Running it twice on the same data changes nothing.

**How**: one statement per server (``SCHEDULE_SQL``) works the rule out in the database for every
item, queues the movies and episodes that qualify and are not queued yet (each with its title, its
fingerprint and each person's evidence as ``watched.judge`` words them, and its ``queued`` audit
event), and returns what else may change: the schedule's rows that may no longer qualify and, in
whole-season mode, the seasons that may. Those alone are read into Python and judged by
``watched.judge``, which decides and gives the reasons; they are cancelled or queued in one statement
each (``queue.cancel_many``, ``queue.enqueue_many``: compare-and-set, one audit event per row). A
property test holds the statement to ``judge`` on random households, and the deleter asks ``judge``
again right before every delete. A household of 60k items, 20 people and 250k plays is decided in a
fraction of a second when nothing changed (``bench/schedule.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import BigInteger, String, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.sql import matches
from janitor.connections.models import Connection, ConnectionKind
from janitor.core.collector import collector_held
from janitor.core.db import any_of
from janitor.deletions.fingerprint import take_sql, utc_iso_sql, whole_size_sql
from janitor.deletions.models import (
    AuditEvent,
    DeletionReason,
    DeletionSettings,
    LibraryDeletionDelay,
)
from janitor.deletions.queue import (
    ACTIVE_PREDICATE,
    QUEUE_ITEM_COLUMNS,
    QUEUED_EVENTS_SQL,
    QUEUED_RETURNING,
    Cancelling,
    Queueing,
    QueueItem,
    cancel_many,
    display_title_sql,
    enqueue_many,
)
from janitor.deletions.watched import (
    ITEM_COLUMNS,
    PROTECTED,
    WATCH_RULE,
    ItemRow,
    ServerFacts,
    Verdict,
    judge,
    load_facts,
)
from janitor.library.dates import suspect_after
from janitor.library.models import MediaItem
from janitor.library.watch import day_sql
from janitor.people.health import RunRead, watch_problems
from janitor.sync.freshness import data_may_feed_deletions
from janitor.sync.models import SyncRun, SyncStatus
from janitor.sync.vanish import Freeze as Vanish
from janitor.sync.vanish import freezes

log = structlog.get_logger(__name__)

ORIGIN = "schedule"
DEFAULT_DELAY_HOURS = 24
WATCH_KINDS = (ConnectionKind.PLEX, ConnectionKind.JELLYFIN)


@dataclass(frozen=True)
class Freeze:
    """Why the schedule decides nothing for the account (``connection_id`` None) or for one server."""

    connection_id: uuid.UUID | None
    server: str | None
    reason: str


@dataclass
class Outcome:
    queued: int = 0
    cancelled: int = 0
    judged: int = 0
    frozen: list[Freeze] = field(default_factory=list)


async def latest_run(session: AsyncSession, account_id: uuid.UUID) -> SyncRun | None:
    """The account's latest sync run that started and ended."""
    found: SyncRun | None = await session.scalar(
        select(SyncRun)
        .where(SyncRun.account_id == account_id, SyncRun.started_at.is_not(None), SyncRun.finished_at.is_not(None))
        .order_by(SyncRun.created_at.desc())
        .limit(1)
    )
    return found


def run_read(run: SyncRun) -> RunRead | None:
    if run.finished_at is None:
        return None
    return RunRead(id=run.id, finished_at=run.finished_at, sources=dict(run.sources or {}))


async def _account_freeze(session: AsyncSession, account_id: uuid.UUID, run: SyncRun | None) -> str | None:
    if await data_may_feed_deletions(session, account_id):
        return None
    running = await session.scalar(
        select(SyncRun.id).where(SyncRun.account_id == account_id, SyncRun.status == SyncStatus.RUNNING).limit(1)
    )
    if running is not None:
        return "a sync is running: the schedule waits for it to finish"
    if run is None:
        return "no sync has finished yet: there is nothing to decide from"
    if run.status != SyncStatus.COMPLETE:
        return f"the last sync did not complete ({run.status}): the schedule waits for a complete sync"
    return "the report figures of the last sync are out of date: the schedule waits for the next sync to rebuild them"


def _server_freeze(conn: Connection, run: SyncRun, vanished: dict[uuid.UUID, Vanish]) -> str | None:
    if conn.id in vanished:
        return vanished[conn.id].why
    source = (run.sources or {}).get(str(conn.id))
    if not isinstance(source, dict):
        return "the last sync did not read this server: its schedule waits for a complete sync"
    if source.get("status") != "complete":
        why = f" ({source['error']})" if source.get("error") else ""
        return f"the last sync did not read this server completely{why}: its schedule waits for a complete sync"
    return None


async def freeze_reasons(session: AsyncSession, account_id: uuid.UUID) -> list[Freeze]:
    """Why the schedule decides nothing now, for the account or per server (empty: it runs)."""
    run = await latest_run(session, account_id)
    account = await _account_freeze(session, account_id, run)
    if account is not None:
        return [Freeze(None, None, account)]
    assert run is not None
    out: list[Freeze] = []
    vanished = await freezes(session, account_id)
    for conn in await _connections(session, account_id):
        reason = _server_freeze(conn, run, vanished)
        if reason is not None:
            out.append(Freeze(conn.id, conn.name, reason))
    return out


async def _connections(session: AsyncSession, account_id: uuid.UUID) -> list[Connection]:
    return list(
        (
            await session.scalars(
                select(Connection)
                .where(Connection.account_id == account_id, Connection.kind.in_(WATCH_KINDS))
                .order_by(Connection.created_at, Connection.id)
            )
        ).all()
    )


@dataclass(frozen=True)
class Delays:
    account_hours: int
    libraries: dict[uuid.UUID, int]
    whole_seasons: bool

    def due(self, library_id: uuid.UUID, now: datetime) -> datetime:
        return now + timedelta(hours=self.libraries.get(library_id, self.account_hours))


async def _delays(session: AsyncSession, account_id: uuid.UUID) -> Delays:
    settings = await session.get(DeletionSettings, account_id)
    rows = await session.execute(
        select(LibraryDeletionDelay.library_id, LibraryDeletionDelay.delay_hours).where(
            LibraryDeletionDelay.account_id == account_id
        )
    )
    return Delays(
        account_hours=settings.delay_hours if settings is not None else DEFAULT_DELAY_HOURS,
        libraries={library_id: hours for library_id, hours in rows},
        whole_seasons=bool(settings.whole_seasons) if settings is not None else False,
    )


def candidates(facts: ServerFacts, *, whole_seasons: bool) -> list[ItemRow]:
    """What the schedule judges on one server: the assigned movies, and the episodes (or the seasons)
    of the assigned shows, present now."""
    kinds = ("movie", "season") if whole_seasons else ("movie", "episode")
    return [
        item
        for item in facts.items.values()
        if item.kind in kinds and item.target is not None and item.target in facts.assignees
    ]


def mode_mismatch(kind: str, *, whole_seasons: bool) -> str | None:
    """A row queued under the other setting (episodes one by one, or whole seasons) no longer fits."""
    if whole_seasons and kind == "episode":
        return "whole seasons are queued now, not single episodes"
    if not whole_seasons and kind == "season":
        return "episodes are queued one by one now, not whole seasons"
    return None


async def run_schedule(session: AsyncSession, account_id: uuid.UUID, *, now: datetime) -> Outcome:
    """Queue what qualifies and cancel what no longer does (see the module's docstring). Nothing here
    commits; one schedule per account at a time (a transaction-scoped lock)."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('deletion_schedule:' || :a))"), {"a": str(account_id)}
    )
    outcome = Outcome(frozen=await freeze_reasons(session, account_id))
    if any(f.connection_id is None for f in outcome.frozen):
        return outcome
    held = {f.connection_id for f in outcome.frozen}
    delays = await _delays(session, account_id)
    problems = await watch_problems(session, account_id, now=now)
    for conn in await _connections(session, account_id):
        if conn.id in held:
            continue
        with collector_held():  # thousands of items, people and verdicts alive at once
            await _schedule_server(
                session, account_id, conn, now=now, delays=delays, problems=problems, outcome=outcome
            )
    return outcome


# What the rule says of every item the schedule decides on one server, worked out in the database
# (reading every person's evidence into Python costs seconds for a large household): the candidates
# (present movies, and episodes or seasons by ``:kinds``, of assigned movies and shows) and the items
# of the rows the schedule queued (``:origin``, still scheduled).
#
# The rule is ``deletions.watched`` (see its docstring; a season's episodes are its present episodes
# of the same show, as when the deleter asks again), and each account's answer ``library.watch.answer``
# with ``people.watching``'s accounts: a person is "watched" for a movie or an episode when they have
# an account on the server, none of their accounts is troubled (``:troubled``, from ``people.health``)
# or unknown for it, and one of them watched it (``at``: the newest play of their accounts).
# ``tests/deletions/test_schedule_in_sql.py`` holds it to the Python rule on random households.
DECIDE_CTES = f"""
WITH assigned AS NOT MATERIALIZED (
    SELECT a.item_upstream_id AS target, a.person_id
    FROM assignments a JOIN people p ON p.id = a.person_id
    WHERE a.account_id = :a AND a.connection_id = :c AND (a.ends_at IS NULL OR a.ends_at > :now)
),
sizes AS MATERIALIZED (
    SELECT target, count(*) AS n FROM assigned GROUP BY target
),
ours AS MATERIALIZED (
    SELECT q.id, q.item_upstream_id FROM deletion_queue q
    WHERE q.account_id = :a AND q.connection_id = :c AND q.origin = :origin AND q.status = 'scheduled'
),
-- Each assigned person's accounts on the server, per movie or show; a person one of whose accounts
-- cannot be trusted is troubled (everything they are assigned to is unknown for them).
watchers AS (
    SELECT a.target, a.person_id, r.upstream_id AS user_id,
           bool_or(r.upstream_id = ANY(CAST(:troubled AS text[]))) OVER (PARTITION BY a.target, a.person_id)
               AS troubled
    FROM assigned a
    JOIN person_members pm ON pm.person_id = a.person_id AND pm.account_id = :a
    JOIN remote_users r ON r.id = pm.remote_user_id AND r.account_id = :a AND r.connection_id = :c
),
-- Per movie or episode and assigned person, over the evidence rows of the person's accounts: whether
-- one of them watched it (and when last) and whether any answer is unknown (a troubled person never
-- watched anything).
per_person AS (
    SELECT e.item_upstream_id AS leaf, e.target, w.person_id,
           bool_or(NOT w.troubled AND e.played_at IS NOT NULL) AS played,
           max(e.played_at) FILTER (WHERE NOT w.troubled) AS at,
           bool_or(coalesce(coalesce(e.played_at, e.last_any_at) > :suspect OR e.added_at > :suspect, false)
                   OR e.added_at IS NULL OR (e.played_at IS NULL AND e.undated_source IS NOT NULL)) AS unknown
    FROM watch_evidence e
    JOIN watchers w ON w.target = e.target AND w.user_id = e.user_upstream_id
    WHERE e.account_id = :a AND e.connection_id = :c
    GROUP BY e.item_upstream_id, e.target, w.person_id
),
-- Movies and episodes every assigned person watched (none of their answers unknown).
watched AS (
    SELECT s.leaf, s.target
    FROM (SELECT leaf, target, count(*) FILTER (WHERE played AND NOT unknown) AS n
          FROM per_person GROUP BY leaf, target) s
    JOIN sizes z ON z.target = s.target AND z.n = s.n
),
-- Of those, the ones present now, under that movie or show, and not protected.
leaves AS MATERIALIZED (
    SELECT m.upstream_id, m.kind, m.parent_id, w.target
    FROM watched w
    JOIN media_items m ON m.account_id = :a AND m.connection_id = :c AND m.upstream_id = w.leaf
    WHERE NOT m.gone AND m.kind IN ('movie', 'episode')
      AND w.target = CASE m.kind WHEN 'movie' THEN m.upstream_id ELSE m.grandparent_id END
      AND NOT {{protected_m}}
),
-- What qualifies, of the kinds queued now: movies, and episodes or (:seasons) the seasons, not
-- protected, whose present episodes of the same show all qualify.
qualified AS MATERIALIZED (
    SELECT upstream_id, target, false AS season FROM leaves WHERE kind = 'movie' OR NOT :seasons
    UNION ALL
    SELECT p.upstream_id, p.parent_id, true
    FROM media_items p
    JOIN media_items e ON e.account_id = :a AND e.connection_id = :c AND e.kind = 'episode' AND NOT e.gone
                      AND e.parent_id = p.upstream_id AND e.grandparent_id = p.parent_id
    LEFT JOIN leaves l ON l.upstream_id = e.upstream_id
    WHERE :seasons AND p.account_id = :a AND p.connection_id = :c AND p.kind = 'season' AND NOT p.gone
      AND NOT {{protected_p}}
    GROUP BY p.upstream_id, p.parent_id
    HAVING bool_and(l.upstream_id IS NOT NULL)
),
-- The candidates that qualify and have no active whole-item row yet.
fresh AS MATERIALIZED (
    SELECT k.upstream_id, k.target, k.season FROM qualified k
    WHERE NOT EXISTS (
        SELECT 1 FROM deletion_queue b
        WHERE b.connection_id = :c AND b.item_upstream_id = k.upstream_id AND b.media_id = '' AND b.{ACTIVE_PREDICATE}
    )
)"""  # noqa: S608 (statuses and list names come from code; values are bound)

# The rows of the statement (``row_id, upstream_id, target, n``): the schedule's rows whose item is not
# there, is of the other kind (``:kinds``) or does not qualify; the fresh candidates ``{fresh}``; one row
# with the number of candidates (``n``).
DECIDE_ROWS = """
SELECT q.id AS row_id, q.item_upstream_id AS upstream_id, NULL AS target, NULL::bigint AS n
FROM ours q WHERE NOT EXISTS (SELECT 1 FROM qualified k WHERE k.upstream_id = q.item_upstream_id)
UNION ALL
SELECT NULL, x.upstream_id, x.target, NULL FROM fresh x WHERE {fresh}
UNION ALL
SELECT NULL, NULL, NULL, count(*) FROM media_items m
WHERE m.account_id = :a AND m.connection_id = :c AND NOT m.gone AND m.kind = ANY(CAST(:kinds AS text[]))
  AND CASE m.kind WHEN 'movie' THEN m.upstream_id WHEN 'episode' THEN m.grandparent_id ELSE m.parent_id END
      IN (SELECT target FROM sizes)
"""

# What may change on one server, to be judged in Python: every fresh candidate.
DECIDE_SQL = DECIDE_CTES + DECIDE_ROWS.format(fresh="true")

# ``DECIDE_SQL`` that also queues the fresh movies and episodes in the same statement, as
# ``queue.enqueue_many`` would after ``watched.judge`` (one audit event each; a target that has an
# active row by then is left alone): each with its title, its fingerprint, due after its library's
# delay (``:delay_libraries``/``:delay_hours``, else ``:hours``), and each assigned person's evidence as
# ``judge`` words it (for a movie or an episode that qualifies, every assignee watched it: their newest
# play). Only the fresh seasons are left to Python (their evidence is per episode); the last row counts
# the rows queued (``n``, with ``upstream_id`` 'queued'). For a first schedule of thousands of items this
# saves reading each one, and each person's every play, into Python. A test holds the rows it writes to
# what ``judge``, ``fingerprint.take`` and ``display_title`` say.
SCHEDULE_SQL = (
    DECIDE_CTES  # noqa: S608 (statuses and list names come from code; values are bound)
    + f""",
evidence AS (
    SELECT pp.leaf,
           jsonb_agg(jsonb_build_object('person_id', p.id::text, 'name', p.name, 'state', 'watched',
                                        'at', {utc_iso_sql("pp.at")}, 'why', 'watched ' || {day_sql("pp.at")})
                     ORDER BY p.name, p.id) AS people,
           string_agg(p.name || ' (' || {day_sql("pp.at")} || ')', ', ' ORDER BY p.name, p.id) AS why
    FROM fresh x
    JOIN per_person pp ON pp.leaf = x.upstream_id AND pp.target = x.target
    JOIN people p ON p.id = pp.person_id
    WHERE NOT x.season
    GROUP BY pp.leaf
),
delays AS (
    SELECT * FROM unnest(CAST(:delay_libraries AS uuid[]), CAST(:delay_hours AS int[])) AS d(library_id, hours)
),
added AS (
    INSERT INTO deletion_queue (id, account_id, connection_id, library_id, item_upstream_id, media_id, kind, title,
                                reason, origin, details, fingerprint, size_bytes, due_at, status)
    SELECT gen_random_uuid(), :a, :c, m.library_id, m.upstream_id, '', m.kind, {display_title_sql("m")}, :reason,
           :origin, jsonb_build_object('rule', CAST(:rule AS text), 'why', CAST(:rule AS text) || ': ' || ev.why,
                              'people', ev.people),
           {take_sql("m", "CAST(:server_id AS text)")}, {whole_size_sql("m")},
           :now + make_interval(hours => coalesce(d.hours, :hours)),
           'scheduled'
    FROM fresh x
    JOIN evidence ev ON ev.leaf = x.upstream_id
    JOIN media_items m ON m.account_id = :a AND m.connection_id = :c AND m.upstream_id = x.upstream_id
                      AND NOT m.gone AND m.kind IN ('movie', 'episode')
    LEFT JOIN delays d ON d.library_id = m.library_id
    WHERE NOT x.season
    ON CONFLICT (connection_id, item_upstream_id, media_id) WHERE {ACTIVE_PREDICATE} DO NOTHING
    RETURNING {QUEUED_RETURNING}
),
events AS (
{QUEUED_EVENTS_SQL}
)"""  # noqa: S608 (statuses and list names come from code; values are bound)
    + DECIDE_ROWS.format(fresh="x.season")
    + "UNION ALL\nSELECT NULL, 'queued', NULL, count(*) FROM events\n"
)


@dataclass(frozen=True)
class _Queueing:
    """What ``SCHEDULE_SQL`` needs to queue on one server."""

    connection: Connection
    delays: Delays


@dataclass
class _Decide:
    """What the database found may change on one server (``DECIDE_SQL``), and what it queued (``SCHEDULE_SQL``)."""

    # The schedule's rows to look at again: (row id, item).
    recheck: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    # Candidates to judge in Python before they are queued: item -> its movie or show.
    fresh: dict[str, str | None] = field(default_factory=dict)
    candidates: int = 0
    queued: int = 0


async def _decide(
    session: AsyncSession,
    account_id: uuid.UUID,
    conn: Connection,
    *,
    now: datetime,
    whole_seasons: bool,
    problems: dict[tuple[uuid.UUID, str], str],
    queueing: _Queueing | None = None,
) -> _Decide:
    """``DECIDE_SQL``; with ``queueing``, ``SCHEDULE_SQL`` (the fresh movies and episodes are queued)."""
    protected = {
        "protected_m": matches(PROTECTED, "m", also_parent=True),
        "protected_p": matches(PROTECTED, "p", also_parent=True),
    }
    # Hash joins whatever the statistics say: the queue's rows are often newer than its statistics
    # (a first schedule queues thousands), and a nested loop over them took 20 s instead of 0.2 s. The
    # allowlist's subqueries make the plan's cost look huge: compiling it (JIT) would take seconds for a
    # query that runs in a fraction of one. Each person's answers for 250k plays are sorted and hashed
    # in memory (with the default 4 MB they spill to disk).
    await session.execute(text("SET LOCAL enable_nestloop = off"))
    await session.execute(text("SET LOCAL jit = off"))
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    params: dict[str, Any] = {
        "a": account_id,
        "c": conn.id,
        "now": now,
        "suspect": suspect_after(now),
        "origin": ORIGIN,
        "kinds": ["movie", "season" if whole_seasons else "episode"],
        "seasons": whole_seasons,
        "troubled": sorted(user for (cid, user) in problems if cid == conn.id),
    }
    sql = DECIDE_SQL
    if queueing is not None:
        sql = SCHEDULE_SQL
        delays = queueing.delays
        params |= {
            "rule": WATCH_RULE,
            "reason": DeletionReason.WATCHED.value,
            "server_id": queueing.connection.server_id or "",
            "server": queueing.connection.name,
            "event": AuditEvent.QUEUED.value,
            "hours": delays.account_hours,
            "delay_libraries": list(delays.libraries),
            "delay_hours": list(delays.libraries.values()),
        }
    rows = await session.execute(text(sql.format(**protected)), params)
    out = _Decide()
    for row_id, upstream_id, target, n in rows:
        if n is not None:
            if upstream_id == "queued":
                out.queued = int(n)
            else:
                out.candidates = int(n)
        elif row_id is not None:
            out.recheck.append((row_id, upstream_id))
        else:
            out.fresh[upstream_id] = target
    await session.execute(text("SET LOCAL enable_nestloop TO DEFAULT"))
    await session.execute(text("SET LOCAL jit TO DEFAULT"))
    await session.execute(text("SET LOCAL work_mem TO DEFAULT"))
    return out


async def _schedule_server(
    session: AsyncSession,
    account_id: uuid.UUID,
    conn: Connection,
    *,
    now: datetime,
    delays: Delays,
    problems: dict[tuple[uuid.UUID, str], str],
    outcome: Outcome,
) -> None:
    decide = await _decide(
        session,
        account_id,
        conn,
        now=now,
        whole_seasons=delays.whole_seasons,
        problems=problems,
        queueing=_Queueing(conn, delays),
    )
    outcome.judged += decide.candidates
    outcome.queued += decide.queued
    if not decide.recheck and not decide.fresh:
        return
    # The rows that may be cancelled, and the seasons that may be queued, are read into Python and
    # judged there (``judge`` decides, with its reasons).
    row_items = await _items(session, account_id, conn.id, [upstream_id for _, upstream_id in decide.recheck])
    targets = {t for found in row_items.values() if (t := found.target) is not None}
    targets |= {t for t in decide.fresh.values() if t is not None}
    facts = await load_facts(
        session,
        account_id,
        connection=conn,
        now=now,
        targets=targets,
        problems=problems,
        items=[*row_items, *decide.fresh],
    )
    for found in row_items.values():
        facts.items.setdefault(found.upstream_id, found)

    cancelling: list[Cancelling] = []
    for row_id, upstream_id in decide.recheck:
        item = facts.items.get(upstream_id)
        if item is None:
            reason = "it is no longer on the server"
            verdict = Verdict(False, reason)
        else:
            reason = mode_mismatch(item.kind, whole_seasons=delays.whole_seasons) or ""
            verdict = judge(facts, item, now=now)
            if not reason and verdict.qualifies is True:
                continue
            reason = reason or (
                f"no longer qualifies: {verdict.why}" if verdict.qualifies is False else f"unknown now: {verdict.why}"
            )
        cancelling.append(Cancelling(row_id, reason, verdict.details()))
    outcome.cancelled += len(await cancel_many(session, account_id, cancelling, server_name=conn.name))

    queue: list[tuple[ItemRow, Verdict]] = []
    for upstream_id in decide.fresh:
        item = facts.items.get(upstream_id)
        if item is None:
            continue
        verdict = judge(facts, item, now=now)
        if verdict.qualifies is True:
            queue.append((item, verdict))
    if len(queue) < len(decide.fresh):
        log.warning(
            "deletion_schedule_second_look", connection_id=str(conn.id), looked=len(decide.fresh), kept=len(queue)
        )
    if not queue:
        return
    synced = await session.execute(
        select(*QUEUE_ITEM_COLUMNS).where(
            MediaItem.account_id == account_id,
            MediaItem.connection_id == conn.id,
            any_of(MediaItem.id, [item.id for item, _ in queue], BigInteger()),
        )
    )
    by_id = {r.id: QueueItem(*r) for r in synced}
    queueings = [
        Queueing(media, delays.due(item.library_id, now), verdict.details())
        for item, verdict in queue
        if (media := by_id.get(item.id)) is not None
    ]
    queued = await enqueue_many(
        session, connection=conn, queueings=queueings, reason=DeletionReason.WATCHED, origin=ORIGIN
    )
    outcome.queued += len(queued)


async def _items(
    session: AsyncSession, account_id: uuid.UUID, connection_id: uuid.UUID, upstream_ids: list[str]
) -> dict[str, ItemRow]:
    if not upstream_ids:
        return {}
    rows = await session.execute(
        select(*ITEM_COLUMNS).where(
            MediaItem.account_id == account_id,
            MediaItem.connection_id == connection_id,
            any_of(MediaItem.upstream_id, upstream_ids, String()),
            MediaItem.gone.is_(False),
        )
    )
    return {r.upstream_id: ItemRow(*r) for r in rows}


def describe(outcome: Outcome) -> dict[str, Any]:
    return {
        "queued": outcome.queued,
        "cancelled": outcome.cancelled,
        "judged": outcome.judged,
        "frozen": [f.reason if f.server is None else f"{f.server}: {f.reason}" for f in outcome.frozen],
    }
