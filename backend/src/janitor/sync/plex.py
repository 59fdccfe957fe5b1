"""Plex: items of every enabled section at every level, stream languages in batches, accounts, history."""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx

from janitor.connections.clients.base import Page, with_retries
from janitor.connections.clients.errors import UpstreamError
from janitor.connections.clients.plex import PlexServerAccount, PlexServerClient
from janitor.connections.clients.plextv import PlexSharedUser, PlexTvClient
from janitor.connections.models import Library
from janitor.connections.probes import plex_client_id
from janitor.core.ssrf import upstream_http
from janitor.library.dates import suspect_after
from janitor.sync.base import (
    SourceResult,
    SyncContext,
    both,
    count_items,
    refresh_then_check,
    settle_missing,
    upsert_remote_users,
)
from janitor.sync.history import history_writer, store_history
from janitor.sync.mapping import ITEM_COLUMNS, NEEDS_STREAMS, PLEX_KINDS, PLEX_LEVELS, plex_row
from janitor.sync.paging import IncompleteListing, Listing, pages
from janitor.sync.upsert import ItemWriter

HISTORY_OVERLAP_SECONDS = 3600
# Incremental listings ask for items updated since the last complete pass, minus this margin
# (clock skew between the server and us).
UPDATED_OVERLAP_SECONDS = 3600
PEOPLE_TIMEOUT_SECONDS = 10.0
UPSTREAM_ID = ITEM_COLUMNS.index("upstream_id")
DETAILS_AHEAD_PAGES = 2  # listed pages whose details are asked at once on a first pass


async def sync_plex(ctx: SyncContext) -> SourceResult:
    result = SourceResult(complete=True)
    conn = ctx.connection
    async with ctx.http() as http:
        client = PlexServerClient(
            http, base_url=conn.base_url, token=ctx.secret, client_id=plex_client_id(ctx.account_id)
        )
        identity = await with_retries(client.identity)
        if conn.server_id and identity.machine_identifier != conn.server_id:
            return SourceResult(False, ["a different Plex server now answers at this address"])
        accounts = await with_retries(client.accounts)
        # Play history does not depend on the items (plays of items not synced yet match nothing
        # until they are): it is read while the libraries are, over the same bounded connection pool;
        # the people the owner shares the server with are asked of plex.tv meanwhile.
        (complete_libraries, history_ok), (shared, tv_requests, owned) = await both(
            both(_sync_libraries(ctx, client, result), _sync_history(ctx, client, result)),
            _plex_tv_people(ctx, identity.machine_identifier),
        )
        await upsert_remote_users(ctx, plex_people(accounts, shared))
        remember_token_account(ctx, owned)
        ctx.source.requests = client.request_count + tv_requests
    result.complete = (
        result.complete
        and history_ok
        and len(complete_libraries) == len([lib for lib in ctx.libraries if lib.kind in PLEX_LEVELS])
    )
    if ctx.full and complete_libraries and result.complete:
        await settle_missing(ctx, complete_libraries, result)
    return result


async def _sync_libraries(ctx: SyncContext, client: PlexServerClient, result: SourceResult) -> list[Library]:
    """Every level of every enabled library; returns the libraries read completely."""
    complete_libraries: list[Library] = []
    since = None if ctx.full else ctx.incremental_since()
    if since is None:
        ctx.plan_listings(sum(len(PLEX_LEVELS.get(library.kind, ())) for library in ctx.libraries))
    for library in ctx.libraries:
        levels = PLEX_LEVELS.get(library.kind)
        if not levels:
            continue
        library_complete = True
        for level in levels:
            if since is not None:
                ok = await _sync_level_since(ctx, client, library, level, since - UPDATED_OVERLAP_SECONDS, result)
            else:
                ok = await _sync_level(ctx, client, library, level, result)
            library_complete = library_complete and ok
        if library_complete:
            complete_libraries.append(library)
    return complete_libraries


async def _sync_level_since(
    ctx: SyncContext, client: PlexServerClient, library: Library, level: int, since: int, result: SourceResult
) -> bool:
    """Only what changed since ``since`` (``updatedAt>>``), checked against the level's count."""

    async def server_total() -> int | None:
        return (await with_retries(lambda: client.list_items(library.upstream_key, type=level, start=0, size=0))).total

    return await refresh_then_check(
        lambda: _sync_level(ctx, client, library, level, result, params={"updatedAt>>": since}),
        server_total,
        lambda: count_items(ctx, library, PLEX_KINDS[level]),
        lambda: _sync_level(ctx, client, library, level, result),
    )


async def _sync_level(
    ctx: SyncContext,
    client: PlexServerClient,
    library: Library,
    level: int,
    result: SourceResult,
    params: dict[str, str | int] | None = None,
) -> bool:
    kind = PLEX_KINDS[level]
    item_ctx = ctx.item_ctx(library)
    listing = Listing()
    pending_details: list[str] = []

    async def fetch(offset: int, size: int) -> Page:
        return await client.list_items(library.upstream_key, type=level, start=offset, size=size, params=params)

    # A library's first pass fetches each page's streams before writing it, so every movie and episode
    # is written once, whole, instead of listed and then rewritten with its streams. The details of
    # the next page are asked while a page waits for its own, keeping the connections busy.
    details_first = kind in NEEDS_STREAMS and library.id in ctx.fresh_libraries
    ahead: deque[asyncio.Task[list[tuple[Any, ...]]]] = deque()
    # One bound for the look-ahead pages' detail requests together: no more queue for the connection
    # pool than the later passes' detail batches make.
    detail_slots = asyncio.Semaphore(ctx.concurrency)

    async def write(rows: list[tuple[Any, ...]]) -> None:
        nonlocal pending_details
        await writer.submit(rows)
        if kind not in NEEDS_STREAMS:
            return
        unknown = writer.take_unknown()
        if details_first:
            return  # every row written was asked; one whose details carry no streams is not asked again
        pending_details.extend(unknown)
        chunk = ctx.detail_batch * ctx.concurrency
        while len(pending_details) >= chunk:
            batch, pending_details = pending_details[:chunk], pending_details[chunk:]
            await _details(ctx, client, library, batch, writer)

    async def write_ahead() -> None:
        while ahead:
            await write(await ahead.popleft())

    try:
        async with ctx.writer(library) as writer:
            try:
                async for page in pages(fetch, size=ctx.page_size, concurrency=ctx.concurrency, listing=listing):
                    rows = [plex_row(item, item_ctx, kind) for item in page.items if "ratingKey" in item]
                    if listing.pages == 1 and params is None:
                        ctx.count_total(listing.total)
                    step = f"{library.title}: {kind}s"
                    await ctx.step(step, requests=client.request_count, pages=1, items=len(rows))
                    if details_first:
                        ahead.append(asyncio.create_task(_with_details(ctx, client, library, rows, detail_slots)))
                        if len(ahead) < DETAILS_AHEAD_PAGES:
                            continue
                        rows = await ahead.popleft()
                    await write(rows)
            except IncompleteListing:
                await write_ahead()  # pages already read are valid, an incomplete listing's too
                raise
            await write_ahead()
            await writer.flush()
            if details_first:
                writer.take_unknown()
            else:
                pending_details.extend(writer.take_unknown() if kind in NEEDS_STREAMS else ())
            if pending_details:
                await _details(ctx, client, library, pending_details, writer)
    except IncompleteListing as exc:
        result.reasons.append(f"{library.title} ({kind}s): {exc}")
        return False
    finally:
        for task in ahead:
            task.cancel()
        await asyncio.gather(*ahead, return_exceptions=True)
    return listing.complete


async def _details(
    ctx: SyncContext, client: PlexServerClient, library: Library, ids: list[str], writer: ItemWriter
) -> None:
    """Stream languages of items already written, rewritten with them."""
    for rows in await _detail_rows(ctx, client, library, ids):
        await writer.submit(rows, listed=False)
    await ctx.step(f"{library.title}: languages", requests=client.request_count)


async def _with_details(
    ctx: SyncContext,
    client: PlexServerClient,
    library: Library,
    rows: list[tuple[Any, ...]],
    slots: asyncio.Semaphore,
) -> list[tuple[Any, ...]]:
    """A listed page with each item's row replaced by its details' (streams included). An item the
    details leave out (deleted meanwhile) keeps its listed row."""
    ids = [row[UPSTREAM_ID] for row in rows]
    batches = await _detail_rows(ctx, client, library, ids, slots)
    detailed = {row[UPSTREAM_ID]: row for batch in batches for row in batch}
    await ctx.step(f"{library.title}: languages", requests=client.request_count)
    return [detailed.get(row[UPSTREAM_ID], row) for row in rows]


async def _detail_rows(
    ctx: SyncContext,
    client: PlexServerClient,
    library: Library,
    ids: list[str],
    slots: asyncio.Semaphore | None = None,
) -> list[list[tuple[Any, ...]]]:
    """Stream languages: one request per batch of ids (``/library/metadata/1,2,3``), at most
    ``ctx.concurrency`` in flight (or as many as ``slots`` lets through); the rows of each batch."""
    item_ctx = ctx.item_ctx(library)
    batches = [ids[i : i + ctx.detail_batch] for i in range(0, len(ids), ctx.detail_batch)]
    sem = slots or asyncio.Semaphore(ctx.concurrency)

    async def one(batch: list[str]) -> list[dict[str, Any]]:
        async with sem:
            return await with_retries(lambda: client.metadata(batch))

    return [
        [
            plex_row(item, item_ctx, PLEX_KINDS.get(_type_number(item), "movie"))
            for item in details
            if "ratingKey" in item
        ]
        for details in await asyncio.gather(*(one(b) for b in batches))
    ]


_TYPE_NUMBERS = {v: k for k, v in PLEX_KINDS.items()}


def _type_number(item: dict[str, Any]) -> int:
    return _TYPE_NUMBERS.get(str(item.get("type")), 1)


async def _sync_history(ctx: SyncContext, client: PlexServerClient, result: SourceResult) -> bool:
    state = ctx.connection.sync_state or {}
    cursor = None if ctx.full else state.get("history_cursor")
    # A play the server dates in the future (a wrong clock) must not move the cursor past today: the
    # next refresh would ask only for plays after it and miss every real one. Such dates never move
    # it; a cursor already there (an older run's) is dropped and the whole history read again.
    latest = int(suspect_after(datetime.now(UTC)).timestamp())
    if cursor and int(cursor) > latest:
        cursor = None
    viewed_after = int(cursor) - HISTORY_OVERLAP_SECONDS if cursor else None
    listing = Listing()
    newest: int | None = None
    first = await history_writer(ctx, first_pass=cursor is None)

    async def fetch(offset: int, size: int) -> Page:
        return await client.history(start=offset, size=size, viewed_after=viewed_after)

    try:
        async for page in pages(fetch, size=ctx.history_page_size, concurrency=ctx.concurrency, listing=listing):
            rows = []
            for row in page.items:
                viewed = row.get("viewedAt")
                if not isinstance(viewed, int):
                    continue
                if viewed <= latest:
                    newest = max(newest or viewed, viewed)
                key = str(row.get("historyKey") or "").rsplit("/", 1)[-1] or f"{row.get('accountID')}:{viewed}"
                rows.append(
                    (
                        ctx.account_id,
                        ctx.connection.id,
                        key,
                        str(row["ratingKey"]) if row.get("ratingKey") is not None else None,
                        str(row.get("accountID", "")),
                        datetime.fromtimestamp(viewed, UTC),
                    )
                )
            await store_history(ctx, rows, first)
            await ctx.step("history", requests=client.request_count, pages=1)
    except IncompleteListing as exc:
        result.reasons.append(f"history: {exc}")
        return False
    previous_total = state.get("history_total")
    shrank = None
    if ctx.full and previous_total and listing.total is not None and listing.total < previous_total:
        ctx.source.warnings.append(
            f"Plex history shrank from {previous_total} to {listing.total} plays; recorded plays are kept."
        )
        # For this run: every account's answers on this server are unknown until the next complete
        # sync (people/health.py).
        shrank = {"run": str(ctx.run_id), "from": previous_total, "to": listing.total}
    ctx.connection.sync_state = {
        **{k: v for k, v in state.items() if k != "history_shrank"},
        "history_cursor": max(newest or 0, int(cursor or 0)) or None,
        **({"history_total": listing.total} if ctx.full else {}),
        **({"history_shrank": shrank} if shrank else {}),
    }
    return True


# The PMS-local account id of the server owner (history's ``accountID`` for the owner's plays).
OWNER_ACCOUNT = "1"


def remember_token_account(ctx: SyncContext, owned: bool | None) -> None:
    """Whose view state the listing's ``viewCount``/``lastViewedAt``/``viewOffset`` are (they belong
    to the token's account): the owner's when plex.tv says the token owns the server. Unknown when
    plex.tv could not tell (the last answer is kept); not the owner's: no one we can name."""
    state = dict(ctx.connection.sync_state or {})
    if owned is True:
        state["plex_account"] = OWNER_ACCOUNT
    elif owned is False:
        state.pop("plex_account", None)
    ctx.connection.sync_state = state


async def _plex_tv_people(ctx: SyncContext, machine_id: str) -> tuple[list[PlexSharedUser] | None, int, bool | None]:
    """The people the owner shares this server with, from plex.tv (with the request count): those
    ``/api/users`` lists with this server among the ones they reach (friends and Home members), and
    every member of the owner's Plex Home (``/api/v2/home/users``), who use the owner's servers
    whether or not ``/api/users`` lists a share for them (a managed user has no plex.tv login).

    None when the token is not the server owner's plex.tv token (someone else's friends are not this
    server's people) or ``/api/users`` cannot be read (a warning on the run). A Home that cannot be read
    leaves the friends and a warning. Last: whether the token owns the server (None: plex.tv could not
    be asked)."""
    settings = ctx.app.settings
    # The libraries are read meanwhile; people are not worth holding the run up for long.
    timeout = min(settings.upstream_timeout_seconds, PEOPLE_TIMEOUT_SECONDS)
    retry = partial(with_retries, max_retry_after=PEOPLE_TIMEOUT_SECONDS)
    async with upstream_http(allow_private=settings.allow_private_networks, timeout=httpx.Timeout(timeout)) as http:
        tv = PlexTvClient(
            http, base_url=settings.plex_tv_url, client_id=plex_client_id(ctx.account_id), token=ctx.secret
        )
        owned: bool | None = None
        try:
            servers = await retry(tv.resources)
            owned = any(s.client_identifier == machine_id and s.owned for s in servers)
            if not owned:
                return None, tv.request_count, False
            users = await retry(tv.users_v1)
        except UpstreamError as exc:
            ctx.source.warnings.append(
                f"Home users and friends could not be read from plex.tv ({exc}); the server's own accounts are used."
            )
            return None, tv.request_count, owned
        shared = [u for u in users if any(s.machine_identifier == machine_id for s in u.servers)]
        try:
            home = await retry(tv.home_users)
        except UpstreamError as exc:
            ctx.source.warnings.append(
                f"The Plex Home's members could not be read from plex.tv ({exc}); friends and the server's own "
                "accounts are used."
            )
            return shared, tv.request_count, True
    listed = {u.id for u in shared}
    shared += [
        PlexSharedUser(
            id=m.id,
            title=m.title,
            username=m.username,
            email=m.email,
            thumb=m.thumb,
            home=True,
            restricted=m.restricted,
            servers=(),
        )
        for m in home
        if not m.admin and not m.guest and m.id not in listed
    ]
    return shared, tv.request_count, True


def plex_people(accounts: list[PlexServerAccount], shared: list[PlexSharedUser] | None) -> list[dict[str, Any]]:
    """Remote users of a Plex server, keyed by the account ids its history uses (1 = the owner; the others
    are plex.tv ids): its local accounts, with the people the owner shares it with (plex.tv) named and
    given their role (Plex Home member or friend), and added when the server has not listed them yet
    (they have not used it)."""
    # Account 0 (no name) is the server's own system account, not a person.
    people = {
        str(a.id): {
            "upstream_id": str(a.id),
            "name": a.name or f"Account {a.id}",
            "role": "owner" if a.id == 1 else "user",
            "email": None,
        }
        for a in accounts
        if a.id != 0
    }
    for user in shared or ():
        known = people.get(str(user.id))
        people[str(user.id)] = {
            "upstream_id": str(user.id),
            "name": user.title or user.username or (known["name"] if known else f"Account {user.id}"),
            "role": "home" if user.home else "friend",
            "email": user.email or None,
        }
    return list(people.values())
