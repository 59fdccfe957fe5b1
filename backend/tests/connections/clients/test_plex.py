"""Plex Media Server client: exact requests and parsing of composed PMS answers.

Shapes: sim/specs/plex-api-spec-pms-2026-02.yaml, sim/README.md "Fidelity notes".
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from janitor.connections.clients.base import CLIENT_VERSION, Page
from janitor.connections.clients.errors import (
    UpstreamAuthError,
    UpstreamNotFound,
    UpstreamProtocolError,
    UpstreamRefused,
    UpstreamTransient,
)
from janitor.connections.clients.plex import PlexServerAccount, PlexServerClient

TOKEN = "pmsTok3n-SECRET-123456"
CLIENT_ID = "3f0c6c3e-8f1e-4f55-9a55-5b4c2b0c9d11"
PMS = "http://pms.test:32400"
MACHINE_ID = "d6a1c2b3e4f5061728394a5b6c7d8e9f00112233"


def client(http: httpx.AsyncClient) -> PlexServerClient:
    return PlexServerClient(http, base_url=PMS + "/", token=TOKEN, client_id=CLIENT_ID)


def mc(**attrs: Any) -> dict[str, Any]:
    return {"MediaContainer": attrs}


def assert_request(request: httpx.Request) -> None:
    h = request.headers
    assert h["Accept"] == "application/json"
    assert h["X-Plex-Token"] == TOKEN
    assert h["X-Plex-Client-Identifier"] == CLIENT_ID
    assert h["X-Plex-Product"] == "Media Janitor"
    assert h["X-Plex-Version"] == CLIENT_VERSION
    assert TOKEN not in str(request.url)
    assert "X-Plex-Token" not in str(request.url)


MOVIE: dict[str, Any] = {
    "ratingKey": "1001",
    "key": "/library/metadata/1001",
    "guid": "plex://movie/5d776825880197001ec967c6",
    "type": "movie",
    "title": "Movie A",
    "year": 1999,
    "originallyAvailableAt": "1999-03-31",
    "addedAt": 1700000000,
    "updatedAt": 1700000500,
    "duration": 8160000,
    "librarySectionID": 1,
    "Guid": [{"id": "imdb://tt0133093"}, {"id": "tmdb://603"}],
    "Media": [
        {
            "id": 2001,
            "duration": 8160000,
            "bitrate": 9000,
            "container": "mkv",
            "videoResolution": "1080",
            "Part": [
                {
                    "id": 3001,
                    "key": "/library/parts/3001/1700000000/file.mkv",
                    "file": "/data/movies/Movie A (1999)/Movie A.mkv",
                    "size": 9182736450,
                    "container": "mkv",
                }
            ],
        }
    ],
}
WATCHED_MOVIE: dict[str, Any] = {
    **MOVIE,
    "ratingKey": "1002",
    "key": "/library/metadata/1002",
    "title": "Movie B",
    "viewCount": 3,
    "lastViewedAt": 1735000000,
}


async def test_identity(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = mc(size=0, claimed=True, machineIdentifier=MACHINE_ID, version="1.41.3.9314-a0bfb8370")
    route = mock.get(f"{PMS}/identity").mock(return_value=httpx.Response(200, json=body))
    ident = await client(http).identity()
    assert_request(route.calls.last.request)
    assert ident.machine_identifier == MACHINE_ID
    assert ident.version == "1.41.3.9314-a0bfb8370"
    assert ident.claimed


async def test_identity_without_machine_id_is_protocol_error(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{PMS}/identity").mock(return_value=httpx.Response(200, json=mc(size=0)))
    with pytest.raises(UpstreamProtocolError):
        await client(http).identity()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, True), (True, True), ("1", True), (0, False), (False, False), ("0", False), (None, False)],
)
async def test_server_info_allow_media_deletion(
    mock: respx.MockRouter, http: httpx.AsyncClient, value: object, expected: bool
) -> None:
    attrs: dict[str, Any] = {
        "size": 20,
        "friendlyName": "Basement",
        "machineIdentifier": MACHINE_ID,
        "myPlexUsername": "owner",
        "version": "1.41.3.9314-a0bfb8370",
        "Directory": [{"key": "library", "title": "library", "count": 1}],
    }
    if value is not None:
        attrs["allowMediaDeletion"] = value
    route = mock.get(f"{PMS}/").mock(return_value=httpx.Response(200, json=mc(**attrs)))
    info = await client(http).server_info()
    assert_request(route.calls.last.request)
    assert info.allow_media_deletion is expected
    assert info.friendly_name == "Basement"
    assert info.machine_identifier == MACHINE_ID
    assert info.my_plex_username == "owner"


async def test_sections(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = mc(
        size=2,
        allowSync=False,
        title1="Plex Library",
        Directory=[
            {
                "key": "1",
                "type": "movie",
                "title": "Movies",
                "agent": "tv.plex.agents.movie",
                "scanner": "Plex Movie",
                "language": "en-US",
                "uuid": "0b8c",
                "updatedAt": 1735689600,
                "scannedAt": 1735689600,
                "Location": [{"id": 1, "path": "/data/movies"}],
            },
            {
                "key": "4",
                "type": "artist",
                "title": "Music",
                "agent": "tv.plex.agents.music",
                "scanner": "Plex Music",
                "language": "en",
                "uuid": "9c1d",
                "updatedAt": 1735689600,
                "Location": [{"id": 4, "path": "/data/music"}, {"id": 5, "path": "/data/music2"}],
            },
        ],
    )
    route = mock.get(f"{PMS}/library/sections").mock(return_value=httpx.Response(200, json=body))
    sections = await client(http).sections()
    assert_request(route.calls.last.request)
    assert [(s.key, s.type, s.title) for s in sections] == [("1", "movie", "Movies"), ("4", "artist", "Music")]
    assert sections[1].locations == ("/data/music", "/data/music2")
    assert sections[1].scanned_at is None
    assert sections[0].updated_at is not None and sections[0].updated_at.year == 2025


async def test_no_sections(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{PMS}/library/sections").mock(return_value=httpx.Response(200, json=mc(size=0)))
    assert await client(http).sections() == []


async def test_list_items_request_and_page(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = mc(size=2, totalSize=5210, offset=100, librarySectionID=1, Metadata=[MOVIE, WATCHED_MOVIE])
    route = mock.get(f"{PMS}/library/sections/1/all").mock(
        return_value=httpx.Response(
            200, json=body, headers={"X-Plex-Container-Start": "100", "X-Plex-Container-Total-Size": "5210"}
        )
    )
    page = await client(http).list_items("1", type=1, start=100, size=2, params={"sort": "addedAt:asc"})
    request = route.calls.last.request
    assert_request(request)
    assert request.headers["X-Plex-Container-Start"] == "100"
    assert request.headers["X-Plex-Container-Size"] == "2"
    assert dict(request.url.params) == {"type": "1", "includeGuids": "1", "sort": "addedAt:asc"}
    assert page.offset == 100 and page.total == 5210
    assert [i["ratingKey"] for i in page.items] == ["1001", "1002"]
    assert "viewCount" not in page.items[0]  # omitted keys stay omitted: the caller defaults them
    assert page.items[1]["lastViewedAt"] == 1735000000
    assert page.items[0]["Media"][0]["Part"][0]["size"] == 9182736450


async def test_list_items_empty_container_without_metadata(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{PMS}/library/sections/2/all").mock(
        return_value=httpx.Response(200, json=mc(size=0, totalSize=0, offset=0, librarySectionID=2))
    )
    page = await client(http).list_items("2", type=4, start=0, size=500)
    assert page == Page(items=[], offset=0, total=0)


async def test_list_items_page_past_the_end(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{PMS}/library/sections/1/all").mock(
        return_value=httpx.Response(200, json=mc(size=0, totalSize=10, offset=500))
    )
    page = await client(http).list_items("1", type=1, start=500, size=500)
    assert page == Page(items=[], offset=500, total=10)


async def test_list_items_without_total_size(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{PMS}/library/sections/1/all").mock(return_value=httpx.Response(200, json=mc(size=1, Metadata=[MOVIE])))
    page = await client(http).list_items("1", type=1, start=0, size=50)
    assert page.total is None and page.offset == 0 and len(page.items) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"errors": [{"code": 1001, "message": "nope"}]},
        {"Items": [], "TotalRecordCount": 0},  # a Jellyfin answer
        {"MediaContainer": []},
        mc(size=3, totalSize=3),  # says it has items but sends none
        mc(totalSize=None, offset=0),  # no size at all, no Metadata
        mc(size=1, Metadata={"ratingKey": "1"}),
        mc(size=1, Metadata=["1001"]),
        mc(size=1, totalSize="many", Metadata=[MOVIE]),
        [],
    ],
    ids=[
        "empty",
        "errors",
        "jellyfin",
        "container-list",
        "size-3-no-metadata",
        "no-size",
        "metadata-object",
        "metadata-strings",
        "bad-total",
        "array",
    ],
)
async def test_list_items_never_mistakes_a_failure_for_emptiness(
    mock: respx.MockRouter, http: httpx.AsyncClient, body: object
) -> None:
    mock.get(f"{PMS}/library/sections/1/all").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UpstreamProtocolError):
        await client(http).list_items("1", type=1, start=0, size=50)


async def test_xml_answer_is_protocol_error(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    xml = b'<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="0" totalSize="0"></MediaContainer>'
    mock.get(f"{PMS}/library/sections/1/all").mock(
        return_value=httpx.Response(200, content=xml, headers={"content-type": "text/xml"})
    )
    with pytest.raises(UpstreamProtocolError, match="JSON"):
        await client(http).list_items("1", type=1, start=0, size=50)


async def test_metadata_batches_in_one_request(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    streams = [
        {"id": 1, "streamType": 1, "codec": "h264", "index": 0},
        {
            "id": 2,
            "streamType": 2,
            "codec": "ac3",
            "index": 1,
            "language": "English",
            "languageCode": "eng",
            "languageTag": "en",
            "channels": 6,
            "default": True,
        },
        {
            "id": 3,
            "streamType": 3,
            "codec": "srt",
            "index": 2,
            "language": "Deutsch",
            "languageCode": "ger",
            "languageTag": "de",
            "forced": True,
        },
        {"id": 4, "streamType": 2, "codec": "aac", "index": 3},  # untagged: no language fields
    ]
    detailed = {
        **MOVIE,
        "Media": [
            {
                **MOVIE["Media"][0],
                "Part": [
                    {
                        **MOVIE["Media"][0]["Part"][0],
                        "Stream": streams,
                    }
                ],
            }
        ],
    }
    body = mc(size=2, Metadata=[detailed, {**WATCHED_MOVIE}])
    route = mock.get(f"{PMS}/library/metadata/1001,1002,1003").mock(return_value=httpx.Response(200, json=body))
    c = client(http)
    items = await c.metadata(["1001", "1002", "1003"])
    assert route.call_count == 1 and c.request_count == 1
    assert_request(route.calls.last.request)
    assert route.calls.last.request.url.raw_path.startswith(b"/library/metadata/1001,1002,1003")
    assert [i["ratingKey"] for i in items] == ["1001", "1002"]  # 1003 is gone: simply absent
    got = items[0]["Media"][0]["Part"][0]["Stream"]
    assert [s.get("languageCode") for s in got] == [None, "eng", "ger", None]


async def test_metadata_of_nothing_sends_nothing(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    c = client(http)
    assert await c.metadata([]) == []
    assert c.request_count == 0
    with pytest.raises(TypeError):
        await c.metadata("1001")


async def test_ids_are_quoted_into_one_path_segment(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(url__startswith=f"{PMS}/library/metadata/").mock(return_value=httpx.Response(200, json=mc(size=0)))
    await client(http).metadata(["../../accounts?x=1"])
    assert route.calls.last.request.url.raw_path.startswith(b"/library/metadata/..%2F..%2Faccounts%3Fx%3D1")


async def test_children(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    seasons = [
        {
            "ratingKey": "201",
            "key": "/library/metadata/201/children",
            "parentRatingKey": "200",
            "type": "season",
            "title": "Season 1",
            "index": 1,
            "leafCount": 10,
            "viewedLeafCount": 4,
        },
        {
            "ratingKey": "202",
            "key": "/library/metadata/202/children",
            "parentRatingKey": "200",
            "type": "season",
            "title": "Season 2",
            "index": 2,
            "leafCount": 8,
        },
    ]
    route = mock.get(f"{PMS}/library/metadata/200/children").mock(
        return_value=httpx.Response(200, json=mc(size=2, totalSize=2, offset=0, Metadata=seasons))
    )
    page = await client(http).children("200")
    request = route.calls.last.request
    assert_request(request)
    assert "X-Plex-Container-Start" not in request.headers
    assert page.total == 2 and [s["ratingKey"] for s in page.items] == ["201", "202"]


async def test_all_leaves_is_paged(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    episodes = [
        {
            "ratingKey": "301",
            "type": "episode",
            "title": "Pilot",
            "grandparentTitle": "Show Z",
            "grandparentRatingKey": "200",
            "parentRatingKey": "201",
            "parentIndex": 1,
            "index": 1,
            "addedAt": 1700000000,
            "duration": 2640000,
        }
    ]
    route = mock.get(f"{PMS}/library/metadata/200/allLeaves").mock(
        return_value=httpx.Response(200, json=mc(size=1, totalSize=18, offset=17, Metadata=episodes))
    )
    page = await client(http).all_leaves("200", start=17, size=100)
    request = route.calls.last.request
    assert request.headers["X-Plex-Container-Start"] == "17"
    assert request.headers["X-Plex-Container-Size"] == "100"
    assert page == Page(items=episodes, offset=17, total=18)


async def test_accounts(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = mc(
        size=3,
        identifier="com.plexapp.system.accounts",
        Account=[
            {"id": 0, "key": "/accounts/0", "name": ""},
            {
                "id": 1,
                "key": "/accounts/1",
                "name": "owner",
                "defaultAudioLanguage": "en",
                "defaultSubtitleLanguage": "en",
                "autoSelectAudio": True,
                "subtitleMode": 1,
            },
            {"id": 24681357, "key": "/accounts/24681357", "name": "alice", "thumb": "https://plex.tv/x"},
        ],
    )
    route = mock.get(f"{PMS}/accounts").mock(return_value=httpx.Response(200, json=body))
    accounts = await client(http).accounts()
    assert_request(route.calls.last.request)
    assert accounts[1] == PlexServerAccount(
        id=1, name="owner", default_audio_language="en", default_subtitle_language="en"
    )
    assert [a.id for a in accounts] == [0, 1, 24681357]


HISTORY = mc(
    size=2,
    totalSize=5210,
    offset=0,
    Metadata=[
        {
            "historyKey": "/status/sessions/history/9001",
            "key": "/library/metadata/48211",
            "ratingKey": "48211",
            "librarySectionID": "4",
            "title": "Song A",
            "grandparentTitle": "Artist X",
            "type": "track",
            "viewedAt": 1735000000,
            "accountID": 1,
            "deviceID": 7,
        },
        {
            "historyKey": "/status/sessions/history/9000",
            "librarySectionID": "1",
            "title": "Gone Movie",
            "type": "movie",
            "viewedAt": 1734990000,
            "accountID": 24681357,
            "deviceID": 3,
        },
    ],
)


async def test_history_with_filters(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{PMS}/status/sessions/history/all").mock(return_value=httpx.Response(200, json=HISTORY))
    page = await client(http).history(start=0, size=200, viewed_after=1734000000, account_id=1, section_id="4")
    request = route.calls.last.request
    assert_request(request)
    assert request.headers["X-Plex-Container-Start"] == "0"
    assert request.headers["X-Plex-Container-Size"] == "200"
    assert dict(request.url.params) == {
        "sort": "viewedAt:desc",
        "viewedAt>": "1734000000",
        "accountID": "1",
        "librarySectionID": "4",
    }
    assert b"viewedAt%3E=1734000000" in request.url.raw_path
    assert page.total == 5210
    assert page.items[0]["ratingKey"] == "48211"
    assert "ratingKey" not in page.items[1]  # deleted media: the row is kept, without ratingKey


async def test_history_without_filters(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{PMS}/status/sessions/history/all").mock(
        return_value=httpx.Response(200, json=mc(size=0, totalSize=0))
    )
    page = await client(http).history(start=0, size=100)
    assert dict(route.calls.last.request.url.params) == {"sort": "viewedAt:desc"}
    assert page == Page(items=[], offset=0, total=0)


async def test_delete_item(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.delete(f"{PMS}/library/metadata/1001").mock(return_value=httpx.Response(200, content=b""))
    await client(http).delete_item("1001")
    assert_request(route.calls.last.request)


async def test_delete_refused_when_deletion_disabled(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    html = b"<html><head><title>Bad Request</title></head><body><h1>400 Bad Request</h1></body></html>"
    mock.delete(f"{PMS}/library/metadata/1001").mock(return_value=httpx.Response(400, content=html))
    with pytest.raises(UpstreamRefused) as info:
        await client(http).delete_item("1001")
    assert info.value.message == "media deletion is disabled on this Plex server"
    assert info.value.status == 400


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, UpstreamNotFound),
        (401, UpstreamAuthError),
        (403, UpstreamAuthError),
        (500, UpstreamTransient),
        (503, UpstreamTransient),
        (302, UpstreamProtocolError),
    ],
)
async def test_delete_errors(
    mock: respx.MockRouter, http: httpx.AsyncClient, status: int, expected: type[Exception]
) -> None:
    html = b"<html><head><title>Error</title></head><body>error</body></html>"
    mock.delete(f"{PMS}/library/metadata/1001").mock(return_value=httpx.Response(status, content=html))
    with pytest.raises(expected) as info:
        await client(http).delete_item("1001")
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


async def test_delete_timeout_is_transient(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    # A timed-out delete may or may not have happened: the deleter must check again, never assume.
    mock.delete(f"{PMS}/library/metadata/1001").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(UpstreamTransient):
        await client(http).delete_item("1001")
