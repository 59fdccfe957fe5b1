"""The sync job: one run per tenant, every connection as an independent source."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import structlog
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from janitor.connections.clients.errors import UpstreamAuthError, UpstreamError
from janitor.connections.models import Connection, ConnectionKind, ConnectionStatus, Library
from janitor.core.crypto import CredentialError, TokenCipher
from janitor.core.deps import AppContext
from janitor.jobs.runner import TenantHandler, TenantJob
from janitor.library.models import MediaItem, sync_seen_items
from janitor.sync.base import SourceResult, SyncContext
from janitor.sync.freshness import NOT_REBUILT, REBUILD_FAILED, derived_stale_now
from janitor.sync.gauge import sized
from janitor.sync.jellyfin import sync_jellyfin
from janitor.sync.jellyseerr import sync_jellyseerr
from janitor.sync.models import SyncRun, SyncStatus
from janitor.sync.plex import sync_plex
from janitor.sync.progress import Cancelled, RunEnded, RunProgress, Stop

log = structlog.get_logger(__name__)

# The connection's ``sync_state`` key for the total its last full read counted (sync/gauge.py).
LAST_TOTAL = "last_total"

SYNCERS: dict[str, Callable[[SyncContext], Awaitable[SourceResult]]] = {
    ConnectionKind.PLEX: sync_plex,
    ConnectionKind.JELLYFIN: sync_jellyfin,
    ConnectionKind.JELLYSEERR: sync_jellyseerr,
}


@dataclass
class Claimed:
    """A run the worker took from ``queued`` to ``running``, with what it will read."""

    run_id: uuid.UUID
    full: bool
    connections: Sequence[Connection]
    libraries: Sequence[Library]
    # The derived data was stale after the last run that touched it: this run rebuilds it whatever
    # it changes (so a failed rebuild is retried by the next refresh).
    derived_stale_before: bool


@dataclass
class Derived:
    """Where the run is with the reports' derived data (what an abrupt end records)."""

    stale: bool = True
    error: str | None = NOT_REBUILT


class ReportData(Protocol):
    """What the reports derive from the synced rows (``janitor.reports.precompute.REPORT_DATA``),
    rebuilt at the end of every run. The worker's job registry hands it to ``sync_job``: the sync
    does not import the reports, which read what it writes."""

    # A source that changed this many rows or more is a bulk load: statistics are taken again.
    analyze_after_rows: int

    async def rebuild(
        self, sessionmaker: async_sessionmaker[AsyncSession], account_id: uuid.UUID, *, analyze: bool
    ) -> None: ...

    async def store_summary(
        self, sessionmaker: async_sessionmaker[AsyncSession], account_id: uuid.UUID, *, force: bool
    ) -> None: ...


def sync_job(report_data: ReportData) -> TenantHandler:
    """The ``sync`` job's handler, rebuilding ``report_data`` after every run."""

    async def run_sync(job: TenantJob) -> None:
        await _run_sync(job, report_data)

    return run_sync


async def _run_sync(job: TenantJob, report_data: ReportData) -> None:
    """One run of every connection of the tenant. Every way out ends the run: ``complete``,
    ``partial``, ``failed`` or ``cancelled`` with its reason, written in a transaction of its own
    (never the job's), so the next refresh can start a new run. Only a run that something else
    already ended (the stall watchdog, crash recovery) is left as that left it."""
    claimed = await _claim(job)
    if claimed is None:
        job.log.info("sync_nothing_queued")
        return
    progress = RunProgress(job.app, claimed.run_id, job.account.id)
    derived = Derived()
    try:
        await _run(job, claimed, progress, derived, report_data)
    except RunEnded:
        await progress.drain()
        job.log.warning("sync_ended_elsewhere", run_id=str(claimed.run_id))
    except BaseException as exc:
        # Shielded: a second cancellation (a worker shutting down) must not stop the run's last word.
        await asyncio.shield(_end_abruptly(job, claimed.run_id, progress, derived, exc))
        raise


async def _claim(job: TenantJob) -> Claimed | None:
    account_id = job.account.id
    async with job.app.sessionmaker() as session, session.begin():
        run = await session.scalar(
            update(SyncRun)
            .where(SyncRun.account_id == account_id, SyncRun.status == SyncStatus.QUEUED)
            .values(
                status=SyncStatus.RUNNING,
                started_at=datetime.now(UTC),
                progress_at=func.now(),
                worker_id=job.worker_id,
            )
            .returning(SyncRun)
        )
        if run is None:
            return None
        connections = (
            await session.scalars(
                select(Connection).where(Connection.account_id == account_id).order_by(Connection.created_at)
            )
        ).all()
        libraries = (
            await session.scalars(select(Library).where(Library.account_id == account_id, Library.enabled.is_(True)))
        ).all()
        stale_before = await derived_stale_now(session, account_id)
    await job.app.page_cache.bump_quietly(account_id)
    return Claimed(run.id, run.full, connections, libraries, stale_before)


async def _run(job: TenantJob, run: Claimed, progress: RunProgress, derived: Derived, report_data: ReportData) -> None:
    app, account_id = job.app, job.account.id
    for conn in run.connections:
        last_total = (conn.sync_state or {}).get(LAST_TOTAL)
        progress.add(str(conn.id), conn.kind, conn.name, expected=last_total if isinstance(last_total, int) else None)
    cipher = TokenCipher.from_settings(app.settings)
    results: dict[str, SourceResult] = {}

    async def read_sources() -> None:
        for conn in run.connections:
            libraries = [lib for lib in run.libraries if lib.connection_id == conn.id]
            results[str(conn.id)] = await _sync_source(job, conn, libraries, run.run_id, run.full, progress, cipher)
            await app.page_cache.bump_quietly(account_id)

    try:
        await progress.flush(force=True)
        # A stop asked for while a source waits (on a slow server, a retry's back-off) is honoured
        # within a second, not when its next page arrives.
        await progress.watch(read_sources())
        done = [r.complete for r in results.values()]
        status = SyncStatus.COMPLETE if all(done) else SyncStatus.PARTIAL if any(done) else SyncStatus.FAILED
        phase = "done" if status == SyncStatus.COMPLETE else "finished with problems"
    except Cancelled:
        status, phase = SyncStatus.CANCELLED, "cancelled"
        _settle_sources(progress, "cancelled")
    await progress.drain()
    reasons = [f"{progress.sources[k].name}: {r}" for k, res in results.items() for r in res.reasons]
    # A refresh that wrote nothing leaves fresh derived data as it is. A full pass, and any run after
    # one that left it stale, always rebuilds it (so data left behind by a run that died before this
    # point is rebuilt by the next run). A cancelled run rebuilds it too: what it wrote is in the tables.
    changed = _changed(results, complete=len(results) == len(run.connections) and status != SyncStatus.CANCELLED)
    if not run.full and changed == 0 and not run.derived_stale_before:
        derived.stale, derived.error = False, None
    else:
        # Statistics after a bulk load, and after any first pass: a new account's rows, however few,
        # are not in the statistics yet, and plans estimated without them can be off by thousands.
        bulk = any(
            r.changed is None or r.changed >= report_data.analyze_after_rows or (r.first_pass and r.changed)
            for r in results.values()
        )

        async def rebuild_report_data(maker: async_sessionmaker[AsyncSession], account: uuid.UUID) -> None:
            await report_data.rebuild(maker, account, analyze=bulk)

        progress.phase = "rebuilding report figures"
        if await progress.write() is Stop.ENDED:
            raise RunEnded()
        problem = await _refresh_reports(job, rebuild_report_data)
        derived.stale, derived.error = problem is not None, problem
        if problem:
            reasons.append(problem)
            phase = "finished with problems"
    progress.phase = phase
    ended = await _finish(
        app,
        run.run_id,
        progress,
        status=status,
        error="; ".join(reasons) or None,
        changed=changed,
        derived=derived,
    )
    await app.page_cache.bump_quietly(account_id)
    if not ended:
        raise RunEnded()

    async def store_summary(maker: async_sessionmaker[AsyncSession], account: uuid.UUID) -> None:
        await report_data.store_summary(maker, account, force=run.full)

    # The dashboard checks its stored figures against their inputs on every read (reports/dashboard.py):
    # figures that could not be stored here are computed when it opens, never shown stale.
    if await _refresh_reports(job, store_summary):
        await _add_error(app, run.run_id, "the dashboard figures could not be stored; the dashboard computes them")
    await app.page_cache.bump_quietly(account_id)
    await progress.publish(status=status.value, finished=True)
    job.log.info(
        "sync_finished",
        run_id=str(run.run_id),
        status=status.value,
        items=progress.items,
        requests=progress.requests,
        derived_stale=derived.stale,
    )


def _settle_sources(progress: RunProgress, status: str) -> None:
    for source in progress.sources.values():
        if source.status in ("pending", "running"):
            source.status = status


async def _finish(
    app: AppContext,
    run_id: uuid.UUID,
    progress: RunProgress,
    *,
    status: SyncStatus,
    error: str | None,
    changed: int | None,
    derived: Derived,
) -> bool:
    """Write the run's end, in a transaction of its own, if it is still ``running`` (compare-and-set:
    a run the watchdog or crash recovery ended keeps their word). True when it was written."""
    async with app.sessionmaker() as session, session.begin():
        written = await session.scalar(
            update(SyncRun)
            .where(SyncRun.id == run_id, SyncRun.status == SyncStatus.RUNNING)
            .values(
                status=status,
                phase=progress.phase,
                sources=progress.snapshot(),
                percent=progress.percent,
                items=progress.items,
                upstream_requests=progress.requests,
                changed=changed,
                finished_at=datetime.now(UTC),
                progress_at=func.now(),
                error=error[:4000] if error else None,
                derived_stale=derived.stale,
                derived_error=derived.error,
            )
            .returning(SyncRun.id)
        )
    return written is not None


async def _add_error(app: AppContext, run_id: uuid.UUID, reason: str) -> None:
    async with app.sessionmaker() as session, session.begin():
        await session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(error=func.left(func.concat_ws("; ", SyncRun.error, reason), 4000))
        )


async def _end_abruptly(
    job: TenantJob, run_id: uuid.UUID, progress: RunProgress, derived: Derived, exc: BaseException
) -> None:
    """The run was stopped by an exception nothing above handled: the job's time limit or a worker
    shutting down (a cancellation), a database error, a bug. It ends ``failed`` with the reason."""
    limit = job.app.settings.worker_job_timeout_seconds
    if isinstance(exc, asyncio.CancelledError):
        if time.monotonic() - job.started >= limit - 1:
            reason = f"it ran longer than the {_duration(limit)} a background job may take, and was stopped"
        else:
            reason = "the worker running it was stopped (shut down or restarted)"
        job.log.warning("sync_stopped", run_id=str(run_id), reason=reason)
    else:
        reason = f"an unexpected error stopped it ({type(exc).__name__}; the details are in the worker's log)"
        job.log.error("sync_crashed", run_id=str(run_id), exc_info=exc)
    try:
        await progress.drain()
        progress.phase = "stopped"
        _settle_sources(progress, "failed")
        error = f"The sync stopped: {reason}. What it read is kept; nothing it left unfinished was marked missing."
        await _finish(job.app, run_id, progress, status=SyncStatus.FAILED, error=error, changed=None, derived=derived)
        await job.app.page_cache.bump_quietly(job.account.id)
        await progress.publish(status=SyncStatus.FAILED.value, finished=True)
    except Exception:
        # The database itself may be what failed: the stall watchdog ends the run later.
        job.log.exception("sync_end_not_recorded", run_id=str(run_id))


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _changed(results: dict[str, SourceResult], *, complete: bool) -> int | None:
    """Rows the run changed, or None when that is not known (a source failed early, a cancel)."""
    if not complete or any(r.changed is None for r in results.values()):
        return None
    return sum(r.changed or 0 for r in results.values())


async def _refresh_reports(
    job: TenantJob, refresh: Callable[[async_sessionmaker[AsyncSession], uuid.UUID], Awaitable[None]]
) -> str | None:
    """The reports' derived data (reports.precompute); a failure is the run's to report, never fatal."""
    started = time.perf_counter()
    try:
        await refresh(job.app.sessionmaker, job.account.id)
    except Exception:
        job.log.exception("report_refresh_failed", step=refresh.__name__)
        return REBUILD_FAILED
    job.log.info("report_refresh", step=refresh.__name__, seconds=round(time.perf_counter() - started, 3))
    return None


async def _sync_source(
    job: TenantJob,
    conn: Connection,
    libraries: list[Library],
    run_id: uuid.UUID,
    full: bool,
    progress: RunProgress,
    cipher: TokenCipher,
) -> SourceResult:
    started = datetime.now(UTC)
    source = progress.sources[str(conn.id)]
    source.status, source.phase = "running", "connecting"
    await progress.flush(force=True)
    state = conn.sync_state or {}
    last_full = state.get("last_full_started")
    # A full pass (which alone may mark items missing) when asked for, or when the last one is too old.
    full = (
        full
        or not isinstance(last_full, int | float)
        or (started.timestamp() - last_full > job.app.settings.full_sync_interval_hours * 3600)
    )
    # What a killed worker's pass recorded as seen is no use to anyone (one run per tenant at a time).
    await _forget_seen(job, conn.id, other_than=run_id)
    try:
        secret = cipher.decrypt(conn.token_ciphertext, account_id=conn.account_id, connection_id=conn.id)
        ctx = SyncContext(
            app=job.app,
            account_id=conn.account_id,
            connection=conn,
            libraries=libraries,
            run_id=run_id,
            secret=secret,
            progress=progress,
            source=source,
            full=full,
            page_size=job.app.settings.sync_page_size,
            concurrency=job.app.settings.sync_concurrency,
            detail_batch=job.app.settings.sync_detail_batch,
            # Also on a refresh: a library switched on since the last pass is read in full by it.
            fresh_libraries=await _fresh_libraries(job, libraries),
        )
        result = await SYNCERS[conn.kind](ctx)
        result.changed = ctx.changed
        result.first_pass = bool(ctx.fresh_libraries)
    except (Cancelled, RunEnded):
        raise
    except CredentialError:
        result = SourceResult(False, ["the stored token can no longer be read; enter it again"])
    except UpstreamAuthError:
        result = SourceResult(False, ["the server rejected the token; update it on the Connections page"])
        await _mark_connection(job, conn.id, "The server rejected the token during the last sync.")
    except UpstreamError as exc:
        result = SourceResult(False, [exc.message])
    except Exception as exc:
        # Not the server's doing (a database error, a bug): this source stops, the others still run.
        # A connection deleted meanwhile asked the run to stop first: that is a cancel, not a failure.
        await progress.checkpoint()
        job.log.error("sync_source_crashed", connection_id=str(conn.id), exc_info=exc)
        result = SourceResult(
            False, [f"stopped by an unexpected error ({type(exc).__name__}; the details are in the worker's log)"]
        )
    finally:
        await _forget_seen(job, conn.id, run=run_id)
    source.status = "complete" if result.complete else "failed" if source.items == 0 else "partial"
    source.phase = "done" if result.complete else "stopped"
    source.error = "; ".join(result.reasons) or None
    if result.complete:
        conn.sync_state = {
            **(conn.sync_state or {}),
            "last_complete_started": int(started.timestamp()),
            **({"last_full_started": int(started.timestamp())} if full else {}),
            # What the next run's progress weighs this source by until it has counted its own.
            **({LAST_TOTAL: source.total} if sized(source) and source.total is not None else {}),
        }
    async with job.app.sessionmaker() as session, session.begin():
        values: dict[str, object] = {"sync_state": conn.sync_state}
        if result.complete:
            values.update(status=ConnectionStatus.OK, last_error=None, last_checked_at=datetime.now(UTC))
        await session.execute(update(Connection).where(Connection.id == conn.id).values(**values))
        # What the Libraries page shows: items (movies, episodes, tracks) now held per library.
        await session.execute(
            update(Library)
            .where(Library.connection_id == conn.id)
            .values(
                item_count=select(func.count(MediaItem.id))
                .where(
                    MediaItem.library_id == Library.id,
                    MediaItem.kind.in_(("movie", "episode", "track")),
                    MediaItem.gone.is_(False),
                )
                .scalar_subquery()
            )
        )
        if result.complete:
            await session.execute(
                update(Library)
                .where(Library.connection_id == conn.id, Library.id.in_([lib.id for lib in libraries]))
                .values(last_synced_at=datetime.now(UTC))
            )
    await progress.flush(force=True)
    return result


async def _fresh_libraries(job: TenantJob, libraries: list[Library]) -> frozenset[uuid.UUID]:
    """The libraries without a present item yet (their first sync, or everything in them is gone)."""
    if not libraries:
        return frozenset()
    held = select(MediaItem.id).where(MediaItem.library_id == Library.id, MediaItem.gone.is_(False)).exists()
    async with job.app.sessionmaker() as session:
        found = await session.scalars(select(Library.id).where(Library.id.in_([lib.id for lib in libraries]), ~held))
        return frozenset(found)


async def _forget_seen(
    job: TenantJob, connection_id: uuid.UUID, *, run: uuid.UUID | None = None, other_than: uuid.UUID | None = None
) -> None:
    """Forget the items a pass recorded as seen: this run's (``run``) or earlier runs' (``other_than``).
    Never another live run's: a run the watchdog ended may still be unwinding beside its successor."""
    seen = sync_seen_items.c
    stmt = delete(sync_seen_items).where(seen.connection_id == connection_id)
    if run is not None:
        stmt = stmt.where(seen.run_id == run)
    if other_than is not None:
        stmt = stmt.where(seen.run_id != other_than)
    async with job.app.sessionmaker() as session, session.begin():
        await session.execute(stmt)


async def _mark_connection(job: TenantJob, connection_id: uuid.UUID, error: str) -> None:
    async with job.app.sessionmaker() as session, session.begin():
        await session.execute(
            update(Connection)
            .where(Connection.id == connection_id)
            .values(status=ConnectionStatus.ERROR, last_error=error, last_checked_at=datetime.now(UTC))
        )
