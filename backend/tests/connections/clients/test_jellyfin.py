"""Jellyfin client: exact requests and parsing of composed Jellyfin answers.

Shapes: sim/specs/jellyfin-openapi-10.11.0.json, sim/README.md "Fidelity notes".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from janitor.connections.clients.base import CLIENT_VERSION
from janitor.connections.clients.errors import (
    UpstreamAuthError,
    UpstreamNotFound,
    UpstreamProtocolError,
    UpstreamTransient,
)
from janitor.connections.clients.jellyfin import JellyfinClient

KEY = "0123456789abcdef0123456789abcdef"
JF = "http://jf.test:8096"
SERVER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
USER_ID = "5d1e0a9b8c7d6e5f4a3b2c1d0e9f8a7b"
LIB_ID = "f137a2dd21bbc1b99aa5c0f6bf02a805"
AUTH = (
    f'MediaBrowser Client="Media Janitor", Device="media-janitor", DeviceId="media-janitor-server", '
    f'Version="{CLIENT_VERSION}", Token="{KEY}"'
)


def client(http: httpx.AsyncClient, *, legacy: bool = False) -> JellyfinClient:
    return JellyfinClient(http, base_url=JF + "/", api_key=KEY, legacy_routes=legacy)


def assert_auth(request: httpx.Request) -> None:
    assert request.headers["Authorization"] == AUTH
    assert request.headers["Accept"] == "application/json"
    assert KEY not in str(request.url)
    for legacy in ("X-Emby-Token", "X-MediaBrowser-Token", "X-Emby-Authorization"):
        assert legacy not in request.headers
    assert "api_key" not in str(request.url).lower()


PUBLIC = {
    "LocalAddress": "http://192.168.1.20:8096",
    "ServerName": "jelly",
    "Version": "10.11.5",
    "ProductName": "Jellyfin Server",
    "OperatingSystem": "",
    "Id": SERVER_ID,
    "StartupWizardCompleted": True,
}


async def test_public_info_sends_no_token(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{JF}/System/Info/Public").mock(return_value=httpx.Response(200, json=PUBLIC))
    info = await client(http).public_info()
    request = route.calls.last.request
    assert KEY not in request.headers.get("Authorization", "")
    assert "Token=" not in request.headers.get("Authorization", "")
    assert info.id == SERVER_ID and info.version == "10.11.5" and info.server_name == "jelly"
    assert info.product_name == "Jellyfin Server" and info.startup_wizard_completed is True


@pytest.mark.parametrize(
    "body",
    [
        {"version": "2.7.3", "commitTag": "x"},  # Jellyseerr
        {"MediaContainer": {"size": 0}},  # Plex
        {k: v for k, v in PUBLIC.items() if k != "Id"},
        {k: v for k, v in PUBLIC.items() if k != "ProductName"},
        {**PUBLIC, "Version": 10},
        [PUBLIC],
    ],
    ids=["jellyseerr", "plex", "no-id", "no-product", "numeric-version", "array"],
)
async def test_public_info_rejects_non_jellyfin(mock: respx.MockRouter, http: httpx.AsyncClient, body: Any) -> None:
    mock.get(f"{JF}/System/Info/Public").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UpstreamProtocolError, match="Jellyfin"):
        await client(http).public_info()


async def test_public_info_html_is_protocol_error(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{JF}/System/Info/Public").mock(
        return_value=httpx.Response(200, content=b"<!DOCTYPE html><html><title>Router login</title></html>")
    )
    with pytest.raises(UpstreamProtocolError):
        await client(http).public_info()


async def test_system_info(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {
        **PUBLIC,
        "OperatingSystem": "Linux",
        "HasPendingRestart": False,
        "IsShuttingDown": False,
        "CanSelfRestart": True,
        "WebSocketPortNumber": 8096,
    }
    route = mock.get(f"{JF}/System/Info").mock(return_value=httpx.Response(200, json=body))
    info = await client(http).system_info()
    assert_auth(route.calls.last.request)
    assert info.id == SERVER_ID and info.operating_system == "Linux" and not info.has_pending_restart


async def test_system_info_bad_key(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{JF}/System/Info").mock(return_value=httpx.Response(401, content=b""))
    with pytest.raises(UpstreamAuthError) as info:
        await client(http).system_info()
    assert KEY not in str(info.value)


async def test_users(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = [
        {
            "Name": "admin",
            "ServerId": SERVER_ID,
            "Id": USER_ID,
            "HasPassword": True,
            "LastLoginDate": "2025-01-05T20:00:00.1234567Z",
            "LastActivityDate": "2025-01-06T08:30:00.0000000Z",
            "Configuration": {"PlayDefaultAudioTrack": True},
            "Policy": {
                "IsAdministrator": True,
                "IsDisabled": False,
                "IsHidden": True,
                "EnableContentDeletion": False,
                "EnableContentDeletionFromFolders": [],
            },
        },
        {
            "Name": "alice",
            "ServerId": SERVER_ID,
            "Id": "00112233445566778899aabbccddeeff",
            "Policy": {
                "IsAdministrator": False,
                "IsDisabled": False,
                "EnableContentDeletion": False,
                "EnableContentDeletionFromFolders": [LIB_ID],
            },
        },
        {
            "Name": "bob",
            "Id": "ffeeddccbbaa99887766554433221100",
            "Policy": {"IsAdministrator": False, "IsDisabled": True},
        },
    ]
    route = mock.get(f"{JF}/Users").mock(return_value=httpx.Response(200, json=body))
    users = await client(http).users()
    assert_auth(route.calls.last.request)
    admin, alice, bob = users
    assert admin.id == USER_ID and admin.is_admin and admin.is_hidden and admin.can_delete
    assert admin.last_login_date == datetime(2025, 1, 5, 20, 0, 0, 123456, tzinfo=UTC)
    assert alice.can_delete and not alice.is_admin and alice.enable_content_deletion_from_folders == (LIB_ID,)
    assert alice.last_login_date is None  # omitted null
    assert bob.is_disabled and not bob.can_delete


async def test_users_must_be_an_array(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{JF}/Users").mock(return_value=httpx.Response(200, json={"Items": []}))
    with pytest.raises(UpstreamProtocolError):
        await client(http).users()


EPISODE = {
    "Name": "Pilot",
    "Id": "0f6b2c1d9a8e4f7b8c6d5e4f3a2b1c0d",
    "ServerId": SERVER_ID,
    "Type": "Episode",
    "SeriesName": "Show Z",
    "SeriesId": "7c0000000000000000000000000000aa",
    "IndexNumber": 1,
    "ParentIndexNumber": 1,
    "RunTimeTicks": 26400000000,
    "PremiereDate": "2019-03-04T00:00:00.0000000Z",
    "DateCreated": "2024-11-02T10:11:12.0000000Z",
    "Path": "/media/tv/Show Z/Season 01/S01E01.mkv",
    "ProviderIds": {"Tvdb": "123456", "Tmdb": "98765"},
    "MediaSources": [
        {
            "Id": "0f6b2c1d9a8e4f7b8c6d5e4f3a2b1c0d",
            "Protocol": "File",
            "Container": "mkv",
            "Size": 1234567890,
            "MediaStreams": [
                {"Type": "Video", "Codec": "h264", "Index": 0},
                {"Type": "Audio", "Codec": "ac3", "Language": "eng", "Index": 1, "IsDefault": True},
                {"Type": "Subtitle", "Codec": "subrip", "Language": "spa", "Index": 2},
            ],
        }
    ],
    "UserData": {
        "PlaybackPositionTicks": 0,
        "PlayCount": 2,
        "IsFavorite": False,
        "Played": True,
        "LastPlayedDate": "2025-01-05T20:00:00.0000000Z",
    },
}


async def test_list_items(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {
        "Items": [EPISODE, {**EPISODE, "Id": "1f6b2c1d9a8e4f7b8c6d5e4f3a2b1c0d", "UserData": {"Played": False}}],
        "TotalRecordCount": 1342,
        "StartIndex": 200,
    }
    route = mock.get(f"{JF}/Items").mock(return_value=httpx.Response(200, json=body))
    page = await client(http).list_items(
        user_id=USER_ID,
        parent_id=LIB_ID,
        include_item_types=["Movie", "Episode"],
        fields=["Path", "MediaSources", "ProviderIds", "DateCreated"],
        start=200,
        limit=2,
        extra={"sortBy": "DateCreated,SortName", "sortOrder": "Ascending", "isMissing": None},
    )
    request = route.calls.last.request
    assert_auth(request)
    assert dict(request.url.params) == {
        "userId": USER_ID,
        "parentId": LIB_ID,
        "recursive": "true",
        "includeItemTypes": "Movie,Episode",
        "fields": "Path,MediaSources,ProviderIds,DateCreated",
        "startIndex": "200",
        "limit": "2",
        "enableTotalRecordCount": "true",
        "sortBy": "DateCreated,SortName",
        "sortOrder": "Ascending",
    }
    assert page.total == 1342 and page.offset == 200
    assert page.items[0]["Id"] == "0f6b2c1d9a8e4f7b8c6d5e4f3a2b1c0d"
    assert page.items[0]["MediaSources"][0]["MediaStreams"][1]["Language"] == "eng"
    assert "LastPlayedDate" not in page.items[1]["UserData"]


async def test_list_items_api_key_without_user(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{JF}/Items").mock(
        return_value=httpx.Response(200, json={"Items": [], "TotalRecordCount": 0, "StartIndex": 0})
    )
    page = await client(http).list_items(
        user_id=None, parent_id=None, include_item_types=[], fields=[], start=0, limit=100, recursive=False
    )
    params = dict(route.calls.last.request.url.params)
    assert params == {"recursive": "false", "startIndex": "0", "limit": "100", "enableTotalRecordCount": "true"}
    assert page.items == [] and page.total == 0


async def test_list_items_legacy_route(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{JF}/Users/{USER_ID}/Items").mock(
        return_value=httpx.Response(200, json={"Items": [EPISODE], "TotalRecordCount": 1, "StartIndex": 0})
    )
    page = await client(http, legacy=True).list_items(
        user_id=USER_ID, parent_id=LIB_ID, include_item_types=["Episode"], fields=["Path"], start=0, limit=10
    )
    request = route.calls.last.request
    assert_auth(request)
    assert "userId" not in request.url.params
    assert request.url.params["parentId"] == LIB_ID
    assert page.total == 1


async def test_list_items_legacy_needs_user(http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="user_id"):
        await client(http, legacy=True).list_items(
            user_id=None, parent_id=None, include_item_types=[], fields=[], start=0, limit=10
        )


async def test_list_items_without_total(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{JF}/Items").mock(return_value=httpx.Response(200, json={"Items": [EPISODE]}))
    page = await client(http).list_items(
        user_id=USER_ID, parent_id=None, include_item_types=["Episode"], fields=[], start=50, limit=10
    )
    assert page.total is None and page.offset == 50


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"TotalRecordCount": 10},
        {"Items": None, "TotalRecordCount": 0},
        {"Items": {}},
        {"Items": [], "TotalRecordCount": "lots"},
        {"MediaContainer": {"size": 0}},
        [],
    ],
    ids=["empty", "no-items", "null-items", "object-items", "bad-total", "plex", "array"],
)
async def test_list_items_never_mistakes_a_failure_for_emptiness(
    mock: respx.MockRouter, http: httpx.AsyncClient, body: Any
) -> None:
    mock.get(f"{JF}/Items").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UpstreamProtocolError):
        await client(http).list_items(
            user_id=USER_ID, parent_id=None, include_item_types=["Movie"], fields=[], start=0, limit=10
        )


async def test_non_admin_asking_for_another_user_is_auth_error(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{JF}/Items").mock(return_value=httpx.Response(403, content=b"Forbidden"))
    with pytest.raises(UpstreamAuthError):
        await client(http).list_items(
            user_id=USER_ID, parent_id=None, include_item_types=["Movie"], fields=[], start=0, limit=10
        )


VIEWS = {
    "Items": [
        {"Name": "Movies", "Id": LIB_ID, "CollectionType": "movies", "Type": "CollectionFolder"},
        {"Name": "Shows", "Id": "a37a2dd21bbc1b99aa5c0f6bf02a8051", "CollectionType": "tvshows"},
        {"Name": "Mixed", "Id": "b37a2dd21bbc1b99aa5c0f6bf02a8052", "Type": "CollectionFolder"},
    ],
    "TotalRecordCount": 3,
    "StartIndex": 0,
}


async def test_views(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{JF}/UserViews").mock(return_value=httpx.Response(200, json=VIEWS))
    views = await client(http).views(USER_ID)
    request = route.calls.last.request
    assert_auth(request)
    assert dict(request.url.params) == {"userId": USER_ID}
    assert [(v.name, v.collection_type) for v in views] == [
        ("Movies", "movies"),
        ("Shows", "tvshows"),
        ("Mixed", None),
    ]
    assert views[0].id == LIB_ID


async def test_views_legacy(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{JF}/Users/{USER_ID}/Views").mock(return_value=httpx.Response(200, json=VIEWS))
    views = await client(http, legacy=True).views(USER_ID)
    assert_auth(route.calls.last.request)
    assert len(views) == 3


async def test_delete_item(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.delete(f"{JF}/Items/{EPISODE['Id']}").mock(return_value=httpx.Response(204))
    await client(http).delete_item(str(EPISODE["Id"]))
    assert_auth(route.calls.last.request)


@pytest.mark.parametrize("status", [401, 403])
async def test_delete_without_permission(mock: respx.MockRouter, http: httpx.AsyncClient, status: int) -> None:
    mock.delete(f"{JF}/Items/abc").mock(return_value=httpx.Response(status, content=b"Unauthorized access"))
    with pytest.raises(UpstreamAuthError, match="permission to delete") as info:
        await client(http).delete_item("abc")
    assert info.value.status == status
    assert KEY not in str(info.value)


async def test_delete_unknown_item(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.delete(f"{JF}/Items/abc").mock(return_value=httpx.Response(404))
    with pytest.raises(UpstreamNotFound):
        await client(http).delete_item("abc")


async def test_delete_server_error_is_transient(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.delete(f"{JF}/Items/abc").mock(return_value=httpx.Response(500))
    with pytest.raises(UpstreamTransient):
        await client(http).delete_item("abc")


def test_custom_device_id_and_quoting(http: httpx.AsyncClient) -> None:
    c = JellyfinClient(http, base_url=JF, api_key='we"ird,key', device_id="install-42")
    header = c._headers(auth=True)["Authorization"]
    assert 'DeviceId="install-42"' in header
    assert 'Token="we%22ird%2Ckey"' in header
