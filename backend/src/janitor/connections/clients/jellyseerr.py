"""Jellyseerr / Seerr (``/api/v1``): status, auth check, paged requests and media, TMDB titles.

Auth is the ``X-Api-Key`` header; a missing or wrong key answers 403 (not 401).
Status enums (v2.6+): request 1 PENDING, 2 APPROVED, 3 DECLINED, 4 FAILED, 5 COMPLETED; media
1 UNKNOWN, 2 PENDING, 3 PROCESSING, 4 PARTIALLY_AVAILABLE, 5 AVAILABLE, 6 BLACKLISTED, 7 DELETED.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from janitor.connections.clients.base import (
    BaseClient,
    Page,
    as_bool,
    as_int,
    as_str,
    path_segment,
    require_dict,
    require_int,
    require_item_list,
)
from janitor.connections.clients.errors import UpstreamProtocolError, UpstreamTransient

REQUEST_STATUS = {1: "pending", 2: "approved", 3: "declined", 4: "failed", 5: "completed"}
MEDIA_STATUS = {
    1: "unknown",
    2: "pending",
    3: "processing",
    4: "partially_available",
    5: "available",
    6: "blocklisted",
    7: "deleted",
}


@dataclass(frozen=True, slots=True)
class JellyseerrStatus:
    version: str
    commit_tag: str | None
    update_available: bool
    restart_required: bool


@dataclass(frozen=True, slots=True)
class JellyseerrUser:
    id: int
    display_name: str | None
    permissions: int | None
    user_type: int | None


class JellyseerrClient(BaseClient):
    service = "Jellyseerr"

    def __init__(self, http: httpx.AsyncClient, *, base_url: str, api_key: str) -> None:
        super().__init__(http, base_url)
        self._api_key = api_key

    def _headers(self, *, auth: bool) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if auth:
            headers["X-Api-Key"] = self._api_key
        return headers

    async def status(self) -> JellyseerrStatus:
        """Unauthenticated probe; an answer without ``version`` is not Jellyseerr/Seerr."""
        data = await self._get_json("/api/v1/status", auth=False)
        version = data.get("version") if isinstance(data, dict) else None
        if not isinstance(version, str) or not version:
            raise UpstreamProtocolError("This does not look like a Jellyseerr server (no version in /status).")
        return JellyseerrStatus(
            version=version,
            commit_tag=as_str(data.get("commitTag")),
            update_available=as_bool(data.get("updateAvailable")),
            restart_required=as_bool(data.get("restartRequired")),
        )

    async def check_auth(self) -> JellyseerrUser:
        """Cheap authenticated call (``/auth/me``): the user the API key acts as (normally id 1)."""
        data = require_dict(await self._get_json("/api/v1/auth/me"), self.service, "user")
        return JellyseerrUser(
            id=require_int(data, "id", self.service, "a user"),
            display_name=as_str(data.get("displayName")),
            permissions=as_int(data.get("permissions")),
            user_type=as_int(data.get("userType")),
        )

    async def requests(self, *, take: int, skip: int, filter: str = "all", sort: str = "added") -> Page:
        """One page of requests; ``total`` is ``pageInfo.results``."""
        data = await self._get_json(
            "/api/v1/request", params={"take": take, "skip": skip, "filter": filter, "sort": sort}
        )
        return self._page(data, skip)

    async def media(self, *, take: int, skip: int, filter: str = "all", sort: str = "added") -> Page:
        data = await self._get_json(
            "/api/v1/media", params={"take": take, "skip": skip, "filter": filter, "sort": sort}
        )
        return self._page(data, skip)

    async def movie(self, tmdb_id: int) -> dict[str, Any]:
        """TMDB movie details (``title``, ``releaseDate``, ``mediaInfo``...). TMDB failure → transient."""
        return await self._details("movie", tmdb_id)

    async def tv(self, tmdb_id: int) -> dict[str, Any]:
        """TMDB series details (``name``, not ``title``; ``firstAirDate``...). TMDB failure → transient."""
        return await self._details("tv", tmdb_id)

    async def _details(self, kind: str, tmdb_id: int) -> dict[str, Any]:
        try:
            data = await self._get_json(f"/api/v1/{kind}/{path_segment(tmdb_id)}")
        except UpstreamTransient as exc:
            if exc.status == 500:
                # Jellyseerr answers 500 "Unable to retrieve ..." when TMDB failed or does not know the id.
                raise UpstreamTransient(
                    f"Jellyseerr could not fetch {kind} {tmdb_id} from TMDB (HTTP 500).",
                    status=500,
                    retry_after=exc.retry_after,
                ) from None
            raise
        return require_dict(data, self.service, f"{kind} details")

    async def delete_media(self, media_id: int) -> None:
        """Remove Jellyseerr's record of a title (``DELETE /api/v1/media/{id}``, 204): it is no longer
        shown as available and can be requested again. Files are not touched. 404 → ``UpstreamNotFound``."""
        await self._send("DELETE", f"/api/v1/media/{path_segment(media_id)}")

    def _page(self, data: Any, skip: int) -> Page:
        body = require_dict(data, self.service, "list")
        page_info = body.get("pageInfo")
        if not isinstance(page_info, dict) or "results" not in body:
            raise UpstreamProtocolError("Jellyseerr sent a list without pageInfo/results.")
        items = require_item_list(body["results"], self.service, "result list")
        total = as_int(page_info.get("results"))
        if page_info.get("results") is not None and total is None:
            raise UpstreamProtocolError("Jellyseerr sent a non-numeric pageInfo.results.")
        return Page(items=items, offset=skip, total=total)
