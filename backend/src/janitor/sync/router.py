from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from janitor.accounts.deps import BearerCredentials, CurrentAccount, still_signed_in
from janitor.connections.errors import ConnectionNotFound
from janitor.core.deps import ContextDep, SessionDep, UowDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.sync.errors import NothingToSync, SyncRunNotFound
from janitor.sync.progress import channel
from janitor.sync.schemas import SyncRunOut, SyncStatusOut
from janitor.sync.service import SyncService, to_out
from janitor.sync.status import sync_status

# A comment line this often keeps proxies and browsers from closing an idle stream.
KEEP_ALIVE_SECONDS = 15

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


@router.post(
    "/runs",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"model": SyncRunOut, "description": "A run was already active"},
        **error_responses(Unauthorized, NothingToSync, ConnectionNotFound),
    },
)
async def start_sync(
    uow: UowDep,
    account: CurrentAccount,
    response: Response,
    full: bool = False,
    added: Annotated[
        uuid.UUID | None,
        Query(description="The server just added (a connection id): the run is recorded as started by adding it"),
    ] = None,
) -> SyncRunOut:
    """Refresh now: start a sync of every connection, or return the run already in progress.

    A refresh reads what changed since the last complete pass; `full=true` reads everything (only a
    full pass can notice removed items; one runs daily on its own). With no server connected there is
    nothing to read: 409 `nothing_to_sync`."""
    service = SyncService(uow.session, account.id, jobs=uow.jobs)
    run, created = await (service.start_for_new_server(added) if added else service.start(full=full))
    if not created:
        response.status_code = status.HTTP_200_OK
    return to_out(run)


@router.get("/status", responses=error_responses(Unauthorized))
async def get_sync_status(session: SessionDep, account: CurrentAccount) -> SyncStatusOut:
    """Where syncing stands, without starting anything: the latest run (with its progress while it
    runs), when the daily full sync is due next, and whether Refresh can start one (and why not)."""
    return await sync_status(session, account.id, now=datetime.now(UTC))


@router.get("/runs", responses=error_responses(Unauthorized))
async def list_sync_runs(uow: UowDep, account: CurrentAccount) -> list[SyncRunOut]:
    """Recent runs, newest first, with durations, counts and errors."""
    return [to_out(r) for r in await SyncService(uow.session, account.id, jobs=uow.jobs).recent()]


@router.get("/runs/{run_id:uuid}", responses=error_responses(Unauthorized, SyncRunNotFound))
async def get_sync_run(run_id: uuid.UUID, uow: UowDep, account: CurrentAccount) -> SyncRunOut:
    """One run with its progress per source."""
    return to_out(await SyncService(uow.session, account.id, jobs=uow.jobs).get(run_id))


@router.post("/runs/{run_id:uuid}/cancel", responses=error_responses(Unauthorized, SyncRunNotFound))
async def cancel_sync_run(run_id: uuid.UUID, uow: UowDep, account: CurrentAccount) -> SyncRunOut:
    """Stop a run. Nothing it did not finish is marked missing; what it read is kept."""
    return to_out(await SyncService(uow.session, account.id, jobs=uow.jobs).cancel(run_id))


@router.get(
    "/events",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent progress events"},
        **error_responses(Unauthorized),
    },
)
async def sync_events(
    account: CurrentAccount, session: SessionDep, ctx: ContextDep, credentials: BearerCredentials
) -> EventSourceResponse:
    """Live progress of this account's runs as server-sent events: first `snapshot` (the latest run,
    or `null`), then a `progress` event (`data:` JSON) per update, and a comment every 15 s to keep
    proxies from closing an idle stream.

    The stream ends when its sign-in does (the token expires, the password changes, the account is
    deleted): checked every `events_session_check_seconds`."""
    runs = await SyncService(session, account.id).recent(1)
    first = to_out(runs[0]).model_dump(mode="json") if runs else None
    account_id = account.id
    every = ctx.settings.events_session_check_seconds

    async def stream() -> AsyncIterator[ServerSentEvent]:
        # sse-starlette ends this generator when the client goes away (and sends the keep-alives).
        pubsub = ctx.redis.pubsub()
        await pubsub.subscribe(channel(account_id))
        try:
            yield ServerSentEvent(event="snapshot", data=orjson.dumps(first).decode())
            while True:
                check_at = time.monotonic() + every
                while (left := check_at - time.monotonic()) > 0:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
                    if message is not None:
                        yield ServerSentEvent(event="progress", data=message["data"].decode())
                if not await still_signed_in(ctx, credentials):
                    return
        finally:
            await pubsub.unsubscribe(channel(account_id))
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    return EventSourceResponse(stream(), ping=KEEP_ALIVE_SECONDS)
