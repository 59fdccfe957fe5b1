from __future__ import annotations

import uuid
from functools import partial

from fastapi import APIRouter, status

from janitor.accounts.deps import CurrentAccount, VerifiedAccount, data_changed
from janitor.accounts.errors import EmailNotVerified
from janitor.connections.errors import (
    ConnectionExists,
    ConnectionNotFound,
    ConnectionValidationFailed,
    LibraryNotFound,
    PathMappingRepeated,
    PathMappingsNotApplicable,
    PinNotClaimed,
    PinNotFound,
    PlexServerNotFound,
)
from janitor.connections.models import ConnectionKind
from janitor.connections.plex_signin import PlexSignIn
from janitor.connections.schemas import (
    ConnectionOut,
    ConnectionUpdate,
    JellyfinIn,
    JellyfinProbeIn,
    JellyfinProbeOut,
    JellyseerrIn,
    LibraryOut,
    LibraryUpdate,
    PathMappingsIn,
    PathMappingsOut,
    PlexFromPinIn,
    PlexManualIn,
    PlexPinOut,
    PlexPinStatusOut,
)
from janitor.connections.service import ConnectionService, to_out
from janitor.core.deps import ContextDep, SessionDep, UowDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.core.events import Change, EventsDep

router = APIRouter(prefix="/api/v1", tags=["connections"])

# Connecting a server (and every step that reaches a new one) needs a confirmed address while the
# operator requires it (accounts/addresses.py).
SAVE_ERRORS = error_responses(Unauthorized, EmailNotVerified, ConnectionValidationFailed, ConnectionExists)


def _service(session: SessionDep, account: CurrentAccount, ctx: ContextDep) -> ConnectionService:
    return ConnectionService(session, account, settings=ctx.settings)


@router.get("/connections", responses=error_responses(Unauthorized))
async def list_connections(session: SessionDep, account: CurrentAccount, ctx: ContextDep) -> list[ConnectionOut]:
    """Every connected server, with its status and last error. Tokens are never returned."""
    return [to_out(c) for c in await _service(session, account, ctx).all()]


@router.get("/connections/{connection_id:uuid}", responses=error_responses(Unauthorized, ConnectionNotFound))
async def get_connection(
    connection_id: uuid.UUID, session: SessionDep, account: CurrentAccount, ctx: ContextDep
) -> ConnectionOut:
    """One connection."""
    return to_out(await _service(session, account, ctx).get(connection_id))


@router.patch(
    "/connections/{connection_id:uuid}",
    responses=error_responses(Unauthorized, ConnectionNotFound, ConnectionValidationFailed),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def update_connection(
    connection_id: uuid.UUID, body: ConnectionUpdate, session: SessionDep, account: CurrentAccount, ctx: ContextDep
) -> ConnectionOut:
    """Rename, or change the address, token or certificate check (validated before it is saved)."""
    return to_out(await _service(session, account, ctx).update(connection_id, body))


@router.delete(
    "/connections/{connection_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(Unauthorized, ConnectionNotFound),
    dependencies=[data_changed(Change.REPORT_INPUTS, Change.PRESENT_ITEMS)],
)
async def delete_connection(
    connection_id: uuid.UUID, uow: UowDep, account: CurrentAccount, ctx: ContextDep, events: EventsDep
) -> None:
    """Remove the connection and everything synced from it."""
    removing = partial(events.publish, uow, account.id, Change.SERVER_REMOVING)
    await _service(uow.session, account, ctx).delete(connection_id, before=removing)


@router.get(
    "/connections/{connection_id:uuid}/path-mappings",
    responses=error_responses(Unauthorized, ConnectionNotFound, PathMappingsNotApplicable),
)
async def get_path_mappings(
    connection_id: uuid.UUID, session: SessionDep, account: CurrentAccount, ctx: ContextDep
) -> PathMappingsOut:
    """How this server's file paths read on the account's other servers, a sample of its paths, and
    the servers it shares files with (the same file is one row in every report)."""
    return await _service(session, account, ctx).path_mappings(connection_id)


@router.put(
    "/connections/{connection_id:uuid}/path-mappings",
    responses=error_responses(Unauthorized, PathMappingRepeated, ConnectionNotFound, PathMappingsNotApplicable),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def set_path_mappings(
    connection_id: uuid.UUID, body: PathMappingsIn, session: SessionDep, account: CurrentAccount, ctx: ContextDep
) -> PathMappingsOut:
    """Replace the path mappings: what this server calls `server_path`, the other servers call
    `shared_path` (longest folder first). The files the servers share are recomputed at once."""
    return await _service(session, account, ctx).set_path_mappings(connection_id, body.mappings)


@router.post("/connections/{connection_id:uuid}/test", responses=error_responses(Unauthorized, ConnectionNotFound))
async def test_connection(
    connection_id: uuid.UUID, session: SessionDep, account: CurrentAccount, ctx: ContextDep
) -> ConnectionOut:
    """Check the server again now; the outcome is recorded in `status` and `last_error`."""
    return to_out(await _service(session, account, ctx).test(connection_id))


@router.post("/connections/plex/manual", status_code=status.HTTP_201_CREATED, responses=SAVE_ERRORS)
async def add_plex_manual(
    body: PlexManualIn, session: SessionDep, account: VerifiedAccount, ctx: ContextDep
) -> ConnectionOut:
    """Connect a Plex Media Server by URL and token."""
    connection = await _service(session, account, ctx).create(
        ConnectionKind.PLEX, url=body.url, secret=body.token, name=body.name, verify_tls=body.verify_tls
    )
    return to_out(connection)


@router.post("/connections/plex/pins", status_code=status.HTTP_201_CREATED, responses=SAVE_ERRORS)
async def start_plex_signin(session: SessionDep, account: VerifiedAccount, ctx: ContextDep) -> PlexPinOut:
    """Start "Sign in with Plex": open `auth_url` in a browser, then poll the PIN."""
    return await PlexSignIn(_service(session, account, ctx), ctx.redis).start()


@router.get(
    "/connections/plex/pins/{pin_id:int}",
    responses=error_responses(Unauthorized, PinNotFound, ConnectionValidationFailed),
)
async def check_plex_signin(
    pin_id: int, session: SessionDep, account: CurrentAccount, ctx: ContextDep
) -> PlexPinStatusOut:
    """Poll the sign-in: `waiting`, `expired`, or `claimed` with the account's servers to choose from."""
    return await PlexSignIn(_service(session, account, ctx), ctx.redis).check(pin_id)


@router.post(
    "/connections/plex/pins/{pin_id:int}/connect",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        Unauthorized,
        EmailNotVerified,
        PinNotFound,
        PinNotClaimed,
        PlexServerNotFound,
        ConnectionValidationFailed,
        ConnectionExists,
    ),
)
async def connect_plex_server(
    pin_id: int, body: PlexFromPinIn, session: SessionDep, account: VerifiedAccount, ctx: ContextDep
) -> ConnectionOut:
    """Connect the chosen server: its addresses are tried local first, then remote, then relay."""
    signin = PlexSignIn(_service(session, account, ctx), ctx.redis)
    return to_out(await signin.connect(pin_id, body.client_identifier))


@router.post(
    "/connections/jellyfin/probe",
    responses=error_responses(Unauthorized, EmailNotVerified, ConnectionValidationFailed),
)
async def probe_jellyfin(
    body: JellyfinProbeIn, session: SessionDep, account: VerifiedAccount, ctx: ContextDep
) -> JellyfinProbeOut:
    """Check a Jellyfin URL and API key and list its users, to choose the one the app acts as."""
    return await _service(session, account, ctx).probe_jellyfin(
        url=body.url, api_key=body.api_key, verify_tls=body.verify_tls
    )


@router.post("/connections/jellyfin", status_code=status.HTTP_201_CREATED, responses=SAVE_ERRORS)
async def add_jellyfin(
    body: JellyfinIn, session: SessionDep, account: VerifiedAccount, ctx: ContextDep
) -> ConnectionOut:
    """Connect a Jellyfin server with an API key, acting as the given user."""
    connection = await _service(session, account, ctx).create(
        ConnectionKind.JELLYFIN,
        url=body.url,
        secret=body.api_key,
        name=body.name,
        verify_tls=body.verify_tls,
        user_id=body.user_id,
    )
    return to_out(connection)


@router.post("/connections/jellyseerr", status_code=status.HTTP_201_CREATED, responses=SAVE_ERRORS)
async def add_jellyseerr(
    body: JellyseerrIn, session: SessionDep, account: VerifiedAccount, ctx: ContextDep
) -> ConnectionOut:
    """Connect a Jellyseerr (or Seerr) server with its API key."""
    connection = await _service(session, account, ctx).create(
        ConnectionKind.JELLYSEERR, url=body.url, secret=body.api_key, name=body.name, verify_tls=body.verify_tls
    )
    return to_out(connection)


@router.get("/libraries", responses=error_responses(Unauthorized, ConnectionNotFound))
async def list_libraries(
    session: SessionDep, account: CurrentAccount, ctx: ContextDep, connection_id: uuid.UUID | None = None
) -> list[LibraryOut]:
    """Libraries of every connection (or of one), with whether each is synced."""
    libraries = await _service(session, account, ctx).list_libraries(connection_id)
    return [LibraryOut.model_validate(lib) for lib in libraries]


@router.patch(
    "/libraries/{library_id:uuid}",
    responses=error_responses(Unauthorized, LibraryNotFound),
    dependencies=[data_changed(Change.REPORT_INPUTS, Change.PRESENT_ITEMS)],
)
async def update_library(
    library_id: uuid.UUID, body: LibraryUpdate, session: SessionDep, account: CurrentAccount, ctx: ContextDep
) -> LibraryOut:
    """Turn syncing of one library on or off."""
    library = await _service(session, account, ctx).set_library_enabled(library_id, enabled=body.enabled)
    return LibraryOut.model_validate(library)
