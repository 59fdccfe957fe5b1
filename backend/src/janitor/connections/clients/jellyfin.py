"""Jellyfin: server info, users, libraries (views), paged item listings, delete.

JSON is PascalCase with null properties omitted; ids are 32-hex GUIDs without dashes.
Auth is the ``Authorization: MediaBrowser ..., Token="..."`` header only (never ``ApiKey=``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from janitor.connections.clients.base import (
    CLIENT_VERSION,
    PRODUCT,
    BaseClient,
    Image,
    Page,
    as_bool,
    as_int,
    as_str,
    error_for_status,
    parse_datetime,
    path_segment,
    require_dict,
    require_item_list,
    require_str,
)
from janitor.connections.clients.errors import UpstreamAuthError, UpstreamNotFound, UpstreamProtocolError

JELLYFIN_DEVICE = "media-janitor"
JELLYFIN_DEVICE_ID = "media-janitor-server"


@dataclass(frozen=True, slots=True)
class JellyfinPublicInfo:
    id: str
    server_name: str | None
    version: str
    product_name: str
    local_address: str | None
    startup_wizard_completed: bool | None


@dataclass(frozen=True, slots=True)
class JellyfinSystemInfo:
    id: str
    server_name: str | None
    version: str | None
    operating_system: str | None
    has_pending_restart: bool


@dataclass(frozen=True, slots=True)
class JellyfinUser:
    id: str
    name: str
    is_admin: bool
    is_disabled: bool
    is_hidden: bool
    enable_content_deletion: bool
    enable_content_deletion_from_folders: tuple[str, ...]
    last_login_date: datetime | None
    last_activity_date: datetime | None

    @property
    def can_delete(self) -> bool:
        """The user may delete media from at least some libraries (policy; admins may always)."""
        return self.is_admin or self.enable_content_deletion or bool(self.enable_content_deletion_from_folders)


@dataclass(frozen=True, slots=True)
class JellyfinView:
    """A library as a user sees it (``CollectionType`` movies | tvshows | music | ..., absent for mixed)."""

    id: str
    name: str
    collection_type: str | None


def _auth_value(value: str) -> str:
    # Jellyfin URL-decodes each quoted value; quoting keeps '"' and ',' from breaking the header.
    return quote(value, safe=" -._~:/+=")


class JellyfinClient(BaseClient):
    service = "Jellyfin"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str,
        legacy_routes: bool = False,
        device_id: str = JELLYFIN_DEVICE_ID,
    ) -> None:
        super().__init__(http, base_url)
        self._api_key = api_key
        self.legacy_routes = legacy_routes  # 10.8: /Users/{id}/Items and /Users/{id}/Views
        self.device_id = device_id

    def _headers(self, *, auth: bool) -> dict[str, str]:
        parts = [
            f'Client="{_auth_value(PRODUCT)}"',
            f'Device="{_auth_value(JELLYFIN_DEVICE)}"',
            f'DeviceId="{_auth_value(self.device_id)}"',
            f'Version="{_auth_value(CLIENT_VERSION)}"',
        ]
        if auth:
            parts.append(f'Token="{_auth_value(self._api_key)}"')
        return {"Accept": "application/json", "Authorization": "MediaBrowser " + ", ".join(parts)}

    # ------------------------------------------------------------------ system
    async def public_info(self) -> JellyfinPublicInfo:
        """Unauthenticated probe; an answer not shaped like Jellyfin's is an ``UpstreamProtocolError``."""
        data = await self._get_json("/System/Info/Public", auth=False)
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), str) and data.get(k) for k in ("ProductName", "Id", "Version")
        ):
            raise UpstreamProtocolError("This does not look like a Jellyfin server (no ProductName/Id/Version).")
        wizard = data.get("StartupWizardCompleted")
        return JellyfinPublicInfo(
            id=data["Id"],
            server_name=as_str(data.get("ServerName")),
            version=data["Version"],
            product_name=data["ProductName"],
            local_address=as_str(data.get("LocalAddress")),
            startup_wizard_completed=None if wizard is None else as_bool(wizard),
        )

    async def system_info(self) -> JellyfinSystemInfo:
        """Authenticated: also proves the API key works."""
        data = require_dict(await self._get_json("/System/Info"), self.service, "system info")
        return JellyfinSystemInfo(
            id=require_str(data, "Id", self.service, "system info"),
            server_name=as_str(data.get("ServerName")),
            version=as_str(data.get("Version")),
            operating_system=as_str(data.get("OperatingSystem")),
            has_pending_restart=as_bool(data.get("HasPendingRestart")),
        )

    async def users(self) -> list[JellyfinUser]:
        data = require_item_list(await self._get_json("/Users"), self.service, "user list")
        out: list[JellyfinUser] = []
        for u in data:
            raw_policy = u.get("Policy")
            policy: dict[str, Any] = raw_policy if isinstance(raw_policy, dict) else {}
            folders = policy.get("EnableContentDeletionFromFolders")
            out.append(
                JellyfinUser(
                    id=require_str(u, "Id", self.service, "a user"),
                    name=as_str(u.get("Name")) or "",
                    is_admin=as_bool(policy.get("IsAdministrator")),
                    is_disabled=as_bool(policy.get("IsDisabled")),
                    is_hidden=as_bool(policy.get("IsHidden")),
                    enable_content_deletion=as_bool(policy.get("EnableContentDeletion")),
                    enable_content_deletion_from_folders=tuple(
                        f for f in (folders if isinstance(folders, list) else []) if isinstance(f, str)
                    ),
                    last_login_date=parse_datetime(u.get("LastLoginDate")),
                    last_activity_date=parse_datetime(u.get("LastActivityDate")),
                )
            )
        return out

    # ------------------------------------------------------------------ libraries and items
    async def views(self, user_id: str) -> list[JellyfinView]:
        """The user's libraries: ``/UserViews?userId=`` (10.9+) or ``/Users/{id}/Views`` (10.8)."""
        if self.legacy_routes:
            data = await self._get_json(f"/Users/{path_segment(user_id)}/Views")
        else:
            data = await self._get_json("/UserViews", params={"userId": user_id})
        _, items = _query_result(data)
        return [
            JellyfinView(
                id=require_str(v, "Id", self.service, "a library"),
                name=as_str(v.get("Name")) or "",
                collection_type=as_str(v.get("CollectionType")),
            )
            for v in items
        ]

    async def list_items(
        self,
        *,
        user_id: str | None,
        parent_id: str | None,
        include_item_types: Sequence[str],
        fields: Sequence[str],
        start: int,
        limit: int,
        recursive: bool = True,
        extra: Mapping[str, str | int | float | bool | None] | None = None,
    ) -> Page:
        """One page of ``/Items`` (or ``/Users/{id}/Items`` with ``legacy_routes``), raw PascalCase dicts.

        Without ``user_id`` (API key, no user context) items carry no ``UserData``.
        """
        query: dict[str, str | int | float | bool | None] = {
            "parentId": parent_id,
            "recursive": recursive,
            "includeItemTypes": ",".join(include_item_types) or None,
            "fields": ",".join(fields) or None,
            "startIndex": start,
            "limit": limit,
            "enableTotalRecordCount": True,
        }
        if self.legacy_routes:
            if not user_id:
                raise ValueError("legacy Jellyfin routes need a user_id")
            path = f"/Users/{path_segment(user_id)}/Items"
        else:
            path = "/Items"
            query = {"userId": user_id, **query}
        if extra:
            query.update(extra)
        data = await self._get_json(path, params=query)
        result, items = _query_result(data)
        raw_total = result.get("TotalRecordCount")
        total = as_int(raw_total)
        if raw_total is not None and total is None:
            raise UpstreamProtocolError("Jellyfin sent a non-numeric TotalRecordCount.")
        offset = as_int(result.get("StartIndex"))
        return Page(items=items, offset=start if offset is None else offset, total=total)

    async def poster(self, item_id: str, *, max_bytes: int) -> Image:
        """The item's ``Primary`` image (``/Items/{id}/Images/Primary``). 404 → ``UpstreamNotFound``:
        the item has none."""
        return await self._get_image(f"/Items/{path_segment(item_id)}/Images/Primary", max_bytes=max_bytes)

    async def delete_item(self, item_id: str) -> None:
        """Delete an item *and its files* (204). 401/403 → the key/user may not delete media."""
        response = await self._raw("DELETE", f"/Items/{path_segment(item_id)}")
        status = response.status_code
        if status in (401, 403):
            raise UpstreamAuthError(
                "Jellyfin refused the deletion: the API key or user lacks permission to delete media "
                "(enable content deletion for that user, or use an administrator API key).",
                status=status,
            )
        if status == 404:
            raise UpstreamNotFound("The item is not on the Jellyfin server (already deleted?).", status=404)
        error = error_for_status(response, self.service)
        if error is not None:
            raise error


def _query_result(data: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A ``BaseItemDtoQueryResult`` and its ``Items``; Jellyfin always sends ``Items`` (``[]`` when empty)."""
    if not isinstance(data, dict) or "Items" not in data:
        raise UpstreamProtocolError("Jellyfin sent a list without Items; is this a Jellyfin server?")
    return data, require_item_list(data["Items"], "Jellyfin", "item list")
