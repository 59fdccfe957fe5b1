"""plex.tv client: exact requests and parsing of composed plex.tv answers.

Shapes: sim/specs/plex-api-spec-with-plextv-2025-09.yaml, sim/README.md "Fidelity notes".
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from janitor.connections.clients.base import CLIENT_VERSION
from janitor.connections.clients.errors import UpstreamAuthError, UpstreamNotFound, UpstreamProtocolError
from janitor.connections.clients.plextv import Pin, PlexConnection, PlexTvClient

TOKEN = "plexTok3n-SECRET-abcdef"
CLIENT_ID = "3f0c6c3e-8f1e-4f55-9a55-5b4c2b0c9d11"
CLAIMED_TOKEN = "claimedTok3n-SECRET-zyx"
SERVER_TOKEN = "serverAccessTok3n-SECRET"
TV = "https://plex.tv"


def pin_body(auth_token: str | None = None) -> dict[str, object]:
    return {
        "id": 912345678,
        "code": "k3v9x0q2m8a7b6c5d4e1f0g9h",
        "product": "Media Janitor",
        "trusted": False,
        "qr": "https://plex.tv/api/v2/pins/qr/k3v9x0q2m8a7b6c5d4e1f0g9h",
        "clientIdentifier": CLIENT_ID,
        "location": {"code": "US", "country": "United States", "city": "Springfield"},
        "expiresIn": 1799,
        "createdAt": "2025-01-02T03:04:05Z",
        "expiresAt": "2025-01-02T03:34:05Z",
        "authToken": auth_token,
        "newRegistration": None,
    }


def client(http: httpx.AsyncClient, token: str | None = TOKEN) -> PlexTvClient:
    return PlexTvClient(http, client_id=CLIENT_ID, token=token)


def assert_plex_headers(request: httpx.Request, *, token: str | None) -> None:
    h = request.headers
    assert h["X-Plex-Client-Identifier"] == CLIENT_ID
    assert h["X-Plex-Product"] == "Media Janitor"
    assert h["X-Plex-Version"] == CLIENT_VERSION
    if token is None:
        assert "X-Plex-Token" not in h
    else:
        assert h["X-Plex-Token"] == token
        assert token not in str(request.url)
    assert "X-Plex-Token" not in str(request.url)


async def test_create_pin(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.post(f"{TV}/api/v2/pins").mock(return_value=httpx.Response(201, json=pin_body()))
    pin = await client(http).create_pin()
    request = route.calls.last.request
    assert request.url.params["strong"] == "true"
    assert request.headers["Accept"] == "application/json"
    assert_plex_headers(request, token=None)  # no token, even when the client holds one
    assert pin == Pin(
        id=912345678,
        code="k3v9x0q2m8a7b6c5d4e1f0g9h",
        client_identifier=CLIENT_ID,
        expires_in=1799,
        expires_at=datetime(2025, 1, 2, 3, 34, 5, tzinfo=UTC),
        auth_token=None,
    )
    assert not pin.claimed


async def test_create_weak_pin(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = pin_body() | {"code": "7RQZ", "expiresIn": 900}
    route = mock.post(f"{TV}/api/v2/pins").mock(return_value=httpx.Response(201, json=body))
    pin = await client(http, token=None).create_pin(strong=False)
    assert route.calls.last.request.url.params["strong"] == "false"
    assert pin.code == "7RQZ"


async def test_create_pin_rejects_a_body_without_code(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.post(f"{TV}/api/v2/pins").mock(return_value=httpx.Response(201, json={"id": 1}))
    with pytest.raises(UpstreamProtocolError):
        await client(http).create_pin()


async def test_check_pin_unclaimed_then_claimed(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{TV}/api/v2/pins/912345678").mock(
        side_effect=[httpx.Response(200, json=pin_body()), httpx.Response(200, json=pin_body(CLAIMED_TOKEN))]
    )
    c = client(http, token=None)
    first = await c.check_pin(912345678)
    assert first.auth_token is None and not first.claimed
    second = await c.check_pin(912345678)
    assert second.auth_token == CLAIMED_TOKEN and second.claimed
    assert CLAIMED_TOKEN not in repr(second)
    assert_plex_headers(route.calls.last.request, token=None)
    assert c.request_count == 2


async def test_check_pin_expired_is_not_found(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {"errors": [{"code": 1020, "message": "Code not found or expired", "status": 404}]}
    mock.get(f"{TV}/api/v2/pins/5").mock(return_value=httpx.Response(404, json=body))
    with pytest.raises(UpstreamNotFound, match="expired"):
        await client(http).check_pin(5)


def test_auth_url_uses_the_documented_fragment(http: httpx.AsyncClient) -> None:
    pin = Pin(id=1, code="abc123", client_identifier=CLIENT_ID, expires_in=900, expires_at=None)
    url = client(http).auth_url(pin)
    assert url == (
        "https://app.plex.tv/auth#?clientID=3f0c6c3e-8f1e-4f55-9a55-5b4c2b0c9d11&code=abc123"
        "&context%5Bdevice%5D%5Bproduct%5D=Media+Janitor"
    )
    assert TOKEN not in url


def test_auth_url_with_forward_url_and_custom_app(http: httpx.AsyncClient) -> None:
    pin = Pin(id=1, code="abc", client_identifier=None, expires_in=None, expires_at=None)
    url = client(http).auth_url(
        pin, app_url="http://sim.test:9000/auth/", forward_url="https://janitor.test/connections?pin=1&x=2"
    )
    base, fragment = url.split("#?", 1)
    assert base == "http://sim.test:9000/auth"
    q = parse_qs(fragment)
    assert q == {
        "clientID": [CLIENT_ID],
        "code": ["abc"],
        "context[device][product]": ["Media Janitor"],
        "forwardUrl": ["https://janitor.test/connections?pin=1&x=2"],
    }
    assert urlsplit(url).fragment.startswith("?clientID=")


async def test_user(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {
        "id": 24681357,
        "uuid": "a1b2c3d4e5f60718",
        "username": "owner",
        "title": "owner",
        "friendlyName": "Owner",
        "email": "owner@example.com",
        "thumb": "https://plex.tv/users/a1b2c3d4e5f60718/avatar?c=1",
        "authToken": TOKEN,
        "joinedAt": 1500000000,
        "home": True,
        "homeAdmin": True,
        "subscription": {"active": True, "status": "Active", "plan": "lifetime", "features": ["webhooks"]},
        "profile": {"autoSelectAudio": True},
    }
    route = mock.get(f"{TV}/api/v2/user").mock(return_value=httpx.Response(200, json=body))
    info = await client(http).user()
    assert_plex_headers(route.calls.last.request, token=TOKEN)
    assert info.id == 24681357
    assert info.username == "owner"
    assert info.email == "owner@example.com"
    assert info.home and info.home_admin and info.subscription_active
    assert TOKEN not in repr(info)


async def test_user_bad_token(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = {"errors": [{"code": 1001, "message": "User could not be authenticated", "status": 401}]}
    mock.get(f"{TV}/api/v2/user").mock(return_value=httpx.Response(401, json=body))
    with pytest.raises(UpstreamAuthError) as info:
        await client(http).user()
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


RESOURCES = [
    {
        "name": "Basement",
        "product": "Plex Media Server",
        "productVersion": "1.41.3.9314-a0bfb8370",
        "platform": "Linux",
        "clientIdentifier": "d6a1c2b3e4f5061728394a5b6c7d8e9f00112233",
        "createdAt": "2020-01-01T00:00:00Z",
        "lastSeenAt": "2025-01-02T03:04:05Z",
        "provides": "server",
        "ownerId": None,
        "sourceTitle": None,
        "publicAddress": "203.0.113.7",
        "accessToken": SERVER_TOKEN,
        "owned": True,
        "home": True,
        "synced": False,
        "relay": True,
        "presence": True,
        "httpsRequired": False,
        "connections": [
            {
                "protocol": "https",
                "address": "139.162.0.1",
                "port": 8443,
                "uri": "https://139-162-0-1.abc.plex.direct:8443",
                "local": False,
                "relay": True,
                "IPv6": False,
            },
            {
                "protocol": "https",
                "address": "203.0.113.7",
                "port": 32400,
                "uri": "https://203-0-113-7.abc.plex.direct:32400",
                "local": False,
                "relay": False,
                "IPv6": False,
            },
            {
                "protocol": "https",
                "address": "192.168.1.10",
                "port": 32400,
                "uri": "https://192-168-1-10.abc.plex.direct:32400",
                "local": True,
                "relay": False,
                "IPv6": False,
            },
        ],
    },
    {
        "name": "Friend's server",
        "product": "Plex Media Server",
        "productVersion": "1.40.0.1",
        "clientIdentifier": "ffff0000ffff0000ffff0000ffff0000ffff0000",
        "provides": "server,sync-target",
        "ownerId": 111,
        "sourceTitle": "alice",
        "accessToken": "sharedTok3n",
        "owned": False,
        "presence": False,
        "httpsRequired": True,
        "connections": [],
    },
    {
        "name": "Living Room TV",
        "product": "Plex for Android (TV)",
        "clientIdentifier": "0011223344556677",
        "provides": "player,pubsub-player,client",
        "accessToken": TOKEN,
        "owned": True,
        "connections": [],
    },
]


async def test_resources_keeps_servers_only(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{TV}/api/v2/resources").mock(return_value=httpx.Response(200, json=RESOURCES))
    servers = await client(http).resources()
    request = route.calls.last.request
    assert request.url.params["includeHttps"] == "1"
    assert request.url.params["includeRelay"] == "1"
    assert_plex_headers(request, token=TOKEN)
    assert [s.name for s in servers] == ["Basement", "Friend's server"]
    own, shared = servers
    assert own.client_identifier == "d6a1c2b3e4f5061728394a5b6c7d8e9f00112233"
    assert own.owned and own.presence and not own.https_required
    assert own.access_token == SERVER_TOKEN
    assert own.product_version == "1.41.3.9314-a0bfb8370"
    assert SERVER_TOKEN not in repr(own)
    assert [c.uri for c in own.preferred_connections()] == [
        "https://192-168-1-10.abc.plex.direct:32400",
        "https://203-0-113-7.abc.plex.direct:32400",
        "https://139-162-0-1.abc.plex.direct:8443",
    ]
    assert own.preferred_connections()[0] == PlexConnection(
        uri="https://192-168-1-10.abc.plex.direct:32400",
        local=True,
        relay=False,
        protocol="https",
        address="192.168.1.10",
        port=32400,
    )
    assert not shared.owned and shared.source_title == "alice" and shared.connections == ()
    assert shared.https_required


async def test_resources_must_be_a_list(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{TV}/api/v2/resources").mock(return_value=httpx.Response(200, json={"MediaContainer": {}}))
    with pytest.raises(UpstreamProtocolError):
        await client(http).resources()


async def test_friends(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = [
        {
            "id": 111,
            "uuid": "b1c2",
            "username": "alice",
            "title": "alice",
            "email": "alice@example.com",
            "friendlyName": None,
            "thumb": "https://plex.tv/users/b1c2/avatar",
            "home": False,
            "restricted": False,
            "status": "accepted",
            "sharedServers": [{"id": 1, "machineIdentifier": "d6a1c2b3", "name": "Basement"}],
            "sharedSources": [],
        },
        {"id": 222, "uuid": "c3d4", "username": "bob", "title": "bob", "home": True, "restricted": True},
    ]
    route = mock.get(f"{TV}/api/v2/friends").mock(return_value=httpx.Response(200, json=body))
    friends = await client(http).friends()
    assert_plex_headers(route.calls.last.request, token=TOKEN)
    assert [f.id for f in friends] == [111, 222]
    assert friends[0].shared_server_machine_ids == ("d6a1c2b3",)
    assert friends[0].status == "accepted"
    assert friends[1].email is None and friends[1].restricted and friends[1].shared_server_machine_ids == ()


HOME_USERS = [
    {
        "id": 24681357,
        "uuid": "a1b2",
        "title": "owner",
        "username": "owner",
        "email": "owner@example.com",
        "thumb": "t",
        "admin": True,
        "guest": False,
        "restricted": False,
        "protected": True,
        "hasPassword": True,
    },
    {"id": 30000001, "uuid": "kid1", "title": "Kid", "username": "", "email": None, "admin": False, "restricted": True},
]


@pytest.mark.parametrize(
    "body",
    [
        {"id": 5357, "name": "Owner's Home", "guestEnabled": False, "users": HOME_USERS},
        HOME_USERS,
    ],
    ids=["object-with-users", "bare-array"],
)
async def test_home_users_accepts_both_shapes(mock: respx.MockRouter, http: httpx.AsyncClient, body: object) -> None:
    route = mock.get(f"{TV}/api/v2/home/users").mock(return_value=httpx.Response(200, json=body))
    users = await client(http).home_users()
    assert_plex_headers(route.calls.last.request, token=TOKEN)
    assert [u.id for u in users] == [24681357, 30000001]
    assert users[0].admin and users[0].protected
    assert users[1].username is not None and users[1].username == ""
    assert users[1].restricted and not users[1].admin and users[1].email is None


async def test_home_users_rejects_other_shapes(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{TV}/api/v2/home/users").mock(return_value=httpx.Response(200, json={"id": 1, "name": "x"}))
    with pytest.raises(UpstreamProtocolError):
        await client(http).home_users()


USERS_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<MediaContainer friendlyName="myPlex" identifier="com.plexapp.plugins.myplex"
    machineIdentifier="0123456789abcdef0123456789abcdef01234567" totalSize="2" size="2">
  <User id="111" title="alice" username="alice" email="alice@example.com" recommendationsPlaylistId=""
      thumb="https://plex.tv/users/b1c2/avatar" protected="0" home="0" allowTuners="0" allowSync="1"
      allowCameraUpload="0" allowChannels="0" allowSubtitleAdmin="0" filterAll="" filterMovies=""
      filterMusic="" filterPhotos="" filterTelevision="" restricted="0">
    <Server id="9001" serverId="4242" machineIdentifier="d6a1c2b3e4f5061728394a5b6c7d8e9f00112233"
        name="Basement" lastSeenAt="1735689600" numLibraries="3" allLibraries="1" owned="0" pending="0"/>
    <Server id="9002" serverId="4243" machineIdentifier="ffff0000ffff0000ffff0000ffff0000ffff0000"
        name="Cabin" lastSeenAt="1735689600" numLibraries="1" allLibraries="0" owned="0" pending="1"/>
  </User>
  <User id="30000001" title="Kid" username="" email="" thumb="" protected="1" home="1" restricted="1"/>
</MediaContainer>
"""


async def test_users_v1_parses_xml(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get(f"{TV}/api/users").mock(
        return_value=httpx.Response(200, content=USERS_XML, headers={"content-type": "application/xml"})
    )
    users = await client(http).users_v1()
    request = route.calls.last.request
    assert request.headers["Accept"] == "application/xml"
    assert_plex_headers(request, token=TOKEN)
    alice, kid = users
    assert alice.id == 111 and alice.username == "alice" and alice.email == "alice@example.com"
    assert not alice.home and not alice.restricted
    assert [s.machine_identifier for s in alice.servers] == [
        "d6a1c2b3e4f5061728394a5b6c7d8e9f00112233",
        "ffff0000ffff0000ffff0000ffff0000ffff0000",
    ]
    basement, cabin = alice.servers
    assert basement.server_id == 4242 and basement.num_libraries == 3 and basement.all_libraries
    assert not basement.owned and not basement.pending
    assert not cabin.all_libraries and cabin.pending
    assert kid.id == 30000001 and kid.home and kid.restricted
    assert kid.username is None and kid.email is None and kid.servers == ()


async def test_users_v1_empty(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    body = b'<?xml version="1.0"?><MediaContainer friendlyName="myPlex" totalSize="0" size="0"/>'
    mock.get(f"{TV}/api/users").mock(return_value=httpx.Response(200, content=body))
    assert await client(http).users_v1() == []


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>Welcome</h1></body></html>",
        b'{"users": []}',
        b"<MediaContainer><User id='1'",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><MediaContainer>&lol;</MediaContainer>',
        b'<?xml version="1.0"?><MediaContainer><User title="no id"/></MediaContainer>',
        b'<?xml version="1.0"?><MediaContainer><User id="1"><Server name="x"/></User></MediaContainer>',
    ],
    ids=["html", "json", "truncated", "doctype", "user-without-id", "server-without-machine-id"],
)
async def test_users_v1_rejects_bad_bodies(mock: respx.MockRouter, http: httpx.AsyncClient, body: bytes) -> None:
    mock.get(f"{TV}/api/users").mock(return_value=httpx.Response(200, content=body))
    with pytest.raises(UpstreamProtocolError):
        await client(http).users_v1()


async def test_users_v1_html_401(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get(f"{TV}/api/users").mock(
        return_value=httpx.Response(401, content=b"<html><body><h1>401 Unauthorized</h1></body></html>")
    )
    with pytest.raises(UpstreamAuthError):
        await client(http).users_v1()


async def test_custom_base_url(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    route = mock.get("http://sim.test:9000/api/v2/user").mock(
        return_value=httpx.Response(200, json={"id": 1, "username": "u"})
    )
    c = PlexTvClient(http, base_url="http://sim.test:9000/", client_id=CLIENT_ID, token=TOKEN)
    assert (await c.user()).id == 1
    assert route.called


def test_client_id_required(http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="client_id"):
        PlexTvClient(http, client_id="")
