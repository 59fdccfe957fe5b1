"""What the app learns from a server when a connection is saved or tested."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from janitor.connections.clients.errors import UpstreamError
from janitor.connections.clients.jellyfin import JellyfinClient
from janitor.connections.clients.jellyseerr import JellyseerrClient
from janitor.connections.clients.plex import PlexServerClient
from janitor.connections.models import LibraryKind

PLEX_SECTION_KINDS = {"movie": LibraryKind.MOVIE, "show": LibraryKind.SHOW, "artist": LibraryKind.MUSIC}
JELLYFIN_VIEW_KINDS = {"movies": LibraryKind.MOVIE, "tvshows": LibraryKind.SHOW, "music": LibraryKind.MUSIC}
SYNCED_BY_DEFAULT = {LibraryKind.MOVIE, LibraryKind.SHOW, LibraryKind.MUSIC}

T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """A call a probe makes once the server has identified itself."""

    what: str  # what the call is for, in words: "listing its users"
    call: str  # the request, method and path (never a query, an id or a token): "GET /Users"
    checks_key: bool = False  # the first authenticated call: a refusal means the token is wrong
    refused_hint: str = ""  # what to do when the server refuses this call with a token it accepted


class ProbeStepFailed(UpstreamError):
    """A server that identified itself (``identified_as``) failed a later call of the probe: the error
    says which call and how (``cause``), instead of "this is not such a server"."""

    kind = "probe_step_failed"

    def __init__(self, step: Step, cause: UpstreamError, *, identified_as: str) -> None:
        super().__init__(cause.message, status=cause.status)
        self.step = step
        self.cause = cause
        self.identified_as = identified_as


async def after_identity(identified_as: str, step: Step, call: Awaitable[T]) -> T:
    """Await one call of a probe made after the server identified itself; its failure names it."""
    try:
        return await call
    except UpstreamError as exc:
        raise ProbeStepFailed(step, exc, identified_as=identified_as) from exc


PLEX_INFO = Step("checking the token", "GET /", checks_key=True)
PLEX_SECTIONS = Step(
    "listing its libraries",
    "GET /library/sections",
    refused_hint="Use the server owner's token (a shared user's token may not list the libraries).",
)
JELLYFIN_INFO = Step("checking the API key", "GET /System/Info", checks_key=True)
JELLYFIN_USERS = Step(
    "listing its users",
    "GET /Users",
    refused_hint="Use an API key made under Dashboard → API Keys, which may list the users (a user's own "
    "access token may not).",
)
JELLYFIN_VIEWS = Step(
    "listing the chosen user's libraries",
    "GET /UserViews",
    refused_hint="Use an API key made under Dashboard → API Keys.",
)
SEERR_AUTH = Step("checking the API key", "GET /api/v1/auth/me", checks_key=True)


def plex_client_id(account_id: uuid.UUID) -> str:
    """Stable per account: plex.tv ties tokens to the client identifier that asked for them."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"media-janitor:{account_id}"))


def library_row(key: str, title: str, kind: LibraryKind) -> dict[str, Any]:
    return {"upstream_key": key, "title": title, "kind": kind.value, "enabled": kind in SYNCED_BY_DEFAULT}


@dataclass
class Probe:
    server_id: str | None
    name: str
    version: str | None
    options: dict[str, Any] = field(default_factory=dict)
    libraries: list[dict[str, Any]] = field(default_factory=list)


async def probe_plex(client: PlexServerClient) -> Probe:
    identity = await client.identity()
    who = f"Plex Media Server {identity.version or ''}".strip()
    info = await after_identity(who, PLEX_INFO, client.server_info())  # needs a valid token
    sections = await after_identity(who, PLEX_SECTIONS, client.sections())
    return Probe(
        server_id=identity.machine_identifier,
        name=info.friendly_name or "Plex Media Server",
        version=info.version,
        options={"deletion_enabled": info.allow_media_deletion},
        libraries=[library_row(s.key, s.title, PLEX_SECTION_KINDS.get(s.type, LibraryKind.OTHER)) for s in sections],
    )


async def probe_jellyfin(client: JellyfinClient, *, user_id: str | None) -> tuple[Probe, list[dict[str, Any]]]:
    public = await client.public_info()
    who = f"Jellyfin {public.version}"
    await after_identity(who, JELLYFIN_INFO, client.system_info())  # needs a valid key
    found = await after_identity(who, JELLYFIN_USERS, client.users())
    users: list[dict[str, Any]] = [
        {"id": u.id, "name": u.name, "is_admin": u.is_admin, "can_delete": u.can_delete} for u in found
    ]
    probe = Probe(server_id=public.id, name=public.server_name or "Jellyfin", version=public.version)
    if user_id is not None:
        user = next((u for u in found if u.id == user_id.replace("-", "").lower()), None)
        if user is not None:
            probe.options = {"user_id": user.id, "user_name": user.name, "deletion_enabled": user.can_delete}
            views = await after_identity(who, JELLYFIN_VIEWS, client.views(user.id))
            probe.libraries = [
                library_row(v.id, v.name, JELLYFIN_VIEW_KINDS.get(v.collection_type or "", LibraryKind.OTHER))
                for v in views
            ]
    return probe, users


async def probe_jellyseerr(client: JellyseerrClient) -> Probe:
    status = await client.status()
    await after_identity(f"Jellyseerr {status.version}", SEERR_AUTH, client.check_auth())
    return Probe(server_id=None, name="Jellyseerr", version=status.version)
