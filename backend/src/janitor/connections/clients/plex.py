"""Plex Media Server (PMS): identity, sections, paged listings, batched details, history, delete.

Every JSON body is ``{"MediaContainer": {...}}``; an empty container omits its child list. A body
without ``MediaContainer`` is not a PMS answer, and an absent child list only means "empty" when
the container says so (``size``/``totalSize`` 0): a failure is never read as an empty library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from janitor.connections.clients.base import (
    BaseClient,
    Image,
    Page,
    Params,
    as_bool,
    as_int,
    as_str,
    error_for_status,
    parse_datetime,
    path_segment,
    require_int,
    require_item_list,
    require_str,
)
from janitor.connections.clients.errors import UpstreamNotFound, UpstreamProtocolError, UpstreamRefused
from janitor.connections.clients.plextv import plex_headers

# Plex metadata type numbers for ``list_items(type=...)``.
PLEX_TYPE_MOVIE = 1
PLEX_TYPE_SHOW = 2
PLEX_TYPE_SEASON = 3
PLEX_TYPE_EPISODE = 4
PLEX_TYPE_ARTIST = 8
PLEX_TYPE_ALBUM = 9
PLEX_TYPE_TRACK = 10

# History ``accountID`` of the server owner (not their plex.tv id).
PLEX_OWNER_ACCOUNT_ID = 1

DELETION_DISABLED = "media deletion is disabled on this Plex server"

_SERVICE = "The Plex Media Server"


@dataclass(frozen=True, slots=True)
class PlexIdentity:
    machine_identifier: str
    version: str | None
    claimed: bool


@dataclass(frozen=True, slots=True)
class PlexServerInfo:
    friendly_name: str | None
    machine_identifier: str
    version: str | None
    allow_media_deletion: bool  # absent means not allowed
    my_plex_username: str | None = None


@dataclass(frozen=True, slots=True)
class PlexSection:
    key: str
    type: str  # movie | show | artist | photo
    title: str
    agent: str | None
    scanner: str | None
    language: str | None
    uuid: str | None
    updated_at: datetime | None
    scanned_at: datetime | None
    locations: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class PlexServerAccount:
    """A PMS-local account (``/accounts``); ``id`` matches history ``accountID`` (1 = owner)."""

    id: int
    name: str | None
    default_audio_language: str | None = None
    default_subtitle_language: str | None = None


class PlexServerClient(BaseClient):
    service = _SERVICE

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, token: str, client_id: str) -> None:
        super().__init__(http, base_url)
        if not client_id:
            raise ValueError("client_id is required")
        self.client_id = client_id
        self._token = token

    def _headers(self, *, auth: bool) -> dict[str, str]:
        return plex_headers(self.client_id, self._token if auth else None)

    async def _container(
        self,
        path: str,
        *,
        params: Params | None = None,
        start: int | None = None,
        size: int | None = None,
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        if start is not None:
            headers["X-Plex-Container-Start"] = str(start)
        if size is not None:
            headers["X-Plex-Container-Size"] = str(size)
        data = await self._get_json(path, params=params, headers=headers)
        return media_container(data)

    async def _page(
        self, path: str, *, params: Params | None = None, start: int | None = None, size: int | None = None
    ) -> Page:
        mc = await self._container(path, params=params, start=start, size=size)
        return container_page(mc, "Metadata", start or 0)

    # ------------------------------------------------------------------ server
    async def identity(self) -> PlexIdentity:
        mc = await self._container("/identity")
        return PlexIdentity(
            machine_identifier=require_str(mc, "machineIdentifier", self.service, "its identity"),
            version=as_str(mc.get("version")),
            claimed=as_bool(mc.get("claimed")),
        )

    async def server_info(self) -> PlexServerInfo:
        mc = await self._container("/")
        return PlexServerInfo(
            friendly_name=as_str(mc.get("friendlyName")),
            machine_identifier=require_str(mc, "machineIdentifier", self.service, "its details"),
            version=as_str(mc.get("version")),
            allow_media_deletion=as_bool(mc.get("allowMediaDeletion")),
            my_plex_username=as_str(mc.get("myPlexUsername")),
        )

    async def sections(self) -> list[PlexSection]:
        mc = await self._container("/library/sections")
        out: list[PlexSection] = []
        for d in container_items(mc, "Directory"):
            locs = d.get("Location")
            out.append(
                PlexSection(
                    key=require_str(d, "key", self.service, "a library"),
                    type=as_str(d.get("type")) or "",
                    title=as_str(d.get("title")) or "",
                    agent=as_str(d.get("agent")),
                    scanner=as_str(d.get("scanner")),
                    language=as_str(d.get("language")),
                    uuid=as_str(d.get("uuid")),
                    updated_at=parse_datetime(d.get("updatedAt")),
                    scanned_at=parse_datetime(d.get("scannedAt")),
                    locations=tuple(
                        p
                        for loc in (locs if isinstance(locs, list) else [])
                        if isinstance(loc, dict) and (p := as_str(loc.get("path")))
                    ),
                )
            )
        return out

    async def accounts(self) -> list[PlexServerAccount]:
        mc = await self._container("/accounts")
        return [
            PlexServerAccount(
                id=require_int(a, "id", self.service, "an account"),
                name=as_str(a.get("name")),
                default_audio_language=as_str(a.get("defaultAudioLanguage")),
                default_subtitle_language=as_str(a.get("defaultSubtitleLanguage")),
            )
            for a in container_items(mc, "Account")
        ]

    # ------------------------------------------------------------------ items
    async def list_items(
        self,
        section_key: str,
        *,
        type: int,  # Plex's own parameter name
        start: int,
        size: int,
        params: Mapping[str, str | int | float | bool | None] | None = None,
    ) -> Page:
        """One page of a section at one level (``type`` 1 movie, 2 show, 4 episode, 10 track...)."""
        query: dict[str, str | int | float | bool | None] = {"type": type, "includeGuids": 1}
        if params:
            query.update(params)
        path = f"/library/sections/{path_segment(section_key)}/all"
        return await self._page(path, params=query, start=start, size=size)

    async def metadata(self, rating_keys: Sequence[str]) -> list[dict[str, Any]]:
        """Details (with ``Media/Part/Stream``) of many items in ONE request: ``/library/metadata/1,2,3``.

        Items the server no longer has are simply missing from the answer.
        """
        if isinstance(rating_keys, str):
            raise TypeError("rating_keys must be a sequence of keys, not a string")
        if not rating_keys:
            return []
        joined = ",".join(path_segment(rk) for rk in rating_keys)
        mc = await self._container(f"/library/metadata/{joined}", params={"includeGuids": 1})
        return container_items(mc, "Metadata")

    async def children(self, rating_key: str, *, start: int | None = None, size: int | None = None) -> Page:
        """The next level down (a show's seasons, a season's episodes, an artist's albums)."""
        return await self._page(f"/library/metadata/{path_segment(rating_key)}/children", start=start, size=size)

    async def all_leaves(self, rating_key: str, *, start: int, size: int) -> Page:
        """Every episode of a show/season (or track of an artist/album)."""
        return await self._page(f"/library/metadata/{path_segment(rating_key)}/allLeaves", start=start, size=size)

    # ------------------------------------------------------------------ history
    async def history(
        self,
        *,
        start: int,
        size: int,
        viewed_after: int | None = None,
        account_id: int | None = None,
        section_id: str | None = None,
    ) -> Page:
        """Play history, newest first. ``viewed_after`` is epoch seconds, inclusive (``viewedAt>=``).

        Rows for media deleted since lack ``ratingKey``/``key``; ``accountID`` 1 is the owner.
        """
        query: dict[str, str | int | float | bool | None] = {"sort": "viewedAt:desc"}
        if viewed_after is not None:
            # python-plexapi's form: key "viewedAt>" so the URL reads viewedAt%3E=<epoch>.
            query["viewedAt>"] = viewed_after
        if account_id is not None:
            query["accountID"] = account_id
        if section_id is not None:
            query["librarySectionID"] = section_id
        return await self._page("/status/sessions/history/all", params=query, start=start, size=size)

    # ------------------------------------------------------------------ artwork
    async def poster(self, rating_key: str, *, max_bytes: int) -> Image:
        """The item's poster: ``/library/metadata/{ratingKey}/thumb`` (the listing's ``thumb`` path
        without its cache-busting timestamp). 404 → ``UpstreamNotFound``: the item has none."""
        return await self._get_image(f"/library/metadata/{path_segment(rating_key)}/thumb", max_bytes=max_bytes)

    # ------------------------------------------------------------------ delete
    async def delete_item(self, rating_key: str) -> None:
        """Delete an item *and its files*. 400 → ``UpstreamRefused`` (deletion disabled on the server)."""
        response = await self._raw("DELETE", f"/library/metadata/{path_segment(rating_key)}")
        status = response.status_code
        if status == 400:
            raise UpstreamRefused(DELETION_DISABLED, status=400)
        if status == 404:
            raise UpstreamNotFound("The item is not on the Plex server (already deleted?).", status=404)
        error = error_for_status(response, self.service)
        if error is not None:
            raise error

    async def delete_media(self, rating_key: str, media_id: str) -> None:
        """Delete one version (``Media``) of an item *and its files*, the item and its other versions
        staying (``deleteMediaItem``: 200; 400 → ``UpstreamRefused``, the server does not allow media
        deletion; 404 → ``UpstreamNotFound``, no such item or version)."""
        path = f"/library/metadata/{path_segment(rating_key)}/media/{path_segment(media_id)}"
        response = await self._raw("DELETE", path)
        status = response.status_code
        if status == 400:
            raise UpstreamRefused(DELETION_DISABLED, status=400)
        if status == 404:
            raise UpstreamNotFound("The version is not on the Plex server (already deleted?).", status=404)
        error = error_for_status(response, self.service)
        if error is not None:
            raise error


def media_container(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("MediaContainer"), dict):
        raise UpstreamProtocolError(f"{_SERVICE} sent JSON without a MediaContainer; is this a Plex server?")
    mc: dict[str, Any] = data["MediaContainer"]
    return mc


def container_items(mc: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """The child list; absent only counts as empty when the container declares itself empty."""
    items = mc.get(key)
    if items is None:
        if as_int(mc.get("size")) == 0 or as_int(mc.get("totalSize")) == 0:
            return []
        raise UpstreamProtocolError(f"{_SERVICE} sent a container without {key} that does not say it is empty.")
    return require_item_list(items, _SERVICE, f"{key} list")


def container_page(mc: Mapping[str, Any], key: str, requested_start: int) -> Page:
    items = container_items(mc, key)
    raw_total = mc.get("totalSize")
    total = as_int(raw_total)
    if raw_total is not None and total is None:
        raise UpstreamProtocolError(f"{_SERVICE} sent a non-numeric totalSize.")
    offset = as_int(mc.get("offset"))
    return Page(items=items, offset=requested_start if offset is None else offset, total=total)
