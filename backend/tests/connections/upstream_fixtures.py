"""Composed upstream answers, shared by the connection tests.

Shapes: the official specs in sim/specs/ and sim/README.md "Fidelity notes".
"""

from __future__ import annotations

from typing import Any

import respx
from httpx import Response

PLEX = "https://93.184.216.34:32400"
PLEX_TOKEN = "plex-token-abcdef123456"
MACHINE_ID = "5f1a0c4e9b7d2a3c8e6f1b0d9a8c7e6f5d4c3b2a"
JELLYFIN = "https://93.184.216.35"
JELLYFIN_KEY = "0123456789abcdef0123456789abcdef"
JELLYFIN_ADMIN = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
JELLYFIN_VIEWER = "f6e5d4c3b2a1f6e5d4c3b2a1f6e5d4c3"
SEERR = "https://93.184.216.38"
SEERR_KEY = "seerr-key-0987654321"


def plex_server(router: respx.MockRouter, base: str = PLEX, token: str = PLEX_TOKEN, deletion: int = 1) -> None:
    def authed(payload: dict[str, Any]) -> Any:
        def handler(request: Any) -> Response:
            if request.headers.get("X-Plex-Token") != token:
                return Response(401, text="<html><head><title>Unauthorized</title></head></html>")
            return Response(200, json={"MediaContainer": payload})

        return handler

    router.get(f"{base}/identity").mock(
        return_value=Response(
            200,
            json={"MediaContainer": {"size": 0, "claimed": True, "machineIdentifier": MACHINE_ID, "version": "1.41.3"}},
        )
    )
    router.get(f"{base}/").mock(
        side_effect=authed(
            {
                "size": 0,
                "friendlyName": "Basement",
                "machineIdentifier": MACHINE_ID,
                "version": "1.41.3",
                "allowMediaDeletion": deletion,
            }
        )
    )
    router.get(f"{base}/library/sections").mock(
        side_effect=authed(
            {
                "size": 3,
                "Directory": [
                    {"key": "1", "type": "movie", "title": "Movies", "agent": "tv.plex.agents.movie"},
                    {"key": "4", "type": "artist", "title": "Music", "agent": "tv.plex.agents.music"},
                    {"key": "7", "type": "photo", "title": "Photos", "agent": "com.plexapp.agents.none"},
                ],
            }
        )
    )


def jellyfin_server(router: respx.MockRouter, key: str = JELLYFIN_KEY, **public: str) -> None:
    """A Jellyfin 10.11.5 answering with ``key``; ``public`` adds to what /System/Info/Public tells anyone."""

    def authed(payload: Any) -> Any:
        def handler(request: Any) -> Response:
            if f'Token="{key}"' not in request.headers.get("Authorization", ""):
                return Response(401)
            return Response(200, json=payload)

        return handler

    router.get(f"{JELLYFIN}/System/Info/Public").mock(
        return_value=Response(
            200,
            json={
                "Id": "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
                "ServerName": "Attic",
                "Version": "10.11.5",
                "ProductName": "Jellyfin Server",
                **public,
            },
        )
    )
    router.get(f"{JELLYFIN}/System/Info").mock(
        side_effect=authed({"Id": "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "ServerName": "Attic", "Version": "10.11.5"})
    )
    router.get(f"{JELLYFIN}/Users").mock(
        side_effect=authed(
            [
                {"Name": "admin", "Id": JELLYFIN_ADMIN, "Policy": {"IsAdministrator": True}},
                {
                    "Name": "kid",
                    "Id": JELLYFIN_VIEWER,
                    "Policy": {"IsAdministrator": False, "EnableContentDeletion": False},
                },
            ]
        )
    )
    router.get(f"{JELLYFIN}/UserViews").mock(
        side_effect=authed(
            {
                "Items": [
                    {"Name": "Films", "Id": "1111aaaa2222bbbb3333cccc4444dddd", "CollectionType": "movies"},
                    {"Name": "Series", "Id": "5555eeee6666ffff7777aaaa8888bbbb", "CollectionType": "tvshows"},
                    {"Name": "Playlists", "Id": "9999cccc0000dddd1111eeee2222ffff", "CollectionType": "playlists"},
                ],
                "TotalRecordCount": 3,
                "StartIndex": 0,
            }
        )
    )


def seerr_server(router: respx.MockRouter, key: str = SEERR_KEY) -> None:
    router.get(f"{SEERR}/api/v1/status").mock(
        return_value=Response(200, json={"version": "2.7.3", "commitTag": "v2.7.3"})
    )

    def me(request: Any) -> Response:
        if request.headers.get("X-Api-Key") != key:
            return Response(403, json={"status": 403, "error": "You do not have permission to access this endpoint"})
        return Response(200, json={"id": 1, "displayName": "admin", "permissions": 2, "userType": 3})

    router.get(f"{SEERR}/api/v1/auth/me").mock(side_effect=me)
