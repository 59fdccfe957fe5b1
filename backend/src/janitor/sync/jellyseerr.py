"""Jellyseerr: every request with its media state; titles from Jellyseerr's TMDB proxy, cached."""

from __future__ import annotations

import asyncio
from typing import Any

from janitor.connections.clients.base import Page, with_retries
from janitor.connections.clients.errors import UpstreamError
from janitor.connections.clients.jellyseerr import JellyseerrClient
from janitor.sync.base import SourceResult, SyncContext
from janitor.sync.mapping import _iso
from janitor.sync.paging import IncompleteListing, Listing, pages
from janitor.sync.upsert import driver_connection

COLUMNS = (
    "account_id",
    "connection_id",
    "upstream_id",
    "status",
    "media_status",
    "media_type",
    "is_4k",
    "tmdb_id",
    "tvdb_id",
    "imdb_id",
    "title",
    "requested_by",
    "requested_at",
    "upstream_updated_at",
    "media_added_at",
    "plex_rating_key",
    "jellyfin_media_id",
    "seerr_media_id",
    "last_seen_run",
)
STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS _stage_requests ON COMMIT DELETE ROWS AS SELECT "
    + ", ".join(COLUMNS)
    + " FROM media_requests WITH NO DATA"
)
UPSERT = (
    f"INSERT INTO media_requests AS r ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM _stage_requests "
    "ON CONFLICT (connection_id, upstream_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[3:] if c != "title")
    + ", title = COALESCE(EXCLUDED.title, r.title), missing_runs = 0"
)
# What the reports read of a request (the Jellyseerr media id is the deleter's, not theirs): a staged
# row that is new, back from missing or differs in any of these counts as a change (so the run's
# derived data and dashboard summary are rebuilt after it).
REPORTED = [c for c in COLUMNS[3:] if c not in ("title", "last_seen_run", "seerr_media_id")]
CHANGED = (
    "SELECT count(*) FROM _stage_requests s LEFT JOIN media_requests r "
    "ON r.connection_id = s.connection_id AND r.upstream_id = s.upstream_id "
    "WHERE r.id IS NULL OR r.missing_runs > 0 OR ("
    + ", ".join(f"r.{c}" for c in REPORTED)
    + ") IS DISTINCT FROM ("
    + ", ".join(f"s.{c}" for c in REPORTED)
    + ")"
)
UNTITLED = (
    "SELECT DISTINCT media_type, tmdb_id FROM media_requests WHERE connection_id = $1 AND title IS NULL "
    "AND tmdb_id IS NOT NULL"
)
# A TMDB id names a movie or a show, never both: movie 1399 and show 1399 are two titles.
SET_TITLE = (
    "UPDATE media_requests SET title = $4 WHERE connection_id = $1 AND media_type = $2 AND tmdb_id = $3 "
    "AND title IS NULL"
)
MARK_MISSING = (
    "UPDATE media_requests SET missing_runs = missing_runs + 1 WHERE connection_id = $1 "
    "AND last_seen_run IS DISTINCT FROM $2"
)
FORGET_GONE = "DELETE FROM media_requests WHERE connection_id = $1 AND missing_runs >= 2"


def _row(ctx: SyncContext, req: dict[str, Any]) -> tuple[Any, ...]:
    media = req.get("media") or {}
    user = req.get("requestedBy") or {}
    return (
        ctx.account_id,
        ctx.connection.id,
        int(req["id"]),
        int(req.get("status") or 0),
        media.get("status4k") if req.get("is4k") else media.get("status"),
        str(req.get("type") or media.get("mediaType") or ""),
        bool(req.get("is4k")),
        media.get("tmdbId"),
        media.get("tvdbId"),
        media.get("imdbId"),
        None,
        user.get("displayName") or user.get("username") or user.get("email"),
        _iso(req.get("createdAt")),
        _iso(req.get("updatedAt")),
        _iso(media.get("mediaAddedAt")),
        media.get("ratingKey4k") if req.get("is4k") else media.get("ratingKey"),
        media.get("jellyfinMediaId4k") if req.get("is4k") else media.get("jellyfinMediaId"),
        media.get("id") if isinstance(media.get("id"), int) else None,
        ctx.run_id,
    )


async def sync_jellyseerr(ctx: SyncContext) -> SourceResult:
    result = SourceResult(complete=True)
    conn = ctx.connection
    async with ctx.http() as http:
        client = JellyseerrClient(http, base_url=conn.base_url, api_key=ctx.secret)
        listing = Listing()
        ctx.plan_listings(1)  # every request, on a refresh too

        async def fetch(offset: int, size: int) -> Page:
            return await client.requests(take=size, skip=offset, filter="all", sort="added")

        try:
            async for page in pages(fetch, size=min(ctx.page_size, 100), concurrency=ctx.concurrency, listing=listing):
                rows = [_row(ctx, r) for r in page.items if "id" in r]
                async with ctx.app.sessionmaker() as session, session.begin():
                    db = await driver_connection(session)
                    await db.execute(STAGE)
                    await db.copy_records_to_table("_stage_requests", records=rows, columns=list(COLUMNS))
                    ctx.tally(int(await db.fetchval(CHANGED)))
                    await db.execute(UPSERT)
                if listing.pages == 1:
                    ctx.count_total(listing.total)
                await ctx.step("requests", requests=client.request_count, pages=1, items=len(rows))
        except IncompleteListing as exc:
            result.complete = False
            result.reasons.append(f"requests: {exc}")
        await _titles(ctx, client)
        ctx.source.requests = client.request_count
    if result.complete and ctx.full:
        await ctx.progress.checkpoint()  # a stop asked for now counts no request missing
        async with ctx.app.sessionmaker() as session, session.begin():
            db = await driver_connection(session)
            await db.execute(MARK_MISSING, conn.id, ctx.run_id)
            ctx.tally(int((await db.execute(FORGET_GONE, conn.id)).split()[-1]))
    return result


async def _titles(ctx: SyncContext, client: JellyseerrClient) -> None:
    """Titles live in TMDB details, not in requests; a failure leaves the title empty, never the run."""
    async with ctx.app.sessionmaker() as session:
        db = await driver_connection(session)
        missing = await db.fetch(UNTITLED, ctx.connection.id)
    sem = asyncio.Semaphore(ctx.concurrency)

    async def one(media_type: str, tmdb_id: int) -> tuple[str, int, str | None]:
        async with sem:
            try:
                if media_type == "tv":
                    details = await with_retries(lambda: client.tv(tmdb_id), attempts=2)
                    return media_type, tmdb_id, details.get("name") or details.get("originalName")
                details = await with_retries(lambda: client.movie(tmdb_id), attempts=2)
                return media_type, tmdb_id, details.get("title") or details.get("originalTitle")
            except UpstreamError:
                return media_type, tmdb_id, None

    tasks = [asyncio.ensure_future(one(r["media_type"], r["tmdb_id"])) for r in missing]
    found: list[tuple[str, int, str | None]] = []
    try:
        for next_title in asyncio.as_completed(tasks):
            found.append(await next_title)
            # Each title is progress (thousands of them take minutes on a first pass): the run's row
            # moves on, so the stall watchdog sees it working, and a stop is seen between titles.
            await ctx.step("titles", requests=client.request_count)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    titled = [(ctx.connection.id, kind, tmdb, title) for kind, tmdb, title in found if title]
    if titled:
        async with ctx.app.sessionmaker() as session, session.begin():
            db = await driver_connection(session)
            await db.executemany(SET_TITLE, titled)
        ctx.tally(len(titled))
