"""Jellyseerr client: exact requests and parsing of composed Jellyseerr answers.

Shapes: sim/specs/jellyseerr-api-v2.7.3.yml, sim/README.md "Fidelity notes".
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from janitor.connections.clients.base import with_retries
from janitor.connections.clients.errors import (
    UpstreamAuthError,
    UpstreamNotFound,
    UpstreamProtocolError,
    UpstreamTransient,
)
from janitor.connections.clients.jellyseerr import MEDIA_STATUS, REQUEST_STATUS, JellyseerrClient

KEY = "c2VlcnIta2V5LVNFQ1JFVA"
SEERR = "http://seerr.test:5055"
API = f"{SEERR}/api/v1"
FORBIDDEN = {"status": 403, "error": "You do not have permission to access this endpoint"}


def client(http: httpx.AsyncClient) -> JellyseerrClient:
    return JellyseerrClient(http, base_url=SEERR + "/", api_key=KEY)


def assert_key(request: httpx.Request) -> None:
    assert request.headers["X-Api-Key"] == KEY
    assert request.headers["Accept"] == "application/json"
    assert KEY not in str(request.url)


MEDIA = {
    "id": 88,
    "mediaType": "movie",
    "tmdbId": 603,
    "tvdbId": None,
    "imdbId": None,
    "status": 7,
    "status4k": 1,
    "jellyfinMediaId": "0f6b2c1d9a8e4f7b8c6d5e4f3a2b1c0d",
    "ratingKey": None,
    "mediaAddedAt": "2025-03-02T07:55:00.000Z",
    "createdAt": "2025-03-01T10:00:00.000Z",
    "updatedAt": "2025-03-02T08:00:00.000Z",
    "seasons": [],
}
REQUEST = {
    "id": 127,
    "status": 5,
    "type": "movie",
    "is4k": False,
    "createdAt": "2025-03-01T10:00:00.000Z",
    "updatedAt": "2025-03-02T08:00:00.000Z",
    "media": MEDIA,
    "seasons": [],
    "seasonCount": 0,
    "requestedBy": {
        "id": 5,
        "displayName": "alice",
        "jellyfinUsername": "alice",
        "userType": 3,
        "permissions": 32,
        "requestCount": 9,
    },
    "modifiedBy": None,
}


async def test_status_sends_no_key(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {
        "version": "2.7.3",
        "commitTag": "e842036",
        "updateAvailable": False,
        "commitsBehind": 0,
        "restartRequired": False,
    }
    route = mock.get(f"{API}/status").mock(return_value=httpx.Response(200, json=body))
    status = await client(http).status()
    assert "X-Api-Key" not in route.calls.last.request.headers
    assert status.version == "2.7.3" and status.commit_tag == "e842036"
    assert not status.update_available and not status.restart_required


@pytest.mark.parametrize(
    "body",
    [{"ProductName": "Jellyfin Server", "Id": "x", "Version": "10.11.5"}, {"version": 3}, {"version": ""}, []],
    ids=["jellyfin", "numeric", "empty", "array"],
)
async def test_status_rejects_other_servers(mock: respx.MockRouter, http: httpx.AsyncClient, body: Any) -> None:
    mock.get(f"{API}/status").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UpstreamProtocolError, match="Jellyseerr"):
        await client(http).status()


async def test_status_on_a_non_seerr_path(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{API}/status").mock(return_value=httpx.Response(404, content=b"Cannot GET /api/v1/status"))
    with pytest.raises(UpstreamNotFound):
        await client(http).status()


async def test_check_auth(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {
        "id": 1,
        "displayName": "admin",
        "email": "admin@example.com",
        "permissions": 2,
        "userType": 3,
        "requestCount": 0,
        "createdAt": "2024-06-01T00:00:00.000Z",
    }
    route = mock.get(f"{API}/auth/me").mock(return_value=httpx.Response(200, json=body))
    me = await client(http).check_auth()
    assert_key(route.calls.last.request)
    assert me.id == 1 and me.display_name == "admin" and me.permissions == 2 and me.user_type == 3


async def test_check_auth_bad_key_is_403(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{API}/auth/me").mock(return_value=httpx.Response(403, json=FORBIDDEN))
    with pytest.raises(UpstreamAuthError) as info:
        await client(http).check_auth()
    assert info.value.status == 403
    assert KEY not in str(info.value) and KEY not in repr(info.value)


async def test_requests(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {"pageInfo": {"pages": 13, "pageSize": 10, "results": 127, "page": 3}, "results": [REQUEST]}
    route = mock.get(f"{API}/request").mock(return_value=httpx.Response(200, json=body))
    page = await client(http).requests(take=10, skip=20)
    request = route.calls.last.request
    assert_key(request)
    assert dict(request.url.params) == {"take": "10", "skip": "20", "filter": "all", "sort": "added"}
    assert page.total == 127 and page.offset == 20
    item = page.items[0]
    assert REQUEST_STATUS[item["status"]] == "completed"
    assert MEDIA_STATUS[item["media"]["status"]] == "deleted"
    assert item["media"]["jellyfinMediaId"] == "0f6b2c1d9a8e4f7b8c6d5e4f3a2b1c0d"


async def test_requests_with_filter_and_sort(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {"pageInfo": {"pages": 0, "pageSize": 50, "results": 0, "page": 1}, "results": []}
    route = mock.get(f"{API}/request").mock(return_value=httpx.Response(200, json=body))
    page = await client(http).requests(take=50, skip=0, filter="deleted", sort="modified")
    assert route.calls.last.request.url.params["filter"] == "deleted"
    assert route.calls.last.request.url.params["sort"] == "modified"
    assert page.items == [] and page.total == 0


async def test_media(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {"pageInfo": {"pages": 1, "pageSize": 20, "results": 1, "page": 1}, "results": [MEDIA]}
    route = mock.get(f"{API}/media").mock(return_value=httpx.Response(200, json=body))
    page = await client(http).media(take=20, skip=0, filter="available")
    request = route.calls.last.request
    assert_key(request)
    assert dict(request.url.params) == {"take": "20", "skip": "0", "filter": "available", "sort": "added"}
    assert page.total == 1 and page.items[0]["tmdbId"] == 603


@pytest.mark.parametrize(
    "body",
    [
        {"results": []},
        {"pageInfo": {"results": 3}},
        {"pageInfo": {"results": 3}, "results": None},
        {"pageInfo": {"results": "x"}, "results": []},
        {"pageInfo": [], "results": []},
        {"message": "Request validation failed"},
        [],
    ],
    ids=["no-page-info", "no-results", "null-results", "bad-total", "page-info-list", "message", "array"],
)
async def test_lists_never_mistake_a_failure_for_emptiness(
    mock: respx.MockRouter, http: httpx.AsyncClient, body: Any
) -> None:
    mock.get(f"{API}/request").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UpstreamProtocolError):
        await client(http).requests(take=10, skip=0)


async def test_bad_filter_is_400(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {"message": "request/query/filter must be equal to one of the allowed values", "errors": []}
    mock.get(f"{API}/request").mock(return_value=httpx.Response(400, json=body))
    with pytest.raises(UpstreamProtocolError):
        await client(http).requests(take=10, skip=0, filter="foo")


async def test_movie_and_tv(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    movie = {
        "id": 603,
        "title": "The Matrix",
        "originalTitle": "The Matrix",
        "releaseDate": "1999-03-30",
        "mediaInfo": MEDIA,
    }
    tv = {
        "id": 1399,
        "name": "Show Z",
        "originalName": "Show Z",
        "firstAirDate": "2011-04-17",
        "numberOfSeasons": 8,
        "seasons": [],
    }
    m = mock.get(f"{API}/movie/603").mock(return_value=httpx.Response(200, json=movie))
    t = mock.get(f"{API}/tv/1399").mock(return_value=httpx.Response(200, json=tv))
    c = client(http)
    assert (await c.movie(603))["title"] == "The Matrix"
    assert (await c.tv(1399))["name"] == "Show Z"
    assert_key(m.calls.last.request)
    assert_key(t.calls.last.request)
    assert c.request_count == 2


@pytest.mark.parametrize("kind", ["movie", "tv"])
async def test_tmdb_failure_is_transient(mock: respx.MockRouter, http: httpx.AsyncClient, kind: str) -> None:
    mock.get(f"{API}/{kind}/999999999").mock(
        return_value=httpx.Response(500, json={"message": f"Unable to retrieve {kind}."})
    )
    c = client(http)
    with pytest.raises(UpstreamTransient, match="TMDB") as info:
        await (c.movie(999999999) if kind == "movie" else c.tv(999999999))
    assert info.value.status == 500


async def test_tmdb_failure_then_success_with_retries(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{API}/movie/603").mock(
        side_effect=[
            httpx.Response(500, json={"message": "Unable to retrieve movie."}),
            httpx.Response(200, json={"id": 603, "title": "The Matrix"}),
        ]
    )
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    c = client(http)
    movie = await with_retries(lambda: c.movie(603), sleep=sleep, rand=lambda: 1.0)
    assert movie["title"] == "The Matrix" and sleeps == [0.5] and c.request_count == 2


async def test_movie_rejects_a_non_object(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{API}/movie/603").mock(return_value=httpx.Response(200, json=[1, 2]))
    with pytest.raises(UpstreamProtocolError):
        await client(http).movie(603)
