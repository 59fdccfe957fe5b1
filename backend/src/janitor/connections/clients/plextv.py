"""plex.tv: PIN sign-in, the account, its servers (resources), friends, home users, shared users.

v2 endpoints answer JSON when asked (``Accept: application/json``); ``/api/users`` (v1) is XML only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from janitor.connections.clients.base import (
    CLIENT_VERSION,
    PRODUCT,
    BaseClient,
    as_bool,
    as_int,
    as_str,
    loads_json,
    parse_datetime,
    path_segment,
    require_dict,
    require_int,
    require_str,
)
from janitor.connections.clients.errors import UpstreamNotFound, UpstreamProtocolError

PLEX_TV_URL = "https://plex.tv"
PLEX_AUTH_APP_URL = "https://app.plex.tv/auth"


def plex_headers(client_id: str, token: str | None, *, accept: str = "application/json") -> dict[str, str]:
    """The ``X-Plex-*`` identification headers every Plex request carries (token only in a header)."""
    headers = {
        "Accept": accept,
        "X-Plex-Client-Identifier": client_id,
        "X-Plex-Product": PRODUCT,
        "X-Plex-Version": CLIENT_VERSION,
    }
    if token:
        headers["X-Plex-Token"] = token
    return headers


@dataclass(frozen=True, slots=True)
class Pin:
    id: int
    code: str
    client_identifier: str | None
    expires_in: int | None
    expires_at: datetime | None
    # None until the user approved the sign-in at plex.tv.
    auth_token: str | None = field(default=None, repr=False)

    @property
    def claimed(self) -> bool:
        return bool(self.auth_token)


@dataclass(frozen=True, slots=True)
class PlexAccountInfo:
    id: int
    uuid: str | None
    username: str | None
    title: str | None
    email: str | None
    thumb: str | None
    home: bool
    home_admin: bool
    subscription_active: bool


@dataclass(frozen=True, slots=True)
class PlexConnection:
    uri: str
    local: bool
    relay: bool
    protocol: str | None
    address: str | None
    port: int | None
    ipv6: bool = False


@dataclass(frozen=True, slots=True)
class PlexResource:
    """A Plex Media Server the account can reach (its own or shared with it)."""

    name: str
    client_identifier: str  # = the server's machineIdentifier
    owned: bool
    product_version: str | None
    connections: tuple[PlexConnection, ...]
    source_title: str | None  # owner's name for a shared server
    presence: bool
    https_required: bool
    # The token to use against *this* server (differs from the account token on shared servers);
    # "" when plex.tv did not send one.
    access_token: str = field(default="", repr=False)

    def preferred_connections(self) -> list[PlexConnection]:
        """Local first, then remote, relay last (bandwidth-limited); stable within each group."""

        def rank(c: PlexConnection) -> int:
            if c.relay:
                return 2
            return 0 if c.local else 1

        return sorted(self.connections, key=rank)


@dataclass(frozen=True, slots=True)
class PlexFriend:
    id: int
    uuid: str | None
    username: str | None
    title: str | None
    email: str | None
    thumb: str | None
    home: bool
    restricted: bool
    status: str | None
    shared_server_machine_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlexHomeUser:
    id: int
    uuid: str | None
    title: str | None
    username: str | None  # empty for managed users
    email: str | None
    thumb: str | None
    admin: bool
    guest: bool
    restricted: bool
    protected: bool


@dataclass(frozen=True, slots=True)
class PlexSharedServer:
    id: int | None
    server_id: int | None
    machine_identifier: str
    name: str | None
    num_libraries: int | None
    all_libraries: bool
    owned: bool
    pending: bool


@dataclass(frozen=True, slots=True)
class PlexSharedUser:
    """A row of plex.tv ``/api/users``: someone the account shares with, and on which servers."""

    id: int
    title: str | None
    username: str | None
    email: str | None
    thumb: str | None
    home: bool
    restricted: bool
    servers: tuple[PlexSharedServer, ...]


class PlexTvClient(BaseClient):
    service = "plex.tv"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str = PLEX_TV_URL,
        client_id: str,
        token: str | None = None,
    ) -> None:
        super().__init__(http, base_url)
        if not client_id:
            raise ValueError("client_id is required")
        self.client_id = client_id
        self._token = token

    def _headers(self, *, auth: bool) -> dict[str, str]:
        return plex_headers(self.client_id, self._token if auth else None)

    # ------------------------------------------------------------------ PIN sign-in
    async def create_pin(self, strong: bool = True) -> Pin:
        """Start a sign-in. No token is sent; plex.tv answers 201 with the PIN."""
        response = await self._send("POST", "/api/v2/pins", params={"strong": strong}, auth=False)
        return _pin(loads_json(response, self.service))

    async def check_pin(self, pin_id: int) -> Pin:
        """Poll a PIN. ``auth_token`` stays ``None`` until claimed; ``UpstreamNotFound`` = expired/unknown."""
        try:
            data = await self._get_json(f"/api/v2/pins/{path_segment(pin_id)}", auth=False)
        except UpstreamNotFound as exc:
            raise UpstreamNotFound("The Plex sign-in code expired or is unknown.", status=exc.status) from None
        return _pin(data)

    def auth_url(self, pin: Pin, *, app_url: str = PLEX_AUTH_APP_URL, forward_url: str | None = None) -> str:
        """Where to send the browser: Plex's documented ``#?`` fragment format."""
        params = {"clientID": self.client_id, "code": pin.code, "context[device][product]": PRODUCT}
        if forward_url:
            params["forwardUrl"] = forward_url
        return f"{app_url.rstrip('/')}#?{urlencode(params)}"

    # ------------------------------------------------------------------ account
    async def user(self) -> PlexAccountInfo:
        """The signed-in account (200 = token valid; 401 → ``UpstreamAuthError``)."""
        data = require_dict(await self._get_json("/api/v2/user"), self.service, "account")
        subscription = data.get("subscription")
        return PlexAccountInfo(
            id=require_int(data, "id", self.service, "an account"),
            uuid=as_str(data.get("uuid")),
            username=as_str(data.get("username")),
            title=as_str(data.get("title")),
            email=as_str(data.get("email")),
            thumb=as_str(data.get("thumb")),
            home=as_bool(data.get("home")),
            home_admin=as_bool(data.get("homeAdmin")),
            subscription_active=isinstance(subscription, dict) and as_bool(subscription.get("active")),
        )

    async def resources(self) -> list[PlexResource]:
        """Plex Media Servers the account can use (devices that provide ``server``)."""
        data = await self._get_json("/api/v2/resources", params={"includeHttps": 1, "includeRelay": 1})
        if not isinstance(data, list):
            raise UpstreamProtocolError("plex.tv sent an unexpected resource list.")
        out: list[PlexResource] = []
        for raw in data:
            device = require_dict(raw, self.service, "resource")
            provides = as_str(device.get("provides")) or ""
            if "server" not in {p.strip() for p in provides.split(",")}:
                continue
            out.append(_resource(device))
        return out

    async def friends(self) -> list[PlexFriend]:
        data = await self._get_json("/api/v2/friends")
        if not isinstance(data, list):
            raise UpstreamProtocolError("plex.tv sent an unexpected friend list.")
        out: list[PlexFriend] = []
        for raw in data:
            f = require_dict(raw, self.service, "friend")
            shared = f.get("sharedServers")
            machine_ids = tuple(
                mid
                for s in (shared if isinstance(shared, list) else [])
                if isinstance(s, dict) and (mid := as_str(s.get("machineIdentifier")))
            )
            out.append(
                PlexFriend(
                    id=require_int(f, "id", self.service, "a friend"),
                    uuid=as_str(f.get("uuid")),
                    username=as_str(f.get("username")),
                    title=as_str(f.get("title")),
                    email=as_str(f.get("email")),
                    thumb=as_str(f.get("thumb")),
                    home=as_bool(f.get("home")),
                    restricted=as_bool(f.get("restricted")),
                    status=as_str(f.get("status")),
                    shared_server_machine_ids=machine_ids,
                )
            )
        return out

    async def home_users(self) -> list[PlexHomeUser]:
        """Members of the Plex Home. plex.tv has sent both ``{..., "users": [...]}`` and a bare array."""
        data = await self._get_json("/api/v2/home/users")
        if isinstance(data, dict) and isinstance(data.get("users"), list):
            rows: list[Any] = data["users"]
        elif isinstance(data, list):
            rows = data
        else:
            raise UpstreamProtocolError("plex.tv sent an unexpected home user list.")
        out: list[PlexHomeUser] = []
        for raw in rows:
            u = require_dict(raw, self.service, "home user")
            out.append(
                PlexHomeUser(
                    id=require_int(u, "id", self.service, "a home user"),
                    uuid=as_str(u.get("uuid")),
                    title=as_str(u.get("title")),
                    username=as_str(u.get("username")),
                    email=as_str(u.get("email")),
                    thumb=as_str(u.get("thumb")),
                    admin=as_bool(u.get("admin")),
                    guest=as_bool(u.get("guest")),
                    restricted=as_bool(u.get("restricted")),
                    protected=as_bool(u.get("protected")),
                )
            )
        return out

    async def users_v1(self) -> list[PlexSharedUser]:
        """plex.tv ``/api/users`` (XML only): the people the account shares with, and their servers."""
        response = await self._send("GET", "/api/users", headers={"Accept": "application/xml"})
        root = _parse_xml(response.content)
        if root.tag != "MediaContainer":
            raise UpstreamProtocolError("plex.tv sent an unexpected user list.")
        out: list[PlexSharedUser] = []
        for el in root.iter("User"):
            a = el.attrib
            user_id = as_int(a.get("id"))
            if user_id is None:
                raise UpstreamProtocolError("plex.tv sent a user without an id.")
            servers = []
            for s in el.iter("Server"):
                sa = s.attrib
                mid = sa.get("machineIdentifier")
                if not mid:
                    raise UpstreamProtocolError("plex.tv sent a shared server without a machineIdentifier.")
                servers.append(
                    PlexSharedServer(
                        id=as_int(sa.get("id")),
                        server_id=as_int(sa.get("serverId")),
                        machine_identifier=mid,
                        name=sa.get("name"),
                        num_libraries=as_int(sa.get("numLibraries")),
                        all_libraries=as_bool(sa.get("allLibraries")),
                        owned=as_bool(sa.get("owned")),
                        pending=as_bool(sa.get("pending")),
                    )
                )
            out.append(
                PlexSharedUser(
                    id=user_id,
                    title=a.get("title"),
                    username=a.get("username") or None,
                    email=a.get("email") or None,
                    thumb=a.get("thumb") or None,
                    home=as_bool(a.get("home")),
                    restricted=as_bool(a.get("restricted")),
                    servers=tuple(servers),
                )
            )
        return out


def _pin(data: Any) -> Pin:
    d = require_dict(data, "plex.tv", "PIN")
    return Pin(
        id=require_int(d, "id", "plex.tv", "a PIN"),
        code=require_str(d, "code", "plex.tv", "a PIN"),
        client_identifier=as_str(d.get("clientIdentifier")),
        expires_in=as_int(d.get("expiresIn")),
        expires_at=parse_datetime(d.get("expiresAt")),
        auth_token=as_str(d.get("authToken")) or None,
    )


def _resource(d: dict[str, Any]) -> PlexResource:
    conns: list[PlexConnection] = []
    raw_conns = d.get("connections")
    for raw in raw_conns if isinstance(raw_conns, list) else []:
        c = require_dict(raw, "plex.tv", "connection")
        uri = as_str(c.get("uri"))
        if not uri:
            continue
        conns.append(
            PlexConnection(
                uri=uri,
                local=as_bool(c.get("local")),
                relay=as_bool(c.get("relay")),
                protocol=as_str(c.get("protocol")),
                address=as_str(c.get("address")),
                port=as_int(c.get("port")),
                ipv6=as_bool(c.get("IPv6")),
            )
        )
    return PlexResource(
        name=as_str(d.get("name")) or "",
        client_identifier=require_str(d, "clientIdentifier", "plex.tv", "a server"),
        owned=as_bool(d.get("owned")),
        product_version=as_str(d.get("productVersion")),
        connections=tuple(conns),
        source_title=as_str(d.get("sourceTitle")),
        presence=as_bool(d.get("presence")),
        https_required=as_bool(d.get("httpsRequired")),
        access_token=as_str(d.get("accessToken")) or "",
    )


def _parse_xml(content: bytes) -> ET.Element:
    # The body comes from a server the user pointed us at: refuse DTDs outright (no entity tricks);
    # ElementTree never fetches external entities and expat caps entity amplification.
    upper = content.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise UpstreamProtocolError("plex.tv sent XML with a document type declaration; refused.")
    try:
        return ET.fromstring(content)  # noqa: S314
    except ET.ParseError:
        raise UpstreamProtocolError("plex.tv did not answer with XML; is this the right address?") from None
