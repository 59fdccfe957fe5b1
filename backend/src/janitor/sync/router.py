from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Request, Response, status
from fastapi.responses import StreamingResponse

from janitor.core.deps import ContextDep, CurrentAccount, SessionDep, UowDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.sync.errors import SyncRunNotFound
from janitor.sync.progress import channel
from janitor.sync.schemas import SyncRunOut
from janitor.sync.service import SyncService, to_out

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])


@router.post(
    "/runs",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": SyncRunOut, "description": "A run was already active"}, **error_responses(Unauthorized)},
)
async def start_sync(uow: UowDep, account: CurrentAccount, response: Response, full: bool = False) -> SyncRunOut:
    """Refresh now: start a sync of every connection, or return the run already in progress.

    A refresh reads what changed since the last complete pass; `full=true` reads everything (only a
    full pass can notice removed items; one runs daily on its own)."""
    run, created = await SyncService(uow.session, account.id, jobs=uow.jobs).start(full=full)
    if not created:
        response.status_code = status.HTTP_200_OK
    return to_out(run)


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
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent progress events"},
        **error_responses(Unauthorized),
    },
)
async def sync_events(
    request: Request, account: CurrentAccount, session: SessionDep, ctx: ContextDep
) -> StreamingResponse:
    """Live progress of this account's runs as server-sent events (`data:` JSON per update)."""
    runs = await SyncService(session, account.id).recent(1)
    first = to_out(runs[0]).model_dump(mode="json") if runs else None
    account_id = account.id

    async def stream() -> AsyncIterator[bytes]:
        pubsub = ctx.redis.pubsub()
        await pubsub.subscribe(channel(account_id))
        try:
            yield b"event: snapshot\ndata: " + orjson.dumps(first) + b"\n\n"
            while not await request.is_disconnected():
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=15.0)
                if message is None:
                    yield b": keep-alive\n\n"
                    continue
                yield b"event: progress\ndata: " + message["data"] + b"\n\n"
                await asyncio.sleep(0)
        finally:
            await pubsub.unsubscribe(channel(account_id))
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
