"""plex.tv: PIN login, user, resources, friends, home users (v2 JSON/XML, v1 XML only)."""

from __future__ import annotations

import html
import time
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.responses import HTMLResponse, Response

from mediasim.builder import Builder, hex_id, token_for
from mediasim.core import Ctx, Service, SimState
from mediasim.model import Pin, PlexServer, PlexUser
from mediasim.wire import XML_HEADER, iso_z, wants_json, xml_element

PIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
STRONG_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class PlexTvService(Service):
    name = "plextv"

    def __init__(self, state: SimState) -> None:
        super().__init__()
        self.state = state
        a = self.add
        a("POST", "/api/v2/pins", self.create_pin)
        a("GET", "/api/v2/pins/{pid}", self.get_pin)
        a("GET", "/api/v2/user", self.user)
        a("POST", "/api/v2/users/signin", self.signin)
        a("GET", "/api/v2/ping", self.ping)
        a("GET", "/api/v2/resources", self.resources)
        a("GET", "/api/v2/friends", self.friends)
        a("GET", "/api/v2/home", self.home)
        a("GET", "/api/v2/home/users", self.home_users_v2)
        a("GET", "/api/v2/user/webhooks", self.webhooks)
        a("GET", "/api/users", self.users_v1)
        a("GET", "/api/home/users", self.home_users_v1)
        a("GET", "/api/resources", self.resources_v1)
        a("GET", "/auth", self.auth_page)

    # ------------------------------------------------------------------ helpers
    def _js(self, ctx: Ctx) -> bool:
        return wants_json(ctx.request.headers.get("accept"))

    def error(
        self, status: int, ctx: Ctx | None = None, code: int | None = None, message: str | None = None
    ) -> Response:
        msgs = {
            401: (1001, "User could not be authenticated"),
            400: (1000, "Bad request"),
            404: (1020, "Resource not found"),
            429: (1003, "Too many requests"),
        }
        c, m = msgs.get(status, (1999, "Internal server error"))
        c, m = code or c, message or m
        if ctx is None or self._js(ctx):
            return Response(
                orjson.dumps({"errors": [{"code": c, "message": m, "status": status}]}),
                status_code=status,
                media_type="application/json",
            )
        body = XML_HEADER + xml_element("errors", {"error": [{"code": c, "message": m, "status": status}]}).encode()
        return Response(body, status_code=status, media_type="application/xml")

    def _client_id(self, ctx: Ctx) -> str | None:
        r = ctx.request
        return r.headers.get("x-plex-client-identifier") or r.query_params.get("X-Plex-Client-Identifier")

    def _user(self, ctx: Ctx) -> PlexUser | None:
        r = ctx.request
        return self.state.world.plextv.by_token(r.headers.get("x-plex-token") or r.query_params.get("X-Plex-Token"))

    def _out(
        self, ctx: Ctx, obj: Any, xml_tag: str, xml_obj: dict[str, Any] | None = None, status: int = 200
    ) -> Response:
        if self._js(ctx):
            return Response(orjson.dumps(obj), status_code=status, media_type="application/json")
        body = XML_HEADER + xml_element(xml_tag, xml_obj if xml_obj is not None else obj).encode()
        return Response(body, status_code=status, media_type="application/xml")

    # ------------------------------------------------------------------ pins
    def pin_dict(self, pin: Pin) -> dict[str, Any]:
        return {
            "id": pin.id,
            "code": pin.code,
            "product": pin.product,
            "trusted": False,
            "qr": f"https://plex.tv/api/v2/pins/qr/{pin.code}",
            "clientIdentifier": pin.client_id,
            "location": {
                "code": "US",
                "european_union_member": False,
                "continent_code": "NA",
                "country": "United States",
                "city": "Springfield",
                "time_zone": "America/Chicago",
                "postal_code": "62701",
                "in_privacy_restricted_country": False,
                "in_privacy_restricted_region": False,
                "subdivisions": "Illinois",
                "coordinates": "39.7817, -89.6501",
            },
            "expiresIn": max(0, pin.created_at + pin.expires_in - int(time.time())),
            "createdAt": iso_z(pin.created_at),
            "expiresAt": iso_z(pin.created_at + pin.expires_in),
            "authToken": pin.auth_token,
            "newRegistration": None,
        }

    async def create_pin(self, ctx: Ctx) -> Response:
        cid = self._client_id(ctx)
        if not cid:
            return self.error(400, ctx, 1000, "X-Plex-Client-Identifier is missing")
        tv = self.state.world.plextv
        tv.next_pin += 1
        pid = tv.next_pin
        strong = (ctx.q("strong") or "").lower() in ("true", "1")
        h = hex_id("pin", self.state.world.seed, pid, cid, n=64)
        if strong:
            code = "".join(STRONG_ALPHABET[int(h[i : i + 2], 16) % 36] for i in range(0, 50, 2))
            life = 1800
        else:
            code = "".join(PIN_ALPHABET[int(h[i : i + 2], 16) % len(PIN_ALPHABET)] for i in range(0, 8, 2))
            life = 900
        product = ctx.request.headers.get("x-plex-product") or ctx.q("X-Plex-Product") or "Plex Web"
        pin = Pin(id=pid, code=code, client_id=cid, product=product, created_at=int(time.time()), expires_in=life)
        tv.pins[pid] = pin
        return self._out(ctx, self.pin_dict(pin), "pin", status=201)

    async def get_pin(self, ctx: Ctx) -> Response:
        pid = ctx.params["pid"]
        pin = self.state.world.plextv.pins.get(int(pid)) if pid.isdigit() else None
        if pin is None or pin.created_at + pin.expires_in < time.time():
            return self.error(404, ctx, 1020, "Code not found or expired")
        return self._out(ctx, self.pin_dict(pin), "pin")

    def approve(self, ident: str, username: str | None = None) -> Pin:
        """Sign a PIN in (by id or code) as the owner or the named user."""
        tv = self.state.world.plextv
        pin = None
        for p in tv.pins.values():
            if str(p.id) == ident or p.code == ident:
                pin = p
        if pin is None:
            raise KeyError(ident)
        user = tv.owner
        if username:
            user = next((u for u in [tv.owner, *tv.users] if username in (u.username, u.title)), None) or tv.owner
        pin.auth_token = user.token
        pin.user_id = user.id
        self.state.mutate("plextv", "pin_approved", pinId=pin.id, code=pin.code, user=user.title)
        return pin

    async def auth_page(self, ctx: Ctx) -> Response:
        """Stand-in for app.plex.tv/auth: reads the fragment (#? or #!?) and approves the PIN."""
        tv = self.state.world.plextv
        opts = "".join(
            f'<option value="{html.escape(u.title)}">{html.escape(u.title)}</option>' for u in [tv.owner, *tv.users]
        )
        page = f"""<!doctype html><html><head><title>Plex (simulated sign-in)</title></head><body>
<h1>Sign in to Plex (simulator)</h1>
<p>Client: <span id="client"></span> &mdash; code <span id="code"></span></p>
<label>Account <select id="user">{opts}</select></label>
<button id="approve">Sign in</button>
<p id="status"></p>
<script>
const frag = location.hash.replace(/^#!?\\??/, '');
const q = new URLSearchParams(frag);
document.getElementById('client').textContent = q.get('clientID') || '';
document.getElementById('code').textContent = q.get('code') || '';
document.getElementById('approve').onclick = async () => {{
  const r = await fetch('/_admin/plextv/pins/approve', {{method: 'POST',
    headers: {{'Content-Type': 'application/json'}},
    body: JSON.stringify({{code: q.get('code'), user: document.getElementById('user').value}})}});
  document.getElementById('status').textContent = r.ok ? 'Signed in. You can close this window.' : 'Failed';
  if (r.ok && q.get('forwardUrl')) location.href = q.get('forwardUrl');
}};
</script></body></html>"""
        return HTMLResponse(page)

    # ------------------------------------------------------------------ user
    def user_dict(self, u: PlexUser) -> dict[str, Any]:
        tv = self.state.world.plextv
        owner = u is tv.owner
        return {
            "id": u.id,
            "uuid": u.uuid,
            "username": u.username,
            "title": u.title,
            "email": u.email,
            "friendlyName": u.title,
            "locale": None,
            "confirmed": True,
            "joinedAt": self.state.world.now - 5 * 31536000,
            "emailOnlyAuth": False,
            "hasPassword": True,
            "protected": False,
            "thumb": f"https://plex.tv/users/{u.uuid}/avatar?c=1700000000",
            "authToken": u.token,
            "mailingListStatus": "active",
            "mailingListActive": True,
            "scrobbleTypes": "",
            "country": "US",
            "subscription": {
                "active": owner,
                "subscribedAt": "2020-01-01 00:00:00 UTC" if owner else None,
                "status": "Active" if owner else "Inactive",
                "paymentService": None,
                "plan": "lifetime" if owner else None,
                "features": ["webhooks", "sync"] if owner else [],
            },
            "subscriptionDescription": None,
            "restricted": u.restricted,
            "anonymous": None,
            "home": u.home,
            "guest": u.guest,
            "homeSize": 1 + sum(1 for x in tv.users if x.home),
            "homeAdmin": owner,
            "maxHomeSize": 15,
            "rememberExpiresAt": self.state.world.now + 31536000,
            "profile": {
                "autoSelectAudio": True,
                "defaultAudioLanguage": "en",
                "defaultSubtitleLanguage": "en",
                "autoSelectSubtitle": 0,
                "defaultSubtitleAccessibility": 0,
                "defaultSubtitleForced": 0,
                "watchedIndicator": 1,
                "mediaReviewsVisibility": 1,
            },
            "attributionPartner": None,
            "entitlements": ["all"] if owner else [],
            "roles": ["plexpass"] if owner else [],
            "services": [],
            "adsConsent": None,
            "adsConsentSetAt": None,
            "adsConsentReminderAt": None,
            "experimentalFeatures": False,
            "twoFactorEnabled": False,
            "backupCodesCreated": False,
            "pastSubscriptions": [],
            "trials": [],
        }

    def user_xml(self, u: PlexUser) -> dict[str, Any]:
        d = self.user_dict(u)
        sub = d.pop("subscription")
        feats = sub.pop("features")
        d["subscription"] = {**sub, "feature": [{"id": f} for f in feats]}
        d["profile"] = d.pop("profile")
        d["entitlements"] = {"entitlement": [{"id": e} for e in d.pop("entitlements")]}
        d["roles"] = {"role": [{"id": r} for r in d.pop("roles")]}
        d["services"] = {}
        return d

    async def user(self, ctx: Ctx) -> Response:
        u = self._user(ctx)
        if u is None:
            return self.error(401, ctx)
        return self._out(ctx, self.user_dict(u), "user", self.user_xml(u))

    async def signin(self, ctx: Ctx) -> Response:
        form = {k: v[0] for k, v in parse_qs((await ctx.request.body()).decode("utf-8", "replace")).items()}
        login = str(form.get("login") or ctx.q("login") or "")
        password = str(form.get("password") or ctx.q("password") or "")
        tv = self.state.world.plextv
        u = next((x for x in [tv.owner, *tv.users] if login in (x.username, x.email) and login), None)
        if u is None or password != "password":
            return self.error(401, ctx, 1001, "User could not be authenticated")
        return self._out(ctx, self.user_dict(u), "user", self.user_xml(u), status=201)

    async def ping(self, ctx: Ctx) -> Response:
        if self._user(ctx) is None:
            return self.error(401, ctx)
        return self._out(ctx, {"pong": True}, "pong")

    # ------------------------------------------------------------------ resources
    def _servers_for(self, u: PlexUser) -> list[tuple[PlexServer, str]]:
        b = Builder(self.state.world)
        return [(s, b.server_token(s, u)) for s in self.state.world.plex_servers]

    def resource_list(self, ctx: Ctx, u: PlexUser) -> list[dict[str, Any]]:
        tv = self.state.world.plextv
        owner = u is tv.owner
        base = str(ctx.request.base_url).rstrip("/")
        host = ctx.request.url.hostname or "127.0.0.1"
        port = ctx.request.url.port or 80
        out: list[dict[str, Any]] = []
        for i, (s, tok) in enumerate(self._servers_for(u)):
            dashed = f"192-168-1-{10 + i}"
            h = hex_id("plexdirect", s.machine_id, n=32)
            conns = [
                {
                    "protocol": ctx.request.url.scheme,
                    "address": host,
                    "port": port,
                    "uri": f"{base}/pms/{s.name}",
                    "local": True,
                    "relay": False,
                    "IPv6": False,
                },
                {
                    "protocol": "https",
                    "address": f"192.168.1.{10 + i}",
                    "port": 32400,
                    "uri": f"https://{dashed}.{h}.plex.direct:32400",
                    "local": True,
                    "relay": False,
                    "IPv6": False,
                },
                {
                    "protocol": "https",
                    "address": "203.0.113.7",
                    "port": 32400 + i,
                    "uri": f"https://203-0-113-7.{h}.plex.direct:{32400 + i}",
                    "local": False,
                    "relay": False,
                    "IPv6": False,
                },
                {
                    "protocol": "https",
                    "address": "139.162.0.1",
                    "port": 8443,
                    "uri": f"https://139-162-0-1.{h}.plex.direct:8443",
                    "local": False,
                    "relay": True,
                    "IPv6": False,
                },
            ]
            out.append(
                {
                    "name": s.friendly_name,
                    "product": "Plex Media Server",
                    "productVersion": s.version,
                    "platform": "Linux",
                    "platformVersion": "6.1.0",
                    "device": "PC",
                    "clientIdentifier": s.machine_id,
                    "createdAt": iso_z(s.created_at),
                    "lastSeenAt": iso_z(self.state.world.now),
                    "provides": "server",
                    "ownerId": None if owner else tv.owner.id,
                    "sourceTitle": None if owner else tv.owner.username,
                    "publicAddress": "203.0.113.7",
                    "accessToken": tok,
                    "owned": owner,
                    "home": owner or u.home,
                    "synced": False,
                    "relay": True,
                    "presence": True,
                    "httpsRequired": False,
                    "publicAddressMatches": True,
                    "dnsRebindingProtection": False,
                    "natLoopbackSupported": True,
                    "connections": conns,
                }
            )
        out.append(
            {
                "name": "Living Room TV",
                "product": "Plex for Android (TV)",
                "productVersion": "10.20.0",
                "platform": "Android",
                "platformVersion": "12",
                "device": "SHIELD Android TV",
                "clientIdentifier": hex_id("player", u.id, n=16),
                "createdAt": iso_z(self.state.world.now - 9e6),
                "lastSeenAt": iso_z(self.state.world.now - 3600),
                "provides": "player,pubsub-player,client",
                "ownerId": None,
                "sourceTitle": None,
                "publicAddress": "203.0.113.7",
                "accessToken": u.token,
                "owned": True,
                "home": True,
                "synced": False,
                "relay": True,
                "presence": False,
                "httpsRequired": False,
                "publicAddressMatches": True,
                "dnsRebindingProtection": False,
                "natLoopbackSupported": False,
                "connections": [],
            }
        )
        return out

    async def resources(self, ctx: Ctx) -> Response:
        u = self._user(ctx)
        if u is None:
            return self.error(401, ctx)
        res = self.resource_list(ctx, u)
        if self._js(ctx):
            return Response(orjson.dumps(res), media_type="application/json")
        parts = []
        for r in res:
            d = {k: v for k, v in r.items() if k != "connections"}
            d["connections"] = {"connection": r["connections"]}
            parts.append(xml_element("resource", d))
        body = XML_HEADER + f'<resources size="{len(res)}">'.encode() + "".join(parts).encode() + b"</resources>\n"
        return Response(body, media_type="application/xml")

    async def resources_v1(self, ctx: Ctx) -> Response:
        u = self._user(ctx)
        if u is None:
            return Response(
                b"<html><body><h1>401 Unauthorized</h1></body></html>", status_code=401, media_type="text/html"
            )
        devs = []
        for r in self.resource_list(ctx, u):
            d = {
                "name": r["name"],
                "product": r["product"],
                "productVersion": r["productVersion"],
                "platform": r["platform"],
                "platformVersion": r["platformVersion"],
                "device": r["device"],
                "clientIdentifier": r["clientIdentifier"],
                "createdAt": self.state.world.now - 9_000_000,
                "lastSeenAt": self.state.world.now,
                "provides": r["provides"],
                "owned": r["owned"],
                "accessToken": r["accessToken"],
                "publicAddress": r["publicAddress"],
                "httpsRequired": False,
                "synced": False,
                "relay": True,
                "dnsRebindingProtection": False,
                "natLoopbackSupported": True,
                "publicAddressMatches": True,
                "presence": r["presence"],
                "Connection": [
                    {
                        "protocol": c["protocol"],
                        "address": c["address"],
                        "port": c["port"],
                        "uri": c["uri"],
                        "local": c["local"],
                        "relay": c["relay"],
                    }
                    for c in r["connections"]
                ],
            }
            if not r["owned"]:
                d["ownerId"] = r["ownerId"]
                d["sourceTitle"] = r["sourceTitle"]
            devs.append(xml_element("Device", d))
        body = (
            XML_HEADER
            + f'<MediaContainer size="{len(devs)}">'.encode()
            + "".join(devs).encode()
            + b"</MediaContainer>\n"
        )
        return Response(body, media_type="application/xml")

    # ------------------------------------------------------------------ friends / home
    def _shared(self, u: PlexUser) -> list[dict[str, Any]]:
        """The owner's servers shared with ``u``: those where the user holds an access token."""
        return [
            {
                "id": i + 1,
                "machineIdentifier": s.machine_id,
                "name": s.friendly_name,
                "serverId": 100 + i,
                "owned": False,
                "allLibraries": True,
                "numLibraries": len(s.sections),
            }
            for i, s in enumerate(self.state.world.plex_servers)
            if u.id in s.tokens.values()
        ]

    async def friends(self, ctx: Ctx) -> Response:
        u = self._user(ctx)
        if u is None:
            return self.error(401, ctx)
        tv = self.state.world.plextv
        out = []
        if u is tv.owner:
            for f in tv.users:
                if not f.friend:
                    continue
                out.append(
                    {
                        "id": f.id,
                        "uuid": f.uuid,
                        "username": f.username,
                        "title": f.title,
                        "email": f.email,
                        "friendlyName": None,
                        "thumb": f"https://plex.tv/users/{f.uuid}/avatar",
                        "home": False,
                        "restricted": False,
                        "status": "accepted",
                        "sharedServers": [
                            {
                                "id": s["serverId"],
                                "machineIdentifier": s["machineIdentifier"],
                                "name": s["name"],
                                "allLibraries": True,
                            }
                            for s in self._shared(f)
                        ],
                        "sharedSources": [],
                    }
                )
        if self._js(ctx):
            return Response(orjson.dumps(out), media_type="application/json")
        inner = "".join(xml_element("friend", {k: v for k, v in f.items() if not isinstance(v, list)}) for f in out)
        return Response(
            XML_HEADER + f'<friends size="{len(out)}">{inner}</friends>'.encode(), media_type="application/xml"
        )

    def _home_user(self, u: PlexUser) -> dict[str, Any]:
        tv = self.state.world.plextv
        return {
            "id": u.id,
            "uuid": u.uuid,
            "title": u.title,
            "username": u.username,
            "email": u.email,
            "thumb": f"https://plex.tv/users/{u.uuid}/avatar",
            "hasPassword": not u.restricted,
            "restricted": u.restricted,
            "updatedAt": self.state.world.now - 86400,
            "restrictionProfile": ("little_kid" if u.restricted else None),
            "admin": u is tv.owner,
            "guest": u.guest,
            "protected": False,
        }

    def _home_members(self) -> list[PlexUser]:
        tv = self.state.world.plextv
        return [tv.owner, *(u for u in tv.users if u.home)]

    async def home(self, ctx: Ctx) -> Response:
        if self._user(ctx) is None:
            return self.error(401, ctx)
        tv = self.state.world.plextv
        return self._out(
            ctx,
            {
                "id": 5000 + tv.owner.id % 1000,
                "name": tv.home_name,
                "guestUserID": tv.owner.id + 999,
                "guestUserUUID": hex_id("guest", tv.owner.uuid, n=16),
                "guestEnabled": False,
                "subscription": True,
            },
            "home",
        )

    async def home_users_v2(self, ctx: Ctx) -> Response:
        if self._user(ctx) is None:
            return self.error(401, ctx)
        tv = self.state.world.plextv
        users = [self._home_user(u) for u in self._home_members()]
        obj = {
            "id": 5000 + tv.owner.id % 1000,
            "name": tv.home_name,
            "guestUserID": tv.owner.id + 999,
            "guestUserUUID": hex_id("guest", tv.owner.uuid, n=16),
            "guestEnabled": False,
            "subscription": True,
            "users": users,
        }
        return self._out(ctx, obj, "home", {k: v for k, v in obj.items() if k != "users"} | {"user": users})

    async def home_users_v1(self, ctx: Ctx) -> Response:
        if self._user(ctx) is None:
            return Response(
                b"<html><body><h1>401 Unauthorized</h1></body></html>", status_code=401, media_type="text/html"
            )
        users = [self._home_user(u) for u in self._home_members()]
        attrs = {
            "friendlyName": "myPlex",
            "identifier": "com.plexapp.plugins.myplex",
            "machineIdentifier": hex_id("myplex", self.state.world.seed, n=40),
            "size": len(users),
        }
        body = XML_HEADER + xml_element("MediaContainer", {**attrs, "User": users}).encode()
        return Response(body, media_type="application/xml")

    async def users_v1(self, ctx: Ctx) -> Response:
        u = self._user(ctx)
        if u is None:
            return Response(
                b"<html><body><h1>401 Unauthorized</h1></body></html>", status_code=401, media_type="text/html"
            )
        tv = self.state.world.plextv
        rows = []
        if u is tv.owner:
            for f in tv.users:
                servers = [
                    {
                        "id": s["id"],
                        "serverId": s["serverId"],
                        "machineIdentifier": s["machineIdentifier"],
                        "name": s["name"],
                        "lastSeenAt": self.state.world.now,
                        "numLibraries": s["numLibraries"],
                        "allLibraries": True,
                        "owned": False,
                        "pending": False,
                    }
                    for s in self._shared(f)
                ]
                rows.append(
                    {
                        "id": f.id,
                        "title": f.title,
                        "username": f.username,
                        "email": f.email,
                        "recommendationsPlaylistId": "",
                        "thumb": f"https://plex.tv/users/{f.uuid}/avatar",
                        "protected": False,
                        "home": f.home,
                        "allowTuners": 0,
                        "allowSync": True,
                        "allowCameraUpload": False,
                        "allowChannels": False,
                        "allowSubtitleAdmin": False,
                        "filterAll": "",
                        "filterMovies": "",
                        "filterMusic": "",
                        "filterPhotos": "",
                        "filterTelevision": "",
                        "restricted": f.restricted,
                        "Server": servers,
                    }
                )
        attrs = {
            "friendlyName": "myPlex",
            "identifier": "com.plexapp.plugins.myplex",
            "machineIdentifier": hex_id("myplex", self.state.world.seed, n=40),
            "totalSize": len(rows),
            "size": len(rows),
        }
        body = XML_HEADER + xml_element("MediaContainer", {**attrs, "User": rows}).encode()
        return Response(body, media_type="application/xml")

    async def webhooks(self, ctx: Ctx) -> Response:
        if self._user(ctx) is None:
            return self.error(401, ctx)
        hooks = [{"url": url} for s in self.state.world.plex_servers for url in s.webhooks]
        return self._out(ctx, hooks, "webhooks", {"webhook": hooks})


def new_token(seed: int, n: int) -> str:
    return token_for("extra", seed, n)
