"""Jellyfin: items of every enabled library (streams come with the listing), users, per-user played state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import text

from janitor.connections.clients.base import Page, with_retries
from janitor.connections.clients.jellyfin import JellyfinClient, JellyfinUser
from janitor.connections.models import Library
from janitor.sync.base import (
    SourceResult,
    SyncContext,
    both,
    count_items,
    refresh_then_check,
    settle_missing,
    upsert_remote_users,
)
from janitor.sync.mapping import JELLYFIN_FIELDS, JELLYFIN_KINDS, JELLYFIN_TYPES, _iso, jellyfin_row
from janitor.sync.paging import IncompleteListing, Listing, pages
from janitor.sync.upsert import FirstPassCopy, driver_connection, raw_connection

STABLE_SORT = {"SortBy": "SortName,Id", "SortOrder": "Ascending"}
# A refresh lists the items saved since the last complete pass started, minus this margin (clock
# skew between the server and us).
SAVED_OVERLAP_SECONDS = 3600


async def sync_jellyfin(ctx: SyncContext) -> SourceResult:
    result = SourceResult(complete=True)
    conn = ctx.connection
    async with ctx.http() as http:
        client = JellyfinClient(http, base_url=conn.base_url, api_key=ctx.secret)
        public = await with_retries(client.public_info)
        if conn.server_id and public.id != conn.server_id:
            return SourceResult(False, ["a different Jellyfin server now answers at this address"])
        users = await with_retries(client.users)
        await upsert_remote_users(
            ctx, [{"upstream_id": u.id, "name": u.name, "role": "owner" if u.is_admin else "user"} for u in users]
        )
        # Played states do not depend on the items (they are joined at the end of the run): they are
        # read while the libraries are, over the same bounded connection pool.
        complete_libraries, unread = await both(
            _sync_libraries(ctx, client, conn.options.get("user_id"), result),
            _sync_all_played(ctx, client, users),
        )
        for user in unread:
            result.complete = False
            result.reasons.append(f"played state of {user.name} could not be read completely")
        # Who could not be read, for this run: their answers are unknown until a complete sync reads
        # them (people/health.py).
        conn.sync_state = {
            **(conn.sync_state or {}),
            "unread_users": {"run": str(ctx.run_id), "ids": [user.id for user in unread]},
        }
        ctx.source.requests = client.request_count
    synced_kinds = [lib for lib in ctx.libraries if lib.kind in JELLYFIN_TYPES]
    result.complete = result.complete and len(complete_libraries) == len(synced_kinds)
    if ctx.full and complete_libraries and result.complete:
        await settle_missing(ctx, complete_libraries, result)
    return result


async def _sync_libraries(
    ctx: SyncContext, client: JellyfinClient, acting_user: str | None, result: SourceResult
) -> list[Library]:
    """Every enabled library; returns the ones read completely."""
    complete_libraries: list[Library] = []
    since = None if ctx.full else ctx.incremental_since()
    if since is None:
        ctx.plan_listings(len([library for library in ctx.libraries if library.kind in JELLYFIN_TYPES]))
    for library in ctx.libraries:
        types = JELLYFIN_TYPES.get(library.kind)
        if not types:
            continue
        if since is None:
            ok = await _sync_library(ctx, client, library, types, acting_user, result)
        else:
            # Only the items saved since the last complete pass (minDateLastSaved), then the count.
            saved_since = datetime.fromtimestamp(since - SAVED_OVERLAP_SECONDS, UTC).isoformat()
            listing = partial(_sync_library, ctx, client, library, types, acting_user, result)
            ok = await refresh_then_check(
                partial(listing, saved_since=saved_since),
                partial(_server_total, client, library, types, acting_user),
                partial(count_items, ctx, library, [JELLYFIN_KINDS[t] for t in types]),
                listing,
            )
        if ok:
            complete_libraries.append(library)
    return complete_libraries


async def _server_total(
    client: JellyfinClient, library: Library, types: tuple[str, ...], user_id: str | None
) -> int | None:
    """How many of these types the library holds on the server (one item asked for, the total read)."""
    probe = await with_retries(
        lambda: client.list_items(
            user_id=user_id,
            parent_id=library.upstream_key,
            include_item_types=types,
            fields=(),
            start=0,
            limit=1,
            extra={"EnableUserData": "false", "EnableImages": "false"},
        )
    )
    return probe.total


async def _sync_all_played(
    ctx: SyncContext, client: JellyfinClient, users: Sequence[JellyfinUser]
) -> list[JellyfinUser]:
    """The played state of every user; returns those that could not be read completely."""
    first = await FirstPassCopy.start(
        ctx.app.sessionmaker, "user_item_states", STATE_COLUMNS, connection_id=ctx.connection.id, first_pass=ctx.full
    )
    return [user for user in users if not await _sync_played(ctx, client, user.id, first)]


async def _sync_library(
    ctx: SyncContext,
    client: JellyfinClient,
    library: Library,
    types: tuple[str, ...],
    user_id: str | None,
    result: SourceResult,
    *,
    saved_since: str | None = None,
) -> bool:
    item_ctx = ctx.item_ctx(library)
    listing = Listing()
    extra = {**STABLE_SORT, "EnableUserData": "false", "EnableImages": "false"}
    if saved_since is not None:
        extra["MinDateLastSaved"] = saved_since

    async def fetch(offset: int, size: int) -> Page:
        return await client.list_items(
            user_id=user_id,
            parent_id=library.upstream_key,
            include_item_types=types,
            fields=JELLYFIN_FIELDS,
            start=offset,
            limit=size,
            extra=extra,
        )

    try:
        async with ctx.writer(library) as writer:
            async for page in pages(fetch, size=ctx.page_size, concurrency=ctx.concurrency, listing=listing):
                rows = [r for item in page.items if "Id" in item and (r := jellyfin_row(item, item_ctx)) is not None]
                await writer.submit(rows)
                if listing.pages == 1 and saved_since is None:
                    ctx.count_total(listing.total)
                await ctx.step(library.title, requests=client.request_count, pages=1, items=len(rows))
    except IncompleteListing as exc:
        result.reasons.append(f"{library.title}: {exc}")
        return False
    return listing.complete


STATE_COLUMNS = [
    "account_id",
    "connection_id",
    "item_upstream_id",
    "user_upstream_id",
    "play_count",
    "played",
    "last_played_at",
    "position_ticks",
    "last_seen_run",
]
STATE_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS _stage_states (account_id uuid, connection_id uuid, item_upstream_id text, "
    "user_upstream_id text, play_count int, played bool, last_played_at timestamptz, position_ticks bigint, "
    "last_seen_run uuid) ON COMMIT DELETE ROWS"
)
STATE_UPSERT = (
    "INSERT INTO user_item_states (account_id, connection_id, item_upstream_id, user_upstream_id, play_count, played, "
    "last_played_at, position_ticks, last_seen_run) SELECT * FROM _stage_states "
    "ON CONFLICT (connection_id, item_upstream_id, user_upstream_id) DO UPDATE SET play_count = EXCLUDED.play_count, "
    "played = EXCLUDED.played, last_played_at = EXCLUDED.last_played_at, position_ticks = EXCLUDED.position_ticks, "
    "last_seen_run = EXCLUDED.last_seen_run"
)
# Rows of the page that are new or differ from what is stored (every row is rewritten, for
# STATE_FORGET; this tells the run whether the reports' derived data must be rebuilt).
STATE_CHANGES = (
    "SELECT count(*) FROM _stage_states st LEFT JOIN user_item_states s ON s.connection_id = st.connection_id "
    "AND s.item_upstream_id = st.item_upstream_id AND s.user_upstream_id = st.user_upstream_id "
    "WHERE s.connection_id IS NULL "
    "OR (s.play_count, s.played, s.last_played_at, s.position_ticks) "
    "IS DISTINCT FROM (st.play_count, st.played, st.last_played_at, st.position_ticks)"
)
STATE_FORGET = (
    "DELETE FROM user_item_states WHERE account_id = $1 AND connection_id = $2 AND user_upstream_id = $3 "
    "AND last_seen_run IS DISTINCT FROM $4"
)


# The two lists of a user's watched items: played, and stopped part way (PlaybackPositionTicks > 0).
# Jellyfin sets one query flag per filter and requires them all, so "IsPlayed,IsResumable" would list
# only items both played and resumable: each is asked on its own.
PLAYED_FILTERS = ("IsPlayed", "IsResumable")


async def _sync_played(ctx: SyncContext, client: JellyfinClient, user_id: str, first: FirstPassCopy) -> bool:
    """Items the user played or stopped part way, with play count, last play and position. Only a
    complete read of both lists forgets old rows."""
    for played_filter in PLAYED_FILTERS:
        if not await _sync_state_list(ctx, client, user_id, first, played_filter):
            return False
    await ctx.progress.checkpoint()  # a stop asked for now forgets no played state
    async with ctx.app.sessionmaker() as session, session.begin():
        conn = await driver_connection(session)
        forgotten = await conn.execute(STATE_FORGET, ctx.account_id, ctx.connection.id, user_id, ctx.run_id)
    ctx.changed += int(forgotten.split()[-1])
    return True


def state_row(ctx: SyncContext, user_id: str, item: dict[str, Any]) -> tuple[Any, ...]:
    """A listed item's ``UserData`` as a ``user_item_states`` row (absent fields: not played, no date)."""
    data = item.get("UserData") or {}
    return (
        ctx.account_id,
        ctx.connection.id,
        item["Id"],
        user_id,
        int(data.get("PlayCount") or 0),
        bool(data.get("Played")),
        _iso(data.get("LastPlayedDate")),
        max(0, int(data.get("PlaybackPositionTicks") or 0)),
        ctx.run_id,
    )


async def _sync_state_list(
    ctx: SyncContext, client: JellyfinClient, user_id: str, first: FirstPassCopy, played_filter: str
) -> bool:
    listing = Listing()

    async def fetch(offset: int, size: int) -> Page:
        return await client.list_items(
            user_id=user_id,
            parent_id=None,
            include_item_types=("Movie", "Episode", "Audio"),
            fields=(),
            start=offset,
            limit=size,
            extra={**STABLE_SORT, "Filters": played_filter, "EnableImages": "false"},
        )

    try:
        async for page in pages(fetch, size=ctx.page_size, concurrency=ctx.concurrency, listing=listing):
            rows = [state_row(ctx, user_id, item) for item in page.items if "Id" in item]
            if await first.copy(rows):
                ctx.changed += len(rows)
            else:
                async with ctx.app.sessionmaker() as session, session.begin():
                    await session.execute(text(STATE_STAGE))  # also opens the transaction the raw statements join
                    conn = await raw_connection(session)
                    await conn.copy_records_to_table("_stage_states", records=rows, columns=STATE_COLUMNS)
                    ctx.changed += await conn.fetchval(STATE_CHANGES)
                    await conn.execute(STATE_UPSERT)
            await ctx.step("played state", requests=client.request_count, pages=1)
    except IncompleteListing:
        return False
    return listing.complete
