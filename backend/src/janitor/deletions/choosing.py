"""Rows of the stale, large and language reports the owner chose to delete.

Each item must be a row of that report **now**, judged by the report's own query (so the rule is
the report's: an item watched, protected or replaced since the page was loaded is refused), must
not be on the Protected list, and, for one version (``media_id``), must be a Plex item holding that
version and at least one other. Anything wrong and nothing is queued: the 409 names each item and
why. A stale show is queued as its episodes, each with its own fingerprint, so a file replaced in
one episode is caught for that episode (an episode protected on its own is left out, with why)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, ConnectionKind
from janitor.deletions.errors import NotQueueable
from janitor.deletions.queue import Target
from janitor.deletions.schemas import MAX_QUEUE_ITEMS, QueueItemsIn, QueueMatchingIn, QueueResult
from janitor.deletions.targets import Batch, Planned, TargetRepository, name_of, queue_batch
from janitor.library.models import MediaItem
from janitor.reports.common import PageParams, every_page
from janitor.reports.languages import language_issues
from janitor.reports.large import large_movies
from janitor.reports.matching import BulkReport, matching_rows
from janitor.reports.models import ReportSettings
from janitor.reports.service import ReportSettingsService
from janitor.reports.stale import stale_items
from janitor.sync.freshness import report_freshness

REPORT_NAMES = {"stale": "stale", "large": "large movies", "language": "language issues"}
# The report (its API name) each deletion reason queues from.
REPORT_OF: dict[str, BulkReport] = {"stale": "stale", "large": "large", "language": "languages"}
# Views of a report listed apart from what it judges (never queueable): its filter, the value and why.
NOT_JUDGED = {
    ("evidence", "unknown"): "items whose watch evidence is unknown are never judged stale",
    ("show", "dismissed"): "movies you kept at their size are not in the report",
    ("issue", "untagged"): "untagged streams are not counted as language issues",
    ("issue", "unknown"): "files not analysed yet are not counted as language issues",
}
# Above this many distinct titles, the report is read once whole instead of once per title.
TITLE_QUERIES = 20
# Problems named in one answer (the rest are counted).
NAMED_PROBLEMS = 10

Loader = Callable[[PageParams], Awaitable[tuple[Sequence[BaseModel], int]]]


def _loader(reason: str, session: AsyncSession, account_id: uuid.UUID, settings: ReportSettings) -> Loader:
    now = datetime.now(UTC)
    if reason == "stale":
        return lambda p: stale_items(session, account_id, p, settings=settings, now=now)
    if reason == "large":
        return lambda p: large_movies(session, account_id, p, threshold_gb=settings.large_movie_gb)
    return lambda p: language_issues(session, account_id, p, settings=settings, issue="all")


async def report_rows(load: Loader, items: Sequence[MediaItem]) -> dict[tuple[uuid.UUID, str], Any]:
    """The report's rows now among ``items``, by (server, id). The report is searched by each item's
    title (its own search: a few small queries), or read whole when many titles are asked at once."""
    titles = sorted({i.title for i in items})
    searches = [PageParams(q=t) for t in titles] if len(titles) <= TITLE_QUERIES else [PageParams()]
    wanted = {(i.connection_id, i.upstream_id) for i in items}
    found: dict[tuple[uuid.UUID, str], Any] = {}
    for params in searches:
        async for page in every_page(load, params):
            for row in page:
                key = (getattr(row, "connection_id"), getattr(row, "upstream_id"))  # noqa: B009
                if key in wanted:
                    found[key] = row
    return found


def _version_problem(item: MediaItem, kind: str, media_id: str) -> str | None:
    if kind != ConnectionKind.PLEX:
        return "only Plex deletes one version of an item; queue the whole item instead"
    versions = {str(p.get("media_id") or "") for p in item.parts or []} - {""}
    if media_id not in versions:
        return f"it has no version {media_id}"
    if len(versions) < 2:
        return "that is its only version; queue the whole item instead"
    return None


async def _not_during_first_sync(session: AsyncSession, account_id: uuid.UUID) -> None:
    """The reports list nothing while the first sync runs (sync/freshness.py): nothing is queued from
    half-read libraries either, where an item whose plays are not read yet looks never watched."""
    if (await report_freshness(session, account_id)).first_sync_running:
        raise NotQueueable(
            "Nothing was queued: your first sync is still running, and the reports are built when it has finished."
        )


async def queue_report_items(session: AsyncSession, account_id: uuid.UUID, body: QueueItemsIn) -> QueueResult:
    """Queue the chosen rows of a report (all of them, or none with a 409 naming each problem)."""
    await _not_during_first_sync(session, account_id)
    wanted = list(dict.fromkeys((i.connection_id, i.upstream_id, i.media_id or "") for i in body.items))
    repo = TargetRepository(session, account_id)
    items = await repo.items((c, u) for c, u, _ in wanted)
    connections = await repo.connections(c for c, _, _ in wanted)
    settings = await ReportSettingsService(session, account_id).get()
    rows = await report_rows(_loader(body.reason, session, account_id, settings), list(items.values()))
    protected = await repo.protected(items.values())
    report = REPORT_NAMES[body.reason]
    problems: list[str] = []
    batch = Batch()
    for connection_id, upstream_id, media_id in wanted:
        item = items.get((connection_id, upstream_id))
        connection = connections.get(connection_id)
        if item is None or connection is None:
            problems.append(f"{upstream_id} on server {connection_id}: not in your synced libraries")
            continue
        row = rows.get((connection_id, upstream_id))
        problem = None
        if item.id in protected:
            problem = "it is on your Protected list"
        elif row is None:
            problem = (
                f"it is not in the {report} report now (it may have been watched, protected, replaced or "
                "removed since the report was loaded; reload it)"
            )
        elif media_id:
            problem = _version_problem(item, connection.kind, media_id)
        if problem:
            problems.append(f"{name_of(item, connection)}: {problem}")
            continue
        details = {"report": body.reason, "why": getattr(row, "why", None)}
        if body.note:
            details["note"] = body.note
        if item.kind == "show":
            await _episodes(repo, batch, connection, item, details)
        else:
            batch.planned.append(Planned(connection, Target(item, media_id), details))
    if problems:
        more = len(problems) - NAMED_PROBLEMS
        named = "; ".join(problems[:NAMED_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise NotQueueable(f"Nothing was queued. {named}.")
    return await queue_batch(session, account_id, batch, reason=body.reason, now=datetime.now(UTC))


async def queue_matching(session: AsyncSession, account_id: uuid.UUID, body: QueueMatchingIn) -> QueueResult:
    """Queue every row of the report matching the filter now (report/matching.py: the count the person
    saw, at most ``MAX_QUEUE_ITEMS``). A row on the Protected list is left out, under ``skipped`` with
    why; anything else wrong and nothing is queued."""
    await _not_during_first_sync(session, account_id)
    for (name, value), why in NOT_JUDGED.items():
        if getattr(body.filter, name) == value:
            raise NotQueueable(f"Nothing was queued: {why}, so they cannot be queued for deletion.")
    settings = await ReportSettingsService(session, account_id).get()
    rows = await matching_rows(
        session,
        account_id,
        REPORT_OF[body.reason],
        body.filter,
        expected=body.expected,
        limit=MAX_QUEUE_ITEMS,
        done="queued",
        settings=settings,
        now=datetime.now(UTC),
    )
    repo = TargetRepository(session, account_id)
    keys = [(r.connection_id, r.upstream_id) for r in rows]
    items = await repo.items(keys)
    connections = await repo.connections(c for c, _ in keys)
    protected = await repo.protected(items.values())
    batch = Batch()
    for row, key in zip(rows, keys, strict=True):
        item, connection = items.get(key), connections.get(key[0])
        if item is None or connection is None:  # the report lists only synced items: a sync removed it meanwhile
            raise NotQueueable(f"Nothing was queued. {row.title}: it is no longer in your synced libraries; reload.")
        if item.id in protected:
            batch.skip(item, "it is on your Protected list")
            continue
        details: dict[str, Any] = {"report": body.reason, "why": row.why}
        if body.note:
            details["note"] = body.note
        if item.kind == "show":
            await _episodes(repo, batch, connection, item, details)
        else:
            batch.planned.append(Planned(connection, Target(item), details))
    return await queue_batch(session, account_id, batch, reason=body.reason, now=datetime.now(UTC))


async def _episodes(
    repo: TargetRepository, batch: Batch, connection: Connection, show: MediaItem, details: dict[str, Any]
) -> None:
    """A stale show: every present episode, each its own target; one protected on its own stays."""
    episodes = await repo.episodes(show)
    if not episodes:
        raise NotQueueable(f"Nothing was queued. {name_of(show, connection)}: it has no episodes to delete.")
    protected = await repo.protected(episodes)
    part_of = {"upstream_id": show.upstream_id, "title": show.title}
    for episode in episodes:
        if episode.id in protected:
            batch.skip(episode, "this episode is on your Protected list")
            continue
        why = f"Part of {show.title}, which is stale: {details.get('why')}"
        batch.planned.append(Planned(connection, Target(episode), {**details, "why": why, "show": part_of}))
