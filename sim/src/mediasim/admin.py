"""Admin API under ``/_admin`` (never subject to faults)."""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from mediasim.builder import Builder
from mediasim.model import Item, Part, PlexServer

if TYPE_CHECKING:
    from mediasim.app import SimApp
    from mediasim.core import SimState


def iso_ts(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a date needs its time zone")
    return int(moment.timestamp())


def _json(obj: Any, status: int = 200) -> Response:
    return Response(
        orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS), status_code=status, media_type="application/json"
    )


def connection_info(state: SimState, base_url: str) -> dict[str, Any]:
    """Base URLs and credentials a client needs to connect to every simulated service."""
    w = state.world
    base = base_url.rstrip("/")
    b = Builder(w)
    tv = w.plextv
    info: dict[str, Any] = {
        "admin": f"{base}/_admin",
        "plextv": {
            "base_url": f"{base}/plextv",
            "auth_app_url": f"{base}/plextv/auth",
            "owner": {
                "username": tv.owner.username,
                "email": tv.owner.email,
                "id": tv.owner.id,
                "token": tv.owner.token,
                "password": "password",
            },
            "users": [
                {
                    "username": u.username,
                    "title": u.title,
                    "id": u.id,
                    "token": u.token,
                    "home": u.home,
                    "friend": u.friend,
                    "restricted": u.restricted,
                }
                for u in tv.users
            ],
        },
        "pms": {
            s.name: {
                "base_url": f"{base}/pms/{s.name}",
                "name": s.friendly_name,
                "machine_identifier": s.machine_id,
                "owner_token": tv.owner.token,
                "allow_media_deletion": s.allow_media_deletion,
                "user_tokens": {u.title: b.server_token(s, u) for u in tv.users},
            }
            for s in w.plex_servers
        },
    }
    if w.jellyfin:
        jf = w.jellyfin
        info["jellyfin"] = {
            "base_url": f"{base}/jellyfin",
            "server_id": jf.server_id,
            "version": jf.version,
            "api_key": jf.api_keys[0],
            "users": [
                {
                    "name": u.name,
                    "id": u.id,
                    "token": u.token,
                    "password": u.password,
                    "admin": u.is_admin,
                    "can_delete": u.can_delete,
                }
                for u in jf.users
            ],
        }
    if w.seerr:
        info["jellyseerr"] = {
            "base_url": f"{base}/jellyseerr",
            "api_base": f"{base}/jellyseerr/api/v1",
            "api_key": w.seerr.api_key,
            "version": w.seerr.version,
        }
    return info


def build_admin(app: SimApp) -> Router:
    state = app.state  # build_admin is called again by SimApp.reset(), so this is always current

    def base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def index(request: Request) -> Response:
        return _json(connection_info(state, base(request)))

    async def world(request: Request) -> Response:
        return _json(state.world.summary())

    async def planted(request: Request) -> Response:
        return _json(state.world.planted)

    async def faults(request: Request) -> Response:
        if request.method == "GET":
            return _json([f.public() for f in state.faults])
        if request.method == "DELETE":
            state.clear_faults()
            return _json({"cleared": True})
        body = orjson.loads(await request.body() or b"{}")
        specs = body if isinstance(body, list) else [body]
        try:
            added = [state.add_fault(s).public() for s in specs]
        except (TypeError, ValueError) as exc:
            return _json({"error": str(exc)}, 400)
        return _json(added if isinstance(body, list) else added[0], 201)

    async def fault_one(request: Request) -> Response:
        fid = int(request.path_params["fid"])
        before = len(state.faults)
        state.faults = [f for f in state.faults if f.id != fid]
        return _json({"deleted": before != len(state.faults)}, 200 if before != len(state.faults) else 404)

    async def mutations(request: Request) -> Response:
        if request.method == "DELETE":
            state.mutations.clear()
            return _json({"cleared": True})
        rows = state.mutations
        kind = request.query_params.get("kind")
        svc = request.query_params.get("service")
        if kind:
            rows = [r for r in rows if r["kind"] == kind]
        if svc:
            rows = [r for r in rows if r["service"] == svc]
        return _json(rows)

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.requests.clear()
            state.peak_in_flight.clear()
            return _json({"cleared": True})
        total = sum(n for d in state.requests.values() for n in d.values())
        return _json({"total": total, "by_service": state.requests, "peak_in_flight": state.peak_in_flight})

    async def restart(request: Request) -> Response:
        svc = request.path_params["service"]
        if svc not in app.services:
            return _json({"error": f"unknown service {svc}"}, 404)
        body = orjson.loads(await request.body() or b"{}")
        state.restart(svc, int(body.get("down_ms", 500)))
        return _json({"service": svc, "restarts": state.restarts[svc]})

    async def pace(request: Request) -> Response:
        svc = request.path_params["service"]
        if svc not in app.services:
            return _json({"error": f"unknown service {svc}"}, 404)
        body = orjson.loads(await request.body() or b"{}")
        state.set_pace(svc, int(body.get("pace_ms", 0)), body.get("max_in_flight"))
        return _json(
            {"service": svc, "pace_ms": state.pace[svc].pace_ms, "max_in_flight": state.pace[svc].max_in_flight}
        )

    async def approve(request: Request) -> Response:
        body = orjson.loads(await request.body() or b"{}")
        ident = str(body.get("code") or body.get("id") or "")
        try:
            pin = app.plextv.approve(ident, body.get("user"))
        except KeyError:
            return _json({"error": "unknown pin"}, 404)
        return _json({"id": pin.id, "code": pin.code, "authToken": pin.auth_token})

    async def pms_settings(request: Request) -> Response:
        s = state.world.pms(request.path_params["server"])
        if s is None:
            return _json({"error": "unknown server"}, 404)
        body = orjson.loads(await request.body() or b"{}")
        if "allow_media_deletion" in body:
            s.allow_media_deletion = bool(body["allow_media_deletion"])
        state.invalidate()
        return _json({"allow_media_deletion": s.allow_media_deletion})

    async def webhooks(request: Request) -> Response:
        s = state.world.pms(request.path_params["server"])
        if s is None:
            return _json({"error": "unknown server"}, 404)
        if request.method == "POST":
            body = orjson.loads(await request.body() or b"{}")
            s.webhooks.append(str(body["url"]))
        elif request.method == "DELETE":
            s.webhooks.clear()
        return _json({"webhooks": s.webhooks})

    async def play(request: Request) -> Response:
        name = request.path_params["server"]
        svc = app.pms.get(name)
        if svc is None:
            return _json({"error": "unknown server"}, 404)
        body = orjson.loads(await request.body() or b"{}")
        try:
            payload = svc.play(
                int(body["ratingKey"]),
                int(body.get("accountID", 1)),
                str(body.get("event", "media.scrobble")),
                body.get("viewedAt"),
            )
        except KeyError:
            return _json({"error": "unknown item"}, 404)
        deliveries = []
        async with httpx.AsyncClient(timeout=5) as client:
            for url in svc.server.webhooks:
                try:
                    r = await client.post(url, files={"payload": (None, orjson.dumps(payload).decode())})
                    deliveries.append({"url": url, "status": r.status_code})
                except httpx.HTTPError as exc:
                    deliveries.append({"url": url, "error": str(exc)})
        return _json({"payload": payload, "deliveries": deliveries})

    async def jf_settings(request: Request) -> Response:
        jf = state.world.jellyfin
        if jf is None:
            return _json({"error": "no jellyfin"}, 404)
        body = orjson.loads(await request.body() or b"{}")
        if "legacy_auth" in body:
            jf.legacy_auth = bool(body["legacy_auth"])
        if "delete_status_for_api_key" in body:
            jf.delete_status_for_api_key = int(body["delete_status_for_api_key"])
        if "version" in body:
            jf.version = str(body["version"])
        if "mount" in body:  # where Jellyfin sees the files ({"from": "/data", "to": "/media"}), or null
            mount = body["mount"]
            jf.mount = (str(mount["from"]).rstrip("/"), str(mount["to"]).rstrip("/")) if mount else None
            state.jf_parts.clear()
        state.invalidate()
        return _json(
            {
                "legacy_auth": jf.legacy_auth,
                "delete_status_for_api_key": jf.delete_status_for_api_key,
                "version": jf.version,
                "mount": {"from": jf.mount[0], "to": jf.mount[1]} if jf.mount else None,
            }
        )

    async def reset(request: Request) -> Response:
        if not app.reset():
            return _json({"error": "this simulator was started without a world factory"}, 409)
        return _json({"reset": True, "world": app.state.world.summary()})

    async def vanish(request: Request) -> Response:
        """Items disappear from a server without a DELETE (files moved away, a mount lost, ...)."""
        body = orjson.loads(await request.body() or b"{}")
        svc = str(body.get("service", ""))
        ids = [str(i) for i in body.get("ids", [])]
        fraction = float(body.get("fraction", 0))
        w = state.world
        gone: list[str] = []
        if svc.startswith("pms:"):
            srv = w.pms(svc[4:])
            if srv is None:
                return _json({"error": f"unknown service {svc}"}, 404)
            pool = [i for i in srv.items.values() if not i.deleted and i.type in ("movie", "episode", "track")]
            if body.get("section") is not None:
                pool = [i for i in pool if i.section_id == int(body["section"])]
            targets = [i for i in pool if str(i.id) in ids] if ids else pool[: int(len(pool) * fraction)]
            for it in targets:
                it.deleted = True
                gone.append(str(it.id))
        elif svc == "jellyfin" and w.jellyfin is not None:
            pool = [i for i in w.jellyfin.order if not i.deleted and i.type in ("movie", "episode", "track")]
            targets = [i for i in pool if i.jf_id in ids] if ids else pool[: int(len(pool) * fraction)]
            for it in targets:
                it.deleted = True
                gone.append(it.jf_id or "")
            state.jf_parts.clear()
        else:
            return _json({"error": f"unknown service {svc}"}, 404)
        state.mutate(svc, "vanish", ids=gone, count=len(gone))
        return _json({"service": svc, "vanished": len(gone), "ids": gone})

    async def copy_item(request: Request) -> Response:
        """Another file of a track appears beside it (the owner added a second copy of the song): a new
        track in the same album with the same tags and duration, new media, part and stream ids, added
        and updated now. Plex only (Jellyfin keeps the mirror it was built with)."""
        body = orjson.loads(await request.body() or b"{}")
        svc = str(body.get("service", ""))
        srv = state.world.pms(svc[4:]) if svc.startswith("pms:") else None
        if srv is None:
            return _json({"error": f"unknown service {svc}"}, 404)
        source = srv.items.get(int(body["id"])) if str(body.get("id", "")).isdigit() else None
        if source is None or source.deleted or source.type != "track" or source.parent is None:
            return _json({"error": "no such track"}, 404)
        copy = _copy_track(srv, source, body.get("file"))
        state.mutate(svc, "copy", id=str(source.id), copy=str(copy.id))
        return _json({"service": svc, "id": str(copy.id), "of": str(source.id)}, 201)

    async def redate(request: Request) -> Response:
        """A server dates items wrongly (its clock, a bad tag, a scanner bug): set their added date, e.g.
        next month. Their update date moves to now, as a server's does when an item's metadata changes."""
        body = orjson.loads(await request.body() or b"{}")
        svc = str(body.get("service", ""))
        ids = {str(i) for i in body.get("ids", [])}
        try:
            added = int(body["added_at"]) if not isinstance(body.get("added_at"), str) else iso_ts(body["added_at"])
        except (KeyError, TypeError, ValueError):
            return _json({"error": "added_at: epoch seconds or an ISO 8601 date"}, 400)
        w = state.world
        srv = w.pms(svc[4:]) if svc.startswith("pms:") else None
        if srv is not None:
            items = [i for i in srv.items.values() if str(i.id) in ids]
        elif svc == "jellyfin" and w.jellyfin is not None:
            items = [i for i in w.jellyfin.order if i.jf_id in ids]
        else:
            return _json({"error": f"unknown service {svc}"}, 404)
        now = int(time.time())
        for it in items:
            it.added_at = added
            it.updated_at = max(it.updated_at, now)
            # Each server's rendered copy of the item goes with its old date.
            if srv is not None:
                state.forget_parts(srv.name, it.id)
            state.jf_parts.pop(it.jf_id or "", None)
        state.mutate(svc, "redate", ids=sorted(ids), added_at=added, count=len(items))
        return _json({"service": svc, "redated": len(items)})

    async def analysis(request: Request) -> Response:
        """Files a Plex server (and the Jellyfin mirroring it) has not analysed yet, as right after they
        were added or replaced (``"analysed": false``, the default), or analysed at last (``true``).
        ``ids`` (ratingKeys) or the ``count`` newest movies and episodes."""
        body = orjson.loads(await request.body() or b"{}")
        svc = str(body.get("service", "pms:home"))
        srv = state.world.pms(svc[4:]) if svc.startswith("pms:") else None
        if srv is None:
            return _json({"error": f"unknown service {svc}"}, 404)
        analysed = bool(body.get("analysed", False))
        ids = {str(i) for i in body.get("ids", [])}
        pool = [i for i in srv.items.values() if not i.deleted and i.type in ("movie", "episode") and i.media]
        if ids:
            targets = [i for i in pool if str(i.id) in ids]
        else:
            targets = sorted(pool, key=lambda i: (-i.added_at, i.id))[: int(body.get("count", 1))]
        for it in targets:
            for media in it.media:
                media.analysed = analysed
            it.updated_at += 60  # the server saved the item again (new file, or its analysis)
            state.forget_parts(srv.name, it.id)
        state.jf_parts.clear()
        items = [{"ratingKey": str(it.id), "jellyfinId": it.jf_id, "title": it.title} for it in targets]
        state.mutate(svc, "analysis", analysed=analysed, ids=[i["ratingKey"] for i in items])
        return _json({"service": svc, "analysed": analysed, "items": items})

    async def cache_stats(request: Request) -> Response:
        return _json({"pages": len(state.page_cache), "fragments": len(state.frag_cache), "version": state.version})

    return Router(
        routes=[
            Route("/", index),
            Route("/_admin", index),
            Route("/_admin/", index),
            Route("/_admin/world", world),
            Route("/_admin/planted", planted),
            Route("/_admin/faults", faults, methods=["GET", "POST", "DELETE"]),
            Route("/_admin/faults/{fid:int}", fault_one, methods=["DELETE"]),
            Route("/_admin/mutations", mutations, methods=["GET", "DELETE"]),
            Route("/_admin/requests", requests, methods=["GET", "DELETE"]),
            Route("/_admin/servers/{service}/restart", restart, methods=["POST"]),
            Route("/_admin/servers/{service}/pace", pace, methods=["POST"]),
            Route("/_admin/plextv/pins/approve", approve, methods=["POST"]),
            Route("/_admin/pms/{server}/settings", pms_settings, methods=["PUT", "POST"]),
            Route("/_admin/pms/{server}/webhooks", webhooks, methods=["GET", "POST", "DELETE"]),
            Route("/_admin/pms/{server}/play", play, methods=["POST"]),
            Route("/_admin/jellyfin/settings", jf_settings, methods=["PUT", "POST"]),
            Route("/_admin/cache", cache_stats),
            Route("/_admin/reset", reset, methods=["POST"]),
            Route("/_admin/items/vanish", vanish, methods=["POST"]),
            Route("/_admin/items/copy", copy_item, methods=["POST"]),
            Route("/_admin/items/added", redate, methods=["POST"]),
            Route("/_admin/items/analysis", analysis, methods=["POST"]),
        ]
    )


def _copy_track(srv: PlexServer, source: Item, file: str | None) -> Item:
    """A new track beside ``source`` with copies of its media under fresh ids (ids are unique per server)."""
    media = [m for i in srv.items.values() for m in i.media]
    parts = [p for m in media for p in m.parts]
    ids = {
        "media": max((m.id for m in media), default=0),
        "part": max((p.id for p in parts), default=0),
        "stream": max((st.id for p in parts for st in p.streams), default=0),
    }

    def fresh(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    def copied_part(p: Part) -> Part:
        stem, dot, ext = p.file.rpartition(".")
        return dataclasses.replace(
            p,
            id=fresh("part"),
            file=file or (f"{stem} (copy).{ext}" if dot else f"{p.file} (copy)"),
            streams=[dataclasses.replace(st, id=fresh("stream")) for st in p.streams],
        )

    now = int(time.time())
    media_copies = [
        dataclasses.replace(m, id=fresh("media"), parts=[copied_part(p) for p in m.parts]) for m in source.media
    ]
    copy = dataclasses.replace(
        source,
        id=srv.next_id,
        added_at=now,
        updated_at=now,
        children=[],
        media=media_copies,
        guids=dict(source.guids),
        genres=list(source.genres),
        jf_id=None,
    )
    srv.next_id += 1
    srv.items[copy.id] = copy
    assert source.parent is not None
    source.parent.children.append(copy)
    return copy
