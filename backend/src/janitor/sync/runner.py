"""The sync job: one run per tenant, every connection as an independent source."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from janitor.connections.clients.errors import UpstreamAuthError, UpstreamError
from janitor.connections.models import Connection, ConnectionKind, ConnectionStatus, Library
from janitor.core.crypto import CredentialError, TokenCipher
from janitor.jobs.runner import TenantJob
from janitor.library.models import MediaItem, sync_seen_items
from janitor.reports.precompute import ANALYZE_AFTER_ROWS, refresh_data_after_sync, refresh_summary_after_sync
from janitor.sync.base import SourceResult, SyncContext
from janitor.sync.jellyfin import sync_jellyfin
from janitor.sync.jellyseerr import sync_jellyseerr
from janitor.sync.models import SyncRun, SyncStatus
from janitor.sync.plex import sync_plex
from janitor.sync.progress import Cancelled, RunProgress

log = structlog.get_logger(__name__)

SYNCERS: dict[str, Callable[[SyncContext], Awaitable[SourceResult]]] = {
    ConnectionKind.PLEX: sync_plex,
    ConnectionKind.JELLYFIN: sync_jellyfin,
    ConnectionKind.JELLYSEERR: sync_jellyseerr,
}


async def run_sync(job: TenantJob) -> None:
    app, account_id = job.app, job.account.id
    async with app.sessionmaker() as session, session.begin():
        run = await session.scalar(
            update(SyncRun)
            .where(SyncRun.account_id == account_id, SyncRun.status == SyncStatus.QUEUED)
            .values(status=SyncStatus.RUNNING, started_at=datetime.now(UTC), worker_id=job.worker_id)
            .returning(SyncRun)
        )
        if run is None:
            job.log.info("sync_nothing_queued")
            return
        run_id, full = run.id, run.full
        connections = (
            await session.scalars(
                select(Connection).where(Connection.account_id == account_id).order_by(Connection.created_at)
            )
        ).all()
        libraries = (
            await session.scalars(select(Library).where(Library.account_id == account_id, Library.enabled.is_(True)))
        ).all()
    await app.page_cache.bump_quietly(account_id)
    progress = RunProgress(app, run_id, account_id)
    for conn in connections:
        progress.add(str(conn.id), conn.kind, conn.name)
    cipher = TokenCipher.from_settings(app.settings)
    results: dict[str, SourceResult] = {}
    status = SyncStatus.COMPLETE
    try:
        await progress.flush(force=True)
        for conn in connections:
            results[str(conn.id)] = await _sync_source(
                job, conn, [lib for lib in libraries if lib.connection_id == conn.id], run_id, full, progress, cipher
            )
            await app.page_cache.bump_quietly(account_id)
        done = [r.complete for r in results.values()]
        status = SyncStatus.COMPLETE if all(done) else SyncStatus.PARTIAL if any(done) else SyncStatus.FAILED
        progress.phase = "done" if status == SyncStatus.COMPLETE else "finished with problems"
    except Cancelled:
        status = SyncStatus.CANCELLED
        progress.phase = "cancelled"
        for source in progress.sources.values():
            if source.status in ("pending", "running"):
                source.status = "cancelled"
    await progress.drain()
    reasons = [f"{progress.sources[k].name}: {r}" for k, res in results.items() for r in res.reasons]
    # A refresh that wrote nothing leaves the derived data as it is; a full pass always rebuilds it
    # (so data left behind by a run that died before this point is rebuilt within a day at most).
    changed = _changed(results, complete=len(results) == len(connections) and status != SyncStatus.CANCELLED)
    unchanged = not full and changed == 0
    if not unchanged:
        # Statistics after a bulk load, and after any first pass: a new account's rows, however few,
        # are not in the statistics yet, and plans estimated without them can be off by thousands.
        bulk = any(
            r.changed is None or r.changed >= ANALYZE_AFTER_ROWS or (r.first_pass and r.changed)
            for r in results.values()
        )

        async def rebuild_report_data(maker: async_sessionmaker[AsyncSession], account: uuid.UUID) -> None:
            await refresh_data_after_sync(maker, account, analyze=bulk)

        reasons += await _refresh_reports(job, rebuild_report_data)
    async with app.sessionmaker() as session, session.begin():
        await session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id)
            .values(
                status=status,
                phase=progress.phase,
                sources=progress.snapshot(),
                items=progress.items,
                upstream_requests=progress.requests,
                changed=changed,
                finished_at=datetime.now(UTC),
                error="; ".join(reasons)[:4000] or None,
            )
        )
    await app.page_cache.bump_quietly(account_id)

    async def store_summary(maker: async_sessionmaker[AsyncSession], account: uuid.UUID) -> None:
        await refresh_summary_after_sync(maker, account, force=full)

    await _refresh_reports(job, store_summary)
    await app.page_cache.bump_quietly(account_id)
    await progress.publish(status=status.value, finished=True)
    job.log.info(
        "sync_finished", run_id=str(run_id), status=status.value, items=progress.items, requests=progress.requests
    )


def _changed(results: dict[str, SourceResult], *, complete: bool) -> int | None:
    """Rows the run changed, or None when that is not known (a source failed early, a cancel)."""
    if not complete or any(r.changed is None for r in results.values()):
        return None
    return sum(r.changed or 0 for r in results.values())


async def _refresh_reports(
    job: TenantJob, refresh: Callable[[async_sessionmaker[AsyncSession], uuid.UUID], Awaitable[None]]
) -> list[str]:
    """The reports' derived data (reports.precompute); a failure is reported on the run, never fatal."""
    started = time.perf_counter()
    try:
        await refresh(job.app.sessionmaker, job.account.id)
    except Exception:
        job.log.exception("report_refresh_failed", step=refresh.__name__)
        return ["report figures could not be refreshed"]
    job.log.info("report_refresh", step=refresh.__name__, seconds=round(time.perf_counter() - started, 3))
    return []


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
    await _forget_seen(job, conn.id)
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
    except Cancelled:
        raise
    except CredentialError:
        result = SourceResult(False, ["the stored token can no longer be read; enter it again"])
    except UpstreamAuthError:
        result = SourceResult(False, ["the server rejected the token; update it on the Connections page"])
        await _mark_connection(job, conn.id, "The server rejected the token during the last sync.")
    except UpstreamError as exc:
        result = SourceResult(False, [exc.message])
    finally:
        await _forget_seen(job, conn.id)
    source.status = "complete" if result.complete else "failed" if source.items == 0 else "partial"
    source.phase = "done" if result.complete else "stopped"
    source.error = "; ".join(result.reasons) or None
    if result.complete:
        conn.sync_state = {
            **(conn.sync_state or {}),
            "last_complete_started": int(started.timestamp()),
            **({"last_full_started": int(started.timestamp())} if full else {}),
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


async def _forget_seen(job: TenantJob, connection_id: uuid.UUID) -> None:
    async with job.app.sessionmaker() as session, session.begin():
        await session.execute(delete(sync_seen_items).where(sync_seen_items.c.connection_id == connection_id))


async def _mark_connection(job: TenantJob, connection_id: uuid.UUID, error: str) -> None:
    async with job.app.sessionmaker() as session, session.begin():
        await session.execute(
            update(Connection)
            .where(Connection.id == connection_id)
            .values(status=ConnectionStatus.ERROR, last_error=error, last_checked_at=datetime.now(UTC))
        )
