"""What the app learns from a server when a connection is saved or tested."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from janitor.connections.clients.jellyfin import JellyfinClient
from janitor.connections.clients.jellyseerr import JellyseerrClient
from janitor.connections.clients.plex import PlexServerClient
from janitor.connections.models import LibraryKind

PLEX_SECTION_KINDS = {"movie": LibraryKind.MOVIE, "show": LibraryKind.SHOW, "artist": LibraryKind.MUSIC}
JELLYFIN_VIEW_KINDS = {"movies": LibraryKind.MOVIE, "tvshows": LibraryKind.SHOW, "music": LibraryKind.MUSIC}
SYNCED_BY_DEFAULT = {LibraryKind.MOVIE, LibraryKind.SHOW, LibraryKind.MUSIC}


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
    info = await client.server_info()  # needs a valid token
    sections = await client.sections()
    return Probe(
        server_id=identity.machine_identifier,
        name=info.friendly_name or "Plex Media Server",
        version=info.version,
        options={"deletion_enabled": info.allow_media_deletion},
        libraries=[library_row(s.key, s.title, PLEX_SECTION_KINDS.get(s.type, LibraryKind.OTHER)) for s in sections],
    )


async def probe_jellyfin(client: JellyfinClient, *, user_id: str | None) -> tuple[Probe, list[dict[str, Any]]]:
    public = await client.public_info()
    await client.system_info()  # needs a valid key
    found = await client.users()
    users: list[dict[str, Any]] = [
        {"id": u.id, "name": u.name, "is_admin": u.is_admin, "can_delete": u.can_delete} for u in found
    ]
    probe = Probe(server_id=public.id, name=public.server_name or "Jellyfin", version=public.version)
    if user_id is not None:
        user = next((u for u in found if u.id == user_id.replace("-", "").lower()), None)
        if user is not None:
            probe.options = {"user_id": user.id, "user_name": user.name, "deletion_enabled": user.can_delete}
            views = await client.views(user.id)
            probe.libraries = [
                library_row(v.id, v.name, JELLYFIN_VIEW_KINDS.get(v.collection_type or "", LibraryKind.OTHER))
                for v in views
            ]
    return probe, users


async def probe_jellyseerr(client: JellyseerrClient) -> Probe:
    status = await client.status()
    await client.check_auth()
    return Probe(server_id=None, name="Jellyseerr", version=status.version)
