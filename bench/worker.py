"""One measured unit of work, run in its own process by ``bench/run.py``.

Modes (every mode writes one JSON object to ``--out``):

* ``sync``  -- the product's sync job for an account, exactly as the arq worker runs it
  (``tenant_job(JobName.SYNC, TENANT_HANDLERS[JobName.SYNC])``); the run must have been queued beforehand.
* ``seed``  -- the "seed-style" way: python-plexapi objects and one ORM ``session.add`` per row.
* ``floor`` -- the floor for the same work: httpx + orjson + the same row tuples + a bare asyncpg
  ``copy_records_to_table`` into plain tables (no indexes, no conflict handling).
* ``floor-jellyfin`` -- the same floor for a Jellyfin sync (library listings + every user's played items).

Settings come from ``JANITOR_*`` environment variables set by the orchestrator. The timed part
starts after imports and set-up; peak RSS is read from ``getrusage`` when the work is done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from operator import itemgetter
from typing import Any

import orjson


def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": ru.ru_utime, "sys": ru.ru_stime, "maxrss_mb": ru.ru_maxrss / 1024}


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def write(out: str, result: dict[str, Any]) -> None:
    with open(out, "wb") as f:
        f.write(orjson.dumps(result, default=str))


# ----------------------------------------------------------------------------- tracing (diagnosis only)
TRACE: dict[str, list[float]] = {}
SPANS: dict[str, list[float]] = {}  # label -> [first start, last end] (perf_counter)


def _timed(owner: Any, name: str, label: str) -> None:
    """Wrap ``owner.name`` (an async function) to add its wall time under ``label``."""
    fn = getattr(owner, name)

    async def wrapper(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return await fn(*a, **kw)
        finally:
            end = time.perf_counter()
            TRACE.setdefault(label, []).append(end - t)
            span = SPANS.setdefault(label, [t, end])
            span[1] = end

    setattr(owner, name, wrapper)


def install_trace() -> None:
    """Wall time spent awaiting each stage (stages overlap: requests run concurrently with the rest)."""
    from janitor.connections.clients import base as client_base
    from janitor.sync import base, jellyfin, plex, progress, upsert

    _timed(client_base.BaseClient, "_get_json", "http request (each, concurrent)")
    _timed(upsert.ItemWriter, "_write", "ItemWriter._write (page, in the background)")
    _timed(upsert.ItemWriter, "flush", "ItemWriter.flush (waiting for the write in flight)")
    _timed(upsert, "driver_connection", "driver_connection (SELECT 1)")
    _timed(plex, "_details", "plex _details (batch of pages)")
    _timed(plex, "_with_details", "plex _with_details (a first pass's page, before its write)")
    _timed(plex, "store_history", "store_history (page)")
    _timed(jellyfin, "driver_connection", "jellyfin played-state driver_connection")
    _timed(progress.RunProgress, "flush", "progress.flush")
    _timed(base.SyncContext, "step", "ctx.step")
    _timed(plex, "_sync_history", "plex _sync_history (whole)")
    _timed(plex, "_sync_level", "plex _sync_level (whole)")
    _timed(jellyfin, "_sync_played", "jellyfin _sync_played (per user)")
    _timed(jellyfin, "_sync_library", "jellyfin _sync_library (whole)")
    _timed(upsert, "copy_new_rows", "copy_new_rows (a fresh page, straight in)")
    from janitor.reports import precompute

    _timed(precompute, "analyze_tables", "end: analyze_tables")
    _timed(precompute, "refresh_last_plays", "end: refresh_last_plays")
    _timed(precompute, "refresh_video_items", "end: refresh_video_items")
    _timed(precompute, "refresh_duplicate_candidates", "end: refresh_duplicate_candidates")
    _timed(precompute, "refresh_summary", "end: refresh_summary")
    _timed(precompute, "ensure_summary", "end: ensure_summary")
    from janitor.reports import dashboard

    for fn in (
        "stale_totals",
        "large_movies",
        "duplicate_groups",
        "language_issues",
        "request_report",
        "recently_available",
        "_fingerprint",
        "_lock",
    ):
        _timed(dashboard, fn, f"summary: {fn}")
    from janitor.sync import runner

    _timed(runner, "_sync_source", "runner _sync_source (whole source)")
    _timed(runner, "_fresh_libraries", "runner _fresh_libraries")
    _timed(runner, "_forget_seen", "runner _forget_seen")
    _timed(plex, "upsert_remote_users", "plex upsert_remote_users")
    import asyncpg.connection

    conn_cls = asyncpg.connection.Connection
    _timed(conn_cls, "copy_records_to_table", "asyncpg copy_records_to_table")
    _timed(conn_cls, "fetch", "asyncpg fetch (the upsert ... RETURNING)")
    _timed(conn_cls, "execute", "asyncpg execute (CREATE/TRUNCATE/INSERT/UPDATE)")


def trace_summary(t0: float) -> dict[str, Any]:
    """Per stage: calls, total and longest wall time, and when (seconds after the job started) its
    first call began and its last one ended."""
    return {
        k: {
            "n": len(v),
            "total_s": round(sum(v), 3),
            "max_s": round(max(v), 4),
            "from_s": round(SPANS[k][0] - t0, 3),
            "to_s": round(SPANS[k][1] - t0, 3),
        }
        for k, v in TRACE.items()
    }


END_OF_RUN = ("mark missing", "rebuild report data", "dashboard summary")


def install_end_of_run_timers() -> None:
    """The wall time of the steps that close a run (always recorded: three calls per source/run)."""
    from janitor.reports import precompute
    from janitor.sync import base

    _timed(base, "mark_missing", END_OF_RUN[0])
    # the sync is handed these through the worker's job registry (precompute.REPORT_DATA)
    _timed(precompute, "refresh_data_after_sync", END_OF_RUN[1])
    _timed(precompute, "refresh_summary_after_sync", END_OF_RUN[2])


# ----------------------------------------------------------------------------- sync (the product)
async def run_product_sync(account_id: str, trace: bool = False) -> dict[str, Any]:
    from sqlalchemy import select, text

    from janitor.core.config import Settings
    from janitor.core.context import build_context, close_context
    from janitor.core.logging import configure_logging
    from janitor.jobs.names import JobName
    from janitor.jobs.runner import tenant_job
    from janitor.sync.models import SyncRun
    from janitor_worker.registry import TENANT_HANDLERS

    settings = Settings()
    configure_logging(level=settings.log_level, json=True)
    if trace:
        install_trace()
    install_end_of_run_timers()
    ctx = await build_context(settings)
    try:
        job = tenant_job(JobName.SYNC, TENANT_HANDLERS[JobName.SYNC])
        arq_ctx: dict[str, Any] = {"app": ctx, "worker_id": "bench", "job_try": 1, "job_id": uuid.uuid4().hex}
        before = _usage()
        t0 = time.perf_counter()
        outcome = await job(arq_ctx, account_id)
        wall = time.perf_counter() - t0
        after = _usage()
        async with ctx.sessionmaker() as session:
            run = await session.scalar(
                select(SyncRun)
                .where(SyncRun.account_id == uuid.UUID(account_id))
                .order_by(SyncRun.created_at.desc())
                .limit(1)
            )
            assert run is not None
            rows = (
                await session.execute(
                    text("SELECT count(*) FILTER (WHERE NOT gone AND missing_runs = 0), count(*) FROM media_items")
                )
            ).one()
        return {
            "outcome": outcome,
            "wall": wall,
            "cpu": after["user"] + after["sys"] - before["user"] - before["sys"],
            "maxrss_mb": after["maxrss_mb"],
            "status": run.status,
            "items": run.items,
            "requests": run.upstream_requests,
            "error": run.error,
            "sources": run.sources,
            "rows_present": rows[0],
            "rows_total": rows[1],
            "end_of_run": {k: round(sum(TRACE.pop(k, [])), 3) for k in END_OF_RUN},
            **({"trace": trace_summary(t0)} if trace else {}),
        }
    finally:
        await close_context(ctx)


# ----------------------------------------------------------------------------- seed-style baseline
async def run_seed(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("PLEXAPI_PLEXAPI_AUTORELOAD", "false")
    from plexapi.server import PlexServer

    import janitor.models  # noqa: F401 - every mapped table, for the ORM's foreign keys
    from janitor.core.config import Settings
    from janitor.core.context import build_context, close_context
    from janitor.library.models import MediaItem

    settings = Settings()
    ctx = await build_context(settings)
    account_id, connection_id, library_id = (uuid.UUID(x) for x in (args.account, args.connection, args.library))
    try:
        before = _usage()
        t0 = time.perf_counter()
        server = PlexServer(args.base_url, args.token, timeout=120)
        section = server.library.section(args.section)
        tracks = section.searchTracks(container_size=args.page_size)
        fetched = time.perf_counter()
        async with ctx.sessionmaker() as session:
            for t in tracks:
                t._autoReload = False  # never one request per attribute: a kinder baseline than the default
                parts = []
                size = 0
                for m in t.media:
                    for p in m.parts:
                        size += p.size or 0
                        parts.append(
                            {
                                "media_id": str(m.id),
                                "part_id": str(p.id),
                                "file": p.file,
                                "size": p.size,
                                "container": p.container or m.container,
                                "duration_ms": p.duration,
                                "bitrate_kbps": m.bitrate,
                                "audio_codec": m.audioCodec,
                            }
                        )
                media = t.media[0] if t.media else None
                session.add(
                    MediaItem(
                        account_id=account_id,
                        connection_id=connection_id,
                        library_id=library_id,
                        upstream_id=str(t.ratingKey),
                        kind="track",
                        parent_id=str(t.parentRatingKey) if t.parentRatingKey else None,
                        grandparent_id=str(t.grandparentRatingKey) if t.grandparentRatingKey else None,
                        title=t.title or "",
                        parent_title=t.parentTitle,
                        grandparent_title=t.grandparentTitle,
                        original_title=t.originalTitle,
                        index=t.index,
                        parent_index=t.parentIndex,
                        year=getattr(t, "year", None),
                        duration_ms=t.duration,
                        added_at=t.addedAt.replace(tzinfo=UTC) if t.addedAt else None,
                        upstream_updated_at=t.updatedAt.replace(tzinfo=UTC) if t.updatedAt else None,
                        guids={},
                        size_bytes=size or None,
                        bitrate_kbps=media.bitrate if media else None,
                        container=media.container if media else None,
                        audio_codec=media.audioCodec if media else None,
                        parts=parts,
                    )
                )
            await session.commit()
        wall = time.perf_counter() - t0
        after = _usage()
        return {
            "wall": wall,
            "fetch_parse": fetched - t0,
            "orm_insert": wall - (fetched - t0),
            "cpu": after["user"] + after["sys"] - before["user"] - before["sys"],
            "maxrss_mb": after["maxrss_mb"],
            "items": len(tracks),
        }
    finally:
        await close_context(ctx)


# ----------------------------------------------------------------------------- floors
async def _floor_tables(other: str) -> Any:
    """A connection to the run's database with ``floor_items`` (media_items' columns, nothing else)
    and ``other`` (the plays or played states) created."""
    import asyncpg

    from janitor.sync.mapping import ITEM_COLUMNS

    conn = await asyncpg.connect(_dsn(os.environ["JANITOR_DATABASE_URL"]))
    cols = ", ".join(f'"{c}"' for c in ITEM_COLUMNS)
    await conn.execute(f"CREATE TABLE floor_items AS SELECT {cols} FROM media_items WITH NO DATA")
    await conn.execute(other)
    return conn


def _floor_http(args: argparse.Namespace) -> Any:
    import httpx

    return httpx.AsyncClient(
        base_url=args.base_url,
        timeout=120,
        limits=httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency),
    )


async def _floor_listing(get: Any, total: Any, page_size: int) -> Any:
    """Every page of a listing: the first, then the others requested at once (the caller's ``get``
    bounds how many are in flight), yielded in order."""
    first = await get(0)
    yield first
    tasks = [asyncio.create_task(get(s)) for s in range(page_size, int(total(first)), page_size)]
    for task in tasks:
        yield await task


def _floor_result(before: dict[str, float], t0: float, items: int, other_rows: int, requests: int) -> dict[str, Any]:
    wall = time.perf_counter() - t0
    after = _usage()
    return {
        "wall": wall,
        "cpu": after["user"] + after["sys"] - before["user"] - before["sys"],
        "maxrss_mb": after["maxrss_mb"],
        "items": items,
        "history_rows": other_rows,
        "requests": requests,
    }


async def run_floor(args: argparse.Namespace) -> dict[str, Any]:
    from janitor.sync.mapping import ITEM_COLUMNS, PLEX_KINDS, plex_row

    conn = await _floor_tables(
        "CREATE TABLE floor_watch (account_id uuid, connection_id uuid, upstream_id text, item_upstream_id text, "
        "user_upstream_id text, viewed_at timestamptz)"
    )
    ids = (uuid.UUID(args.account), uuid.UUID(args.connection), uuid.UUID(args.library))
    headers = {"X-Plex-Token": args.token, "Accept": "application/json"}
    items = history = requests = 0
    before = _usage()
    t0 = time.perf_counter()
    async with _floor_http(args) as http:
        sem = asyncio.Semaphore(args.concurrency)

        async def get(path: str, params: dict[str, Any], start: int) -> dict[str, Any]:
            nonlocal requests
            async with sem:
                requests += 1
                r = await http.get(
                    path,
                    params=params,
                    headers={
                        **headers,
                        "X-Plex-Container-Start": str(start),
                        "X-Plex-Container-Size": str(args.page_size),
                    },
                )
            r.raise_for_status()
            mc: dict[str, Any] = orjson.loads(r.content)["MediaContainer"]
            return mc

        def listing(path: str, params: dict[str, Any]) -> Any:
            return _floor_listing(partial(get, path, params), itemgetter("totalSize"), args.page_size)

        for level in (int(x) for x in args.levels.split(",")):
            kind = PLEX_KINDS[level]
            async for mc in listing(f"/library/sections/{args.section_key}/all", {"type": level, "includeGuids": 1}):
                rows = [plex_row(it, ids, kind) for it in mc.get("Metadata", ()) if "ratingKey" in it]
                await conn.copy_records_to_table("floor_items", records=rows, columns=list(ITEM_COLUMNS))
                items += len(rows)
        if args.history:
            async for mc in listing("/status/sessions/history/all", {"sort": "viewedAt:desc"}):
                hrows = []
                for row in mc.get("Metadata", ()):
                    viewed = row.get("viewedAt")
                    hrows.append(
                        (
                            ids[0],
                            ids[1],
                            str(row.get("historyKey", "")).rsplit("/", 1)[-1],
                            str(row["ratingKey"]) if row.get("ratingKey") is not None else None,
                            str(row.get("accountID", "")),
                            datetime.fromtimestamp(viewed, UTC),
                        )
                    )
                await conn.copy_records_to_table("floor_watch", records=hrows)
                history += len(hrows)
    result = _floor_result(before, t0, items, history, requests)
    await conn.close()
    return result


async def run_floor_jellyfin(args: argparse.Namespace) -> dict[str, Any]:
    """Jellyfin's floor: the sync's requests (each enabled library listed with the same fields, the played
    items of every user) with httpx + orjson + the same row tuples (``jellyfin_row``) + bare COPY."""
    import asyncpg

    from janitor.sync.jellyfin import STABLE_SORT
    from janitor.sync.mapping import ITEM_COLUMNS, JELLYFIN_FIELDS, JELLYFIN_TYPES, jellyfin_row

    conn = await _floor_tables(
        "CREATE TABLE floor_states (account_id uuid, connection_id uuid, item_upstream_id text, "
        "user_upstream_id text, play_count int, played bool, last_played_at text, last_seen_run uuid)"
    )
    account, connection = uuid.UUID(args.account), uuid.UUID(args.connection)
    libraries = [entry.split(":") for entry in args.libraries.split(",")]  # library id : upstream key : kind
    users = args.users.split(",")
    headers = {"Authorization": f'MediaBrowser Token="{args.token}"', "Accept": "application/json"}
    run = uuid.uuid4()
    items = states = requests = 0
    before = _usage()
    t0 = time.perf_counter()
    async with _floor_http(args) as http:
        sem = asyncio.Semaphore(args.concurrency)

        async def get(params: dict[str, Any], start: int) -> dict[str, Any]:
            nonlocal requests
            # The product's parameters in the product's order (the simulator caches pages by URL).
            query = {**params["head"], "startIndex": start, "limit": args.page_size, **params["tail"]}
            async with sem:
                requests += 1
                r = await http.get("/Items", params=query, headers=headers)
            r.raise_for_status()
            result: dict[str, Any] = orjson.loads(r.content)
            return result

        def listing(params: dict[str, Any]) -> Any:
            return _floor_listing(partial(get, params), itemgetter("TotalRecordCount"), args.page_size)

        async def library_items() -> None:
            nonlocal items
            for library_id, key, kind in libraries:
                ids = (account, connection, uuid.UUID(library_id))
                params = {
                    "head": {
                        "userId": users[0],
                        "parentId": key,
                        "recursive": "true",
                        "includeItemTypes": ",".join(JELLYFIN_TYPES[kind]),
                        "fields": ",".join(JELLYFIN_FIELDS),
                    },
                    "tail": {
                        "enableTotalRecordCount": "true",
                        **STABLE_SORT,
                        "EnableUserData": "false",
                        "EnableImages": "false",
                    },
                }
                async for result in listing(params):
                    rows = [r for it in result["Items"] if (r := jellyfin_row(it, ids)) is not None]
                    await conn.copy_records_to_table("floor_items", records=rows, columns=list(ITEM_COLUMNS))
                    items += len(rows)

        async def played() -> None:
            nonlocal states
            for user in users:
                params = {
                    "head": {"userId": user, "recursive": "true", "includeItemTypes": "Movie,Episode,Audio"},
                    "tail": {
                        "enableTotalRecordCount": "true",
                        **STABLE_SORT,
                        "Filters": "IsPlayed",
                        "EnableImages": "false",
                    },
                }
                async for result in listing(params):
                    rows = []
                    for it in result["Items"]:
                        data = it.get("UserData") or {}
                        rows.append(
                            (
                                account,
                                connection,
                                it["Id"],
                                user,
                                int(data.get("PlayCount") or 0),
                                bool(data.get("Played")),
                                data.get("LastPlayedDate"),
                                run,
                            )
                        )
                    await states_conn.copy_records_to_table("floor_states", records=rows)
                    states += len(rows)

        # The product reads the played states while it lists the libraries: so does the floor.
        states_conn = await asyncpg.connect(_dsn(os.environ["JANITOR_DATABASE_URL"]))
        await asyncio.gather(library_items(), played())
        await states_conn.close()
    result = _floor_result(before, t0, items, states, requests)
    await conn.close()
    return result


def _process_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return float(ru.ru_utime + ru.ru_stime)


def main() -> None:
    p = argparse.ArgumentParser(prog="bench/worker.py")
    p.add_argument("mode", choices=("sync", "seed", "floor", "floor-jellyfin"))
    p.add_argument("--out", required=True)
    p.add_argument("--account", required=True)
    p.add_argument("--connection")
    p.add_argument("--library")
    p.add_argument("--base-url")
    p.add_argument("--token")
    p.add_argument("--section", default="Music")
    p.add_argument("--section-key", default="3")
    p.add_argument("--levels", default="8,9,10")
    p.add_argument("--page-size", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=3)
    p.add_argument("--history", action="store_true")
    p.add_argument("--libraries", help="floor-jellyfin: library id:upstream key:kind, comma-separated")
    p.add_argument("--users", help="floor-jellyfin: Jellyfin user ids, comma-separated (the first lists the items)")
    p.add_argument("--trace", action="store_true", help="sync: report wall time awaited per stage")
    args = p.parse_args()
    if args.mode == "sync":
        result = asyncio.run(run_product_sync(args.account, args.trace))
    elif args.mode == "seed":
        result = asyncio.run(run_seed(args))
    elif args.mode == "floor":
        result = asyncio.run(run_floor(args))
    else:
        result = asyncio.run(run_floor_jellyfin(args))
    result["process_cpu"] = _process_cpu()
    write(args.out, result)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
