"""Plex Media Server: XML by default, JSON with ``Accept: application/json``."""

from __future__ import annotations

import operator
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.responses import Response

from mediasim.builder import LANGS, hex_id
from mediasim.core import Ctx, Service, SimState, cache_key
from mediasim.images import poster_png
from mediasim.model import PLEX_NUM_TYPE, PLEX_TYPE_NUM, HistoryEntry, Item, PlexServer, Section
from mediasim.wire import json_container, wants_json, xml_container, xml_element, xml_parts

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

XML_TAG = {
    "movie": "Video",
    "episode": "Video",
    "track": "Track",
    "show": "Directory",
    "season": "Directory",
    "artist": "Directory",
    "album": "Directory",
}
_LEAF = {"movie", "episode", "track"}


def html_error(status: int) -> Response:
    reason = _REASONS.get(status, "Error")
    body = f"<html><head><title>{reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    return Response(body, status_code=status, media_type="text/html")


_GUID_MASK = (1 << 96) - 1


def _guid(kind: str, it_id: int, machine: str) -> str:
    """Stable pseudo-random 24-hex plex:// guid (cheap: multiplicative hash of the id and server)."""
    return f"plex://{kind}/{(it_id * 0x9E3779B97F4A7C15 + int(machine[:24], 16)) & _GUID_MASK:024x}"


class PlexMediaServer(Service):
    def __init__(self, state: SimState, server: PlexServer) -> None:
        super().__init__()
        self.state = state
        self.server = server
        self.name = f"pms:{server.name}"
        a = self.add
        a("GET", "/", self.root)
        a("GET", "/identity", self.identity)
        a("GET", "/library", self.library_root)
        a("GET", "/library/sections", self.sections)
        a("GET", "/library/sections/all", self.sections)
        a("GET", "/library/sections/{sid}", self.section_detail)
        a("GET", "/library/sections/{sid}/all", self.section_all)
        a("GET", "/library/metadata/{ids}", self.metadata)
        a("GET", "/library/metadata/{rk}/children", self.children)
        a("GET", "/library/metadata/{rk}/allLeaves", self.all_leaves)
        a("GET", "/library/metadata/{rk}/thumb", self.thumb)
        a("GET", "/library/metadata/{rk}/thumb/{ts}", self.thumb)
        a("DELETE", "/library/metadata/{rk}", self.delete)
        a("DELETE", "/library/metadata/{rk}/media/{mid}", self.delete_media)
        a("GET", "/accounts", self.accounts)
        a("GET", "/accounts/{aid}", self.accounts)
        a("GET", "/status/sessions", self.sessions)
        a("GET", "/status/sessions/history/all", self.history)
        # Play state as clients report it (the spec asks for PUT; PMS answers GET too).
        a("PUT", "/:/scrobble", self.scrobble)
        a("GET", "/:/scrobble", self.scrobble)
        a("PUT", "/:/unscrobble", self.unscrobble)
        a("GET", "/:/unscrobble", self.unscrobble)
        a("POST", "/:/timeline", self.timeline)
        a("GET", "/:/timeline", self.timeline)

    def error(self, status: int, ctx: Ctx | None = None) -> Response:
        return html_error(status)

    # ------------------------------------------------------------------ helpers
    def account(self, ctx: Ctx) -> int | None:
        r = ctx.request
        tok = r.headers.get("x-plex-token") or r.query_params.get("X-Plex-Token")
        if tok is None:
            return None
        return self.server.tokens.get(tok)

    def respond(
        self,
        ctx: Ctx,
        attrs: dict[str, Any],
        frags_json: list[bytes] | None,
        frags_xml: list[bytes] | None,
        child_key: str = "Metadata",
        headers: dict[str, str] | None = None,
    ) -> Response:
        if wants_json(ctx.request.headers.get("accept")):
            body = json_container(attrs, child_key, frags_json or [])
            media = "application/json"
        else:
            body = xml_container(attrs, frags_xml or [])
            media = "text/xml;charset=utf-8"
        h = {"X-Plex-Protocol": "1.0", **(headers or {})}
        return Response(body, media_type=media, headers=h)

    def simple(self, ctx: Ctx, attrs: dict[str, Any], children: list[dict[str, Any]], child_key: str) -> Response:
        return self.respond(
            ctx,
            attrs,
            [orjson.dumps(c) for c in children],
            [xml_element(child_key, c).encode() for c in children],
            child_key,
        )

    def live(self, items: list[Item]) -> list[Item]:
        return [i for i in items if not i.deleted]

    def views(self, it: Item, acc: int) -> tuple[int, int]:
        v = self.server.views.get(it.id)
        if not v:
            return 0, 0
        return v.get(acc, (0, 0))

    def view_state(self, it: Item, acc: int) -> tuple[int, int, int]:
        """A leaf's (viewCount, lastViewedAt, viewOffset) for the account: ``lastViewedAt`` is the
        latest of its completed views and of a viewing it stopped part way (which leaves a
        ``viewOffset`` in ms until the next completed view)."""
        vc, last = self.views(it, acc)
        offset, at = self.server.progress.get(it.id, {}).get(acc, (0, 0))
        return vc, max(last, at), offset

    def _every_leaf(self, it: Item) -> list[Item]:
        """Leaves including deleted ones: a show keeps its own view state (settings row) when an
        episode it was watched through is deleted (inferred, see sim/README.md)."""
        if not it.children:
            return [it] if it.type in _LEAF else []
        return [leaf for c in it.children for leaf in self._every_leaf(c)]

    def section_title(self, sid: int) -> str:
        sec = self.server.section(sid)
        return sec.title if sec else ""

    # ------------------------------------------------------------------ item rendering
    def item_dict(self, it: Item, acc: int | None, detail: bool, guids: bool) -> dict[str, Any]:
        d, lists = self.item_split(it, acc, detail, guids)
        d.update(lists)
        return d

    def item_split(self, it: Item, acc: int | None, detail: bool, guids: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        """(scalar attributes, child lists) of an item as PMS writes them."""
        m = self.server.machine_id
        rk = str(it.id)
        d: dict[str, Any] = {"ratingKey": rk}
        d["key"] = f"/library/metadata/{rk}" if it.type in _LEAF else f"/library/metadata/{rk}/children"
        d["guid"] = _guid(it.type, it.id, m)
        p = it.parent
        gp = p.parent if p is not None else None
        if p is not None:
            d["parentRatingKey"] = str(p.id)
            d["parentGuid"] = _guid(p.type, p.id, m)
            d["parentKey"] = f"/library/metadata/{p.id}"
        if gp is not None:
            d["grandparentRatingKey"] = str(gp.id)
            d["grandparentGuid"] = _guid(gp.type, gp.id, m)
            d["grandparentKey"] = f"/library/metadata/{gp.id}"
        d["type"] = it.type
        d["title"] = it.title
        if detail:
            d["librarySectionTitle"] = self.section_title(it.section_id)
            d["librarySectionID"] = it.section_id
            d["librarySectionKey"] = f"/library/sections/{it.section_id}"
        if gp is not None:
            d["grandparentTitle"] = gp.title
        if p is not None:
            d["parentTitle"] = p.title
        if it.original_title:
            d["originalTitle"] = it.original_title
        if it.index is not None:
            d["index"] = it.index
        if p is not None and p.index is not None:
            d["parentIndex"] = p.index
        elif it.type == "track":
            d["parentIndex"] = 1
        if it.type == "track" and p is not None and p.year:
            d["parentYear"] = p.year
        elif it.year and it.type != "track":
            d["year"] = it.year
        if it.poster:
            d["thumb"] = f"/library/metadata/{it.id}/thumb/{it.updated_at}"
        if p is not None:
            d["parentThumb"] = f"/library/metadata/{p.id}/thumb/{p.updated_at}"
        if gp is not None:
            d["grandparentThumb"] = f"/library/metadata/{gp.id}/thumb/{gp.updated_at}"
        if it.duration:
            d["duration"] = it.duration
        if it.originally_available_at:
            d["originallyAvailableAt"] = it.originally_available_at
        d["addedAt"] = it.added_at
        d["updatedAt"] = it.updated_at
        if it.type in _LEAF:
            vc, last, offset = self.view_state(it, acc) if acc is not None else (0, 0, 0)
            if vc:
                d["viewCount"] = vc
            if vc or offset:
                d["lastViewedAt"] = last
            if offset:
                d["viewOffset"] = offset
        else:
            acc = acc or 0
            leaves = it.leaves()
            kids = self.live(it.children)
            if it.type in ("show", "season", "album"):
                d["leafCount"] = len(leaves)
                d["viewedLeafCount"] = sum(1 for leaf in leaves if self.views(leaf, acc)[0])
            if it.type in ("show", "artist"):
                d["childCount"] = len(kids)
            states = [self.view_state(leaf, acc) for leaf in self._every_leaf(it)]
            last = max((x[1] for x in states), default=0)
            if last:
                d["viewCount"] = sum(x[0] for x in states)
                d["lastViewedAt"] = last
        lists: dict[str, Any] = {}
        if it.media:
            lists["Media"] = [self.media_dict(md, detail) for md in it.media]
        if it.genres:
            lists["Genre"] = [{"tag": g} for g in it.genres]
        if guids and it.guids:
            lists["Guid"] = [{"id": f"{k}://{v}"} for k, v in it.guids.items()]
        return d, lists

    def media_dict(self, md: Any, detail: bool) -> dict[str, Any]:
        if not md.analysed:  # scanned, not analysed yet: the file is known, what analysis measures is not
            parts = [self.part_dict(pt, detail, analysed=False) for pt in md.parts]
            return {"id": md.id, "container": md.container, "Part": parts}
        d: dict[str, Any] = {"id": md.id, "duration": md.duration, "bitrate": md.bitrate}
        if md.width:
            d["width"] = md.width
            d["height"] = md.height
            d["aspectRatio"] = round(md.width / md.height, 2)
        d["audioChannels"] = md.audio_channels
        d["audioCodec"] = md.audio_codec
        if md.video_codec:
            d["videoCodec"] = md.video_codec
            d["videoResolution"] = md.video_resolution
        d["container"] = md.container
        if md.video_codec:
            d["videoFrameRate"] = "24p"
        d["Part"] = [self.part_dict(pt, detail, analysed=True) for pt in md.parts]
        return d

    def part_dict(self, pt: Any, detail: bool, *, analysed: bool) -> dict[str, Any]:
        ext = pt.file.rsplit(".", 1)[-1]
        pd: dict[str, Any] = {"id": pt.id, "key": f"/library/parts/{pt.id}/{1700000000 + pt.id}/file.{ext}"}
        if analysed:  # the scanner alone records no duration
            pd["duration"] = pt.duration
        pd.update({"file": pt.file, "size": pt.size, "container": pt.container})
        if detail and analysed and pt.streams:  # details only; not analysed yet: no Stream (empty: key omitted)
            pd["Stream"] = [self.stream_dict(s) for s in pt.streams]
        return pd

    def stream_dict(self, s: Any) -> dict[str, Any]:
        d: dict[str, Any] = {"id": s.id, "streamType": s.stream_type}
        if s.default:
            d["default"] = True
        if s.stream_type == 3 and s.default:
            d["selected"] = True
        if s.forced:
            d["forced"] = True
        d["codec"] = s.codec
        if s.index >= 0:
            d["index"] = s.index
        if s.bitrate:
            d["bitrate"] = s.bitrate
        lang = LANGS.get(s.language_code) if s.language_code else None
        if lang is not None and s.language_code != "und":
            d["language"] = lang[0]
            d["languageTag"] = lang[1]
            d["languageCode"] = s.language_code
        elif s.language_code == "und":
            d["language"] = "Unknown"
            d["languageCode"] = "und"
        name = lang[0] if lang is not None and s.language_code != "und" else "Unknown"
        if s.stream_type == 1:
            d["height"] = s.height
            d["width"] = s.width
            d["displayTitle"] = f"{s.height}p ({s.codec.upper()})"
        elif s.stream_type == 2:
            d["channels"] = s.channels
            d["audioChannelLayout"] = {1: "mono", 2: "stereo", 6: "5.1(side)", 8: "7.1"}.get(s.channels or 2, "stereo")
            d["samplingRate"] = 48000 if s.channels and s.channels > 2 else 44100
            d["displayTitle"] = f"{name} ({s.codec.upper()} {d['audioChannelLayout']})"
        else:
            d["displayTitle"] = (
                f"{name}{' (Forced)' if s.forced else ''} ({s.codec.upper()}{' External' if s.external else ''})"
            )
            if s.external:
                d["key"] = f"/library/streams/{s.id}"
                d["format"] = s.codec
        d["extendedDisplayTitle"] = d["displayTitle"]
        if s.hearing_impaired:
            d["hearingImpaired"] = True
        return d

    def leaf_parts(self, it: Item, js: bool, detail: bool, guids: bool) -> tuple[bytes, bytes]:
        """Account-independent (head, tail) of a leaf item; viewCount/lastViewedAt are spliced between."""
        k = (self.server.name, it.id, js, detail, guids)
        hit = self.state.parts_cache.get(k)
        if hit is not None:
            return hit
        scal, lists = self.item_split(it, None, detail, guids)
        if js:
            head = orjson.dumps(scal)[:-1]
            tail = b"," + orjson.dumps(lists)[1:] if lists else b"}"
        else:
            h, t = xml_parts(XML_TAG[it.type], {**scal, **lists})
            head, tail = h.encode(), t.encode()
        self.state.store_parts(k, head, tail)
        return head, tail

    def frags(self, ctx: Ctx, items: list[Item], acc: int, detail: bool, guids: bool) -> tuple[list[bytes], bool]:
        """Per-item fragments in the requested format (cached; per-account parts spliced in)."""
        js = wants_json(ctx.request.headers.get("accept"))
        cache = self.state.frag_cache
        name = self.server.name
        views = self.server.views
        progress = self.server.progress
        out: list[bytes] = []
        for it in items:
            if it.type in _LEAF:
                head, tail = self.leaf_parts(it, js, detail, guids)
                v = views.get(it.id)
                vc = v.get(acc) if v else None
                pr = progress.get(it.id)
                if pr and acc in pr:
                    d = {
                        k: x
                        for k, x in zip(
                            ("viewCount", "lastViewedAt", "viewOffset"), self.view_state(it, acc), strict=True
                        )
                        if x
                    }
                    extra = orjson.dumps(d)[1:-1] if js else " ".join(f'{k}="{x}"' for k, x in d.items()).encode()
                    out.append(head + (b"," if js else b" ") + extra + tail)
                elif vc and vc[0]:
                    if js:
                        out.append(b'%s,"viewCount":%d,"lastViewedAt":%d%s' % (head, vc[0], vc[1], tail))
                    else:
                        out.append(b'%s viewCount="%d" lastViewedAt="%d"%s' % (head, vc[0], vc[1], tail))
                else:
                    out.append(head + tail)
                continue
            k = (name, it.id, acc, js, detail, guids)
            b = cache.get(k)
            if b is None:
                d = self.item_dict(it, acc, detail, guids)
                b = orjson.dumps(d) if js else xml_element(XML_TAG[it.type], d).encode()
                cache[k] = b
            out.append(b)
        return out, js

    def prerender(self, formats: tuple[str, ...] = ("json", "xml")) -> int:
        """Render the list-mode parts of every leaf item now (so the first sync is as fast as later ones)."""
        n = 0
        for it in self.server.items.values():
            if it.type in _LEAF and not it.deleted:
                for f in formats:
                    self.leaf_parts(it, f == "json", False, False)
                    n += 1
        return n

    def paged(self, ctx: Ctx, items: list[Item]) -> tuple[list[Item], int, int]:
        r = ctx.request
        start_s = r.headers.get("x-plex-container-start") or r.query_params.get("X-Plex-Container-Start")
        size_s = r.headers.get("x-plex-container-size") or r.query_params.get("X-Plex-Container-Size")
        total = len(items)
        limit = r.query_params.get("limit")
        if limit and limit.isdigit():
            items = items[: int(limit)]
            total = len(items)
        start = int(start_s) if start_s and start_s.isdigit() else 0
        page = items[start : start + int(size_s)] if size_s is not None and size_s.isdigit() else items[start:]
        short = ctx.flags.get("short_page")
        if short:
            page = page[: int(short)]
        return page, start, total

    def listing(self, ctx: Ctx, items: list[Item], attrs: dict[str, Any], acc: int, detail: bool = False) -> Response:
        key = cache_key(
            ctx,
            acc,
            ctx.request.headers.get("accept", ""),
            ctx.request.headers.get("x-plex-container-start"),
            ctx.request.headers.get("x-plex-container-size"),
        )
        cacheable = not ctx.flags
        if cacheable:
            hit = self.state.page_cache.get(key)
            if hit is not None:
                return Response(hit[2], status_code=hit[0], headers=hit[1])
        if ctx.flags.get("empty"):
            items = []
        page, start, total = self.paged(ctx, items)
        total += int(ctx.flags.get("total_size_delta", 0))
        guids = ctx.q("includeGuids") == "1"
        fr, js = self.frags(ctx, page, acc, detail, guids)
        full = {"size": len(page), "totalSize": total, "offset": start, **attrs}
        hdrs = {
            "X-Plex-Protocol": "1.0",
            "X-Plex-Container-Start": str(start),
            "X-Plex-Container-Total-Size": str(total),
        }
        if js:
            body = json_container(full, "Metadata", fr)
            hdrs["content-type"] = "application/json"
        else:
            body = xml_container(full, fr)
            hdrs["content-type"] = "text/xml;charset=utf-8"
        resp = Response(body, headers=hdrs)
        if cacheable:
            self.state.cache_page(key, 200, dict(resp.headers), body)
        return resp

    # ------------------------------------------------------------------ routes
    async def identity(self, ctx: Ctx) -> Response:
        s = self.server
        return self.simple(
            ctx, {"size": 0, "claimed": True, "machineIdentifier": s.machine_id, "version": s.version}, [], "Directory"
        )

    async def root(self, ctx: Ctx) -> Response:
        if self.account(ctx) is None:
            return html_error(401)
        s = self.server
        owner = self.state.world.plextv.owner
        attrs: dict[str, Any] = {"size": 3, "allowCameraUpload": False, "allowChannelAccess": True}
        if s.allow_media_deletion:
            attrs["allowMediaDeletion"] = True
        attrs.update(
            {
                "allowSharing": True,
                "allowSync": True,
                "allowTuners": False,
                "backgroundProcessing": True,
                "certificate": True,
                "companionProxy": True,
                "countryCode": "usa",
                "diagnostics": "logs,databases",
                "eventStream": True,
                "friendlyName": s.friendly_name,
                "hubSearch": True,
                "itemClusters": True,
                "livetv": 7,
                "machineIdentifier": s.machine_id,
                "mediaProviders": True,
                "multiuser": True,
                "musicAnalysis": 2,
                "myPlex": True,
                "myPlexMappingState": "mapped",
                "myPlexSigninState": "ok",
                "myPlexSubscription": True,
                "myPlexUsername": owner.email,
                "offlineTranscode": 1,
                "ownerFeatures": "federated-auth,hardware_transcoding,webhooks",
                "platform": "Linux",
                "platformVersion": "6.1.0",
                "pluginHost": True,
                "pushNotifications": False,
                "readOnlyLibraries": False,
                "streamingBrainABRVersion": 3,
                "streamingBrainVersion": 2,
                "sync": True,
                "transcoderActiveVideoSessions": 0,
                "transcoderAudio": True,
                "transcoderLyrics": True,
                "transcoderPhoto": True,
                "transcoderSubtitles": True,
                "transcoderVideo": True,
                "transcoderVideoBitrates": "64,96,208,320,720,1500,2000,3000,4000,8000,10000,12000,20000",
                "transcoderVideoQualities": "0,1,2,3,4,5,6,7,8,9,10,11,12",
                "transcoderVideoResolutions": "128,128,160,240,320,480,768,720,720,1080,1080,1080,1080",
                "updatedAt": s.created_at + 86400,
                "updater": True,
                "version": s.version,
                "voiceSearch": True,
            }
        )
        dirs = [
            {"count": 1, "key": "library", "title": "library"},
            {"count": 1, "key": "status", "title": "status"},
            {"count": 1, "key": "accounts", "title": "accounts"},
        ]
        return self.simple(ctx, attrs, dirs, "Directory")

    async def library_root(self, ctx: Ctx) -> Response:
        if self.account(ctx) is None:
            return html_error(401)
        dirs = [{"key": "sections", "title": "Library Sections"}, {"key": "recentlyAdded", "title": "Recently Added"}]
        return self.simple(ctx, {"size": 2, "allowSync": False, "title1": "Plex Library"}, dirs, "Directory")

    def section_dict(self, sec: Section) -> dict[str, Any]:
        return {
            "allowSync": True,
            "art": f"/:/resources/{sec.type}-fanart.jpg",
            "composite": f"/library/sections/{sec.id}/composite/{sec.created_at}",
            "filters": True,
            "refreshing": False,
            "thumb": f"/:/resources/{sec.type}.png",
            "key": str(sec.id),
            "type": sec.type,
            "title": sec.title,
            "agent": sec.agent,
            "scanner": sec.scanner,
            "language": sec.language,
            "uuid": sec.uuid,
            "updatedAt": sec.created_at + 3600,
            "createdAt": sec.created_at,
            "scannedAt": self.state.world.now - 3600,
            "content": True,
            "directory": True,
            "contentChangedAt": sec.created_at + 7200,
            "hidden": False,
            "Location": [{"id": sec.id, "path": sec.location}],
        }

    async def sections(self, ctx: Ctx) -> Response:
        if self.account(ctx) is None:
            return html_error(401)
        dirs = [self.section_dict(s) for s in self.server.sections]
        return self.simple(ctx, {"size": len(dirs), "allowSync": False, "title1": "Plex Library"}, dirs, "Directory")

    async def section_detail(self, ctx: Ctx) -> Response:
        if self.account(ctx) is None:
            return html_error(401)
        sec = self._sec(ctx)
        if sec is None:
            return html_error(404)
        dirs = [{"key": "all", "title": "All"}, {"key": "recentlyAdded", "title": "Recently Added"}]
        return self.simple(
            ctx,
            {
                "size": len(dirs),
                "allowSync": False,
                "librarySectionID": sec.id,
                "title1": sec.title,
                "viewGroup": "secondary",
            },
            dirs,
            "Directory",
        )

    def _sec(self, ctx: Ctx) -> Section | None:
        sid = ctx.params.get("sid", "")
        return self.server.section(int(sid)) if sid.isdigit() else None

    def _of_type(self, sec: Section, type_: str) -> list[Item]:
        key = ("oftype", self.server.name, sec.id, type_, self.state.version)
        cached = self.state.extra.get(key)
        if cached is None:
            if sec.items and type_ == sec.items[0].type:
                cached = [i for i in sec.items if not i.deleted]
            else:
                cached = [
                    i
                    for i in self.server.items.values()
                    if i.section_id == sec.id and i.type == type_ and not i.deleted
                ]
            self.state.extra = {
                k: v
                for k, v in self.state.extra.items()
                if not (isinstance(k, tuple) and k[0] == "oftype" and k[4] != self.state.version)
            }
            self.state.extra[key] = cached
        return list(cached)

    async def section_all(self, ctx: Ctx) -> Response:
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        sec = self._sec(ctx)
        if sec is None:
            return html_error(404)
        t = ctx.q("type")
        top = {"movie": "movie", "show": "show", "artist": "artist"}[sec.type]
        type_ = PLEX_NUM_TYPE.get(int(t), top) if t and t.isdigit() else top
        items = self._of_type(sec, type_)
        items = self._filter_sort(ctx, items, acc)
        attrs = {
            "allowSync": True,
            "art": f"/:/resources/{sec.type}-fanart.jpg",
            "identifier": "com.plexapp.plugins.library",
            "librarySectionID": sec.id,
            "librarySectionTitle": sec.title,
            "librarySectionUUID": sec.uuid,
            "mediaTagPrefix": "/system/bundle/media/flags/",
            "mediaTagVersion": 1700000000,
            "thumb": f"/:/resources/{sec.type}.png",
            "title1": sec.title,
            "title2": f"All {sec.title}",
            "viewGroup": type_,
            "viewMode": 65592,
        }
        return self.listing(ctx, items, attrs, acc)

    _INT_FIELDS = ("addedAt", "updatedAt", "year", "duration", "viewCount", "lastViewedAt", "viewOffset", "index")

    def _field(self, it: Item, name: str, acc: int) -> Any:
        if name == "addedAt":
            return it.added_at
        if name == "updatedAt":
            return it.updated_at
        if name == "year":
            return it.year or 0
        if name == "duration":
            return it.duration or 0
        if name == "index":
            return it.index or 0
        if name == "viewCount":
            return self.views(it, acc)[0]
        if name == "lastViewedAt":
            return self.view_state(it, acc)[1]
        if name == "viewOffset":
            return self.view_state(it, acc)[2]
        if name in ("title", "titleSort"):
            return it.title.lower()
        if name == "originallyAvailableAt":
            return it.originally_available_at or ""
        if name in ("id", "ratingKey"):
            return it.id
        return None

    def _sort_key(self, name: str, acc: int) -> Callable[[Item], Any]:
        def key(i: Item) -> Any:
            return self._field(i, name, acc)

        return key

    def _value(self, name: str, raw: str) -> Any:
        if name in self._INT_FIELDS:
            raw = raw.strip()
            if raw.startswith("-") and raw[-1:].isalpha():
                units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mon": 2592000, "y": 31536000}
                num = "".join(ch for ch in raw[1:] if ch.isdigit())
                unit = raw[1 + len(num) :]
                return self.state.world.now - int(num or 0) * units.get(unit, 86400)
            try:
                return int(raw)
            except ValueError:
                return 0
        return raw.lower()

    def _filter_sort(self, ctx: Ctx, items: list[Item], acc: int) -> list[Item]:
        preds: list[Callable[[Item], bool]] = []
        for rawkey, val in ctx.request.query_params.multi_items():
            key = rawkey
            op = "="
            for suffix, o in ((">>", ">"), ("<<", "<"), (">", ">="), ("<", "<="), ("!", "!=")):
                if key.endswith(suffix):
                    key, op = key[: -len(suffix)], o
                    break
            if key not in self._INT_FIELDS and key not in ("title", "originallyAvailableAt"):
                continue
            if op == "=" and val.startswith("="):
                op, val = "==", val[1:]
            v = self._value(key, val)

            def pred(it: Item, key: str = key, op: str = op, v: Any = v) -> bool:
                x = self._field(it, key, acc)
                if op == ">":
                    return bool(x > v)
                if op == "<":
                    return bool(x < v)
                if op == ">=":
                    return bool(x >= v)
                if op == "<=":
                    return bool(x <= v)
                if op == "!=":
                    return bool(x != v)
                if op == "==" or key not in ("title",):
                    return bool(x == v)
                return str(v) in str(x)

            preds.append(pred)
        if preds:
            items = [i for i in items if all(p(i) for p in preds)]
        sort = ctx.q("sort")
        if sort:
            for part in reversed(sort.split(",")):
                name, _, direction = part.partition(":")
                if self._field(items[0], name, acc) is None if items else True:
                    continue
                items.sort(key=self._sort_key(name, acc), reverse=direction == "desc")
        return items

    async def metadata(self, ctx: Ctx) -> Response:
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        found: list[Item] = []
        for part in ctx.params["ids"].split(","):
            if part.isdigit():
                it = self.server.items.get(int(part))
                if it is not None and not it.deleted:
                    found.append(it)
        if not found:
            return html_error(404)
        first = found[0]
        attrs = {
            "allowSync": True,
            "identifier": "com.plexapp.plugins.library",
            "librarySectionID": first.section_id,
            "librarySectionTitle": self.section_title(first.section_id),
            "librarySectionUUID": (
                self.server.section(first.section_id) or Section(0, "", "", "", "", "", "", "", 0)
            ).uuid,
            "mediaTagPrefix": "/system/bundle/media/flags/",
            "mediaTagVersion": 1700000000,
        }
        return self.listing(ctx, found, attrs, acc, detail=True)

    async def thumb(self, ctx: Ctx) -> Response:
        """The item's poster (``/library/metadata/{id}/thumb[/{timestamp}]``): 404 when it has none."""
        if self.account(ctx) is None:
            return html_error(401)
        it = self._item(ctx)
        if it is None or not it.poster:
            return html_error(404)
        return Response(poster_png(it.id), media_type="image/png", headers={"X-Plex-Protocol": "1.0"})

    def _item(self, ctx: Ctx) -> Item | None:
        rk = ctx.params.get("rk", "")
        it = self.server.items.get(int(rk)) if rk.isdigit() else None
        return None if it is None or it.deleted else it

    async def children(self, ctx: Ctx) -> Response:
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        it = self._item(ctx)
        if it is None:
            return html_error(404)
        kids = self.live(it.children)
        attrs: dict[str, Any] = {
            "allowSync": True,
            "identifier": "com.plexapp.plugins.library",
            "key": str(it.id),
            "librarySectionID": it.section_id,
            "librarySectionTitle": self.section_title(it.section_id),
            "parentRatingKey": it.id,
            "parentTitle": it.title,
            "title1": it.title,
            "viewGroup": kids[0].type if kids else "track",
        }
        return self.listing(ctx, kids, attrs, acc)

    async def all_leaves(self, ctx: Ctx) -> Response:
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        it = self._item(ctx)
        if it is None:
            return html_error(404)
        attrs: dict[str, Any] = {
            "allowSync": True,
            "identifier": "com.plexapp.plugins.library",
            "key": str(it.id),
            "librarySectionID": it.section_id,
            "librarySectionTitle": self.section_title(it.section_id),
            "title1": it.title,
            "title2": "All episodes" if it.type in ("show", "season") else "All tracks",
        }
        return self.listing(ctx, it.leaves(), attrs, acc)

    def _mark_deleted(self, it: Item) -> list[Item]:
        out = [it]
        it.deleted = True
        for c in it.children:
            if not c.deleted:
                out.extend(self._mark_deleted(c))
        return out

    async def delete(self, ctx: Ctx) -> Response:
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        rk = ctx.params["rk"]
        it = self._item(ctx)
        if acc != 1:
            self.state.mutate(self.name, "delete_refused", ratingKey=rk, reason="not owner", status=401, accountID=acc)
            return html_error(401)
        if it is None:
            return html_error(404)
        if not self.server.allow_media_deletion:
            self.state.mutate(
                self.name, "delete_refused", ratingKey=rk, reason="media deletion disabled", status=400, accountID=acc
            )
            return html_error(400)
        gone = self._mark_deleted(it)
        files = [pt.file for g in gone for m in g.media for pt in m.parts]
        size = sum(pt.size for g in gone for m in g.media for pt in m.parts)
        self.state.mutate(
            self.name,
            "delete",
            server=self.server.name,
            ratingKey=rk,
            type=it.type,
            title=it.title,
            deletedRatingKeys=[str(g.id) for g in gone],
            files=files,
            bytes=size,
            status=200,
        )
        return Response(b"", status_code=200)

    async def delete_media(self, ctx: Ctx) -> Response:
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        if acc != 1:
            return html_error(401)
        it = self._item(ctx)
        if it is None:
            return html_error(404)
        if not self.server.allow_media_deletion:
            self.state.mutate(
                self.name,
                "delete_refused",
                ratingKey=str(it.id),
                mediaId=ctx.params["mid"],
                reason="media deletion disabled",
                status=400,
                accountID=acc,
            )
            return html_error(400)
        mid = ctx.params["mid"]
        media = next((m for m in it.media if str(m.id) == mid), None)
        if media is None:
            return html_error(404)
        it.media = [m for m in it.media if m is not media]
        self.state.forget_parts(self.server.name, it.id)
        if not it.media:
            it.deleted = True
        self.state.mutate(
            self.name,
            "delete_media",
            server=self.server.name,
            ratingKey=str(it.id),
            mediaId=media.id,
            title=it.title,
            files=[p.file for p in media.parts],
            bytes=sum(p.size for p in media.parts),
            status=200,
        )
        return Response(b"", status_code=200)

    async def accounts(self, ctx: Ctx) -> Response:
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        rows = [
            {
                "id": 0,
                "key": "/accounts/0",
                "name": "",
                "defaultAudioLanguage": "en",
                "autoSelectAudio": True,
                "defaultSubtitleLanguage": "en",
                "subtitleMode": 0,
                "thumb": "",
            }
        ]
        for aid, name in sorted(self.server.accounts.items()):
            rows.append(
                {
                    "id": aid,
                    "key": f"/accounts/{aid}",
                    "name": name,
                    "defaultAudioLanguage": "en",
                    "autoSelectAudio": True,
                    "defaultSubtitleLanguage": "en",
                    "subtitleMode": 1,
                    "thumb": f"https://plex.tv/users/{hex_id('thumb', aid, n=16)}/avatar",
                }
            )
        if "aid" in ctx.params:
            rows = [r for r in rows if str(r["id"]) == ctx.params["aid"]]
            if not rows:
                return html_error(404)
        return self.simple(ctx, {"size": len(rows), "identifier": "com.plexapp.system.accounts"}, rows, "Account")

    async def sessions(self, ctx: Ctx) -> Response:
        if self.account(ctx) is None:
            return html_error(401)
        return self.simple(ctx, {"size": 0}, [], "Metadata")

    def history_dict(self, h: HistoryEntry) -> dict[str, Any]:
        it = self.server.items.get(h.item_id)
        alive = it is not None and not it.deleted
        d: dict[str, Any] = {"historyKey": f"/status/sessions/history/{h.id}"}
        if alive and it is not None:
            d["key"] = f"/library/metadata/{it.id}"
            d["ratingKey"] = str(it.id)
            p = it.parent
            if p is not None:
                d["parentKey"] = f"/library/metadata/{p.id}"
                if p.parent is not None:
                    d["grandparentKey"] = f"/library/metadata/{p.parent.id}"
        d["librarySectionID"] = str(h.section_id)
        d["title"] = h.title
        if h.grandparent_title:
            d["grandparentTitle"] = h.grandparent_title
        if h.parent_title and h.type == "track":
            d["parentTitle"] = h.parent_title
        d["type"] = h.type
        if alive and it is not None:
            d["thumb"] = f"/library/metadata/{it.id}/thumb/{it.updated_at}"
        if h.index is not None:
            d["index"] = h.index
        if h.parent_index is not None:
            d["parentIndex"] = h.parent_index
        if alive and it is not None and it.originally_available_at:
            d["originallyAvailableAt"] = it.originally_available_at
        d["viewedAt"] = h.viewed_at
        d["accountID"] = h.account_id
        d["deviceID"] = h.device_id
        return d

    async def history(self, ctx: Ctx) -> Response:
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        rows = self.server.history
        shrink = ctx.flags.get("history_shrink")
        if shrink:
            rows = rows[: int(len(rows) * float(shrink))]
        q = ctx.request.query_params
        conds: list[Callable[[HistoryEntry], bool]] = []
        if acc != 1:
            conds.append(lambda h: h.account_id == acc)
        if q.get("accountID"):
            a = int(q["accountID"])
            conds.append(lambda h: h.account_id == a)
        if q.get("librarySectionID"):
            s = int(q["librarySectionID"])
            conds.append(lambda h: h.section_id == s)
        if q.get("metadataItemID"):
            target = int(q["metadataItemID"])

            def under(h: HistoryEntry) -> bool:
                it = self.server.items.get(h.item_id)
                while it is not None:
                    if it.id == target:
                        return True
                    it = it.parent
                return False

            conds.append(under)
        for rawkey, val in q.multi_items():
            if (rawkey.startswith("viewedAt") and rawkey != "viewedAt") or (rawkey == "viewedAt"):
                op = rawkey[len("viewedAt") :]
                try:
                    v = int(val.lstrip("="))
                except ValueError:
                    continue
                fn = _viewed_at_pred(op, v)
                if fn is not None:
                    conds.append(fn)
        rows = [h for h in rows if all(c(h) for c in conds)] if conds else list(rows)
        sort = q.get("sort")
        if sort:
            for part in reversed(sort.split(",")):
                name, _, direction = part.partition(":")
                attr = {"viewedAt": "viewed_at", "accountID": "account_id", "id": "id"}.get(name)
                if attr:
                    rows.sort(key=operator.attrgetter(attr), reverse=direction == "desc")
        r = ctx.request
        start_s = r.headers.get("x-plex-container-start") or q.get("X-Plex-Container-Start")
        size_s = r.headers.get("x-plex-container-size") or q.get("X-Plex-Container-Size")
        start = int(start_s) if start_s and start_s.isdigit() else 0
        total = len(rows)
        page = rows[start : start + int(size_s)] if size_s and size_s.isdigit() else rows[start:]
        if ctx.flags.get("short_page"):
            page = page[: int(ctx.flags["short_page"])]
        if ctx.flags.get("empty"):
            page, total = [], 0
        total += int(ctx.flags.get("total_size_delta", 0))
        dicts = [self.history_dict(h) for h in page]
        js = wants_json(r.headers.get("accept"))
        attrs = {"size": len(page), "totalSize": total, "offset": start}
        hdrs = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Total-Size": str(total)}
        if js:
            return self.respond(ctx, attrs, [orjson.dumps(d) for d in dicts], None, headers=hdrs)
        return self.respond(
            ctx, attrs, None, [xml_element(XML_TAG.get(d["type"], "Video"), d).encode() for d in dicts], headers=hdrs
        )

    # ------------------------------------------------------------------ webhooks / plays
    # ------------------------------------------------------------------ play state
    # Share of the duration past which a stopped viewing counts as watched (PMS's default
    # "Video played threshold").
    WATCHED_SHARE = 0.9

    def _library_item(self, ctx: Ctx, key_param: str) -> Item | Response:
        if ctx.q("identifier") not in (None, "com.plexapp.plugins.library") and key_param == "key":
            return html_error(404)
        raw = (ctx.q(key_param) or "").rsplit("/", 1)[-1]
        if not raw:
            return html_error(400)
        it = self.server.items.get(int(raw)) if raw.isdigit() else None
        if it is None or it.deleted:
            return html_error(404)
        return it

    def _builder(self) -> Any:
        from mediasim.builder import Builder

        bld = Builder(self.state.world)
        bld._history_id = max((h.id for h in self.server.history), default=0) + 1
        return bld

    async def _play_state(self, ctx: Ctx, kind: str) -> Response:
        """``/:/scrobble`` and ``/:/unscrobble`` (``identifier`` and ``key`` = ratingKey); a show or
        season applies to its episodes."""
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        if ctx.q("identifier") is None:
            return html_error(400)
        it = self._library_item(ctx, "key")
        if isinstance(it, Response):
            return it
        for leaf in it.leaves() if it.type not in _LEAF else [it]:
            if kind == "scrobble":
                self._builder().watch(self.server, leaf, acc, int(time.time()), history=False)
            else:
                self.server.views.get(leaf.id, {}).pop(acc, None)
                self.server.progress.get(leaf.id, {}).pop(acc, None)
        self.state.mutate(self.name, kind, ratingKey=str(it.id), accountID=acc)
        return Response(b"", status_code=200)

    async def scrobble(self, ctx: Ctx) -> Response:
        """Mark played: the view count and last view move, **no history row** (the spec: "this does
        not create any view history")."""
        return await self._play_state(ctx, "scrobble")

    async def unscrobble(self, ctx: Ctx) -> Response:
        return await self._play_state(ctx, "unscrobble")

    async def timeline(self, ctx: Ctx) -> Response:
        """A player's report (``ratingKey``, ``state``, ``time`` and ``duration`` in ms). Past
        ``WATCHED_SHARE`` of the duration the viewing is a completed view (history row included);
        before it, the position is kept as ``viewOffset`` with ``lastViewedAt`` = now."""
        acc = self.account(ctx)
        if acc is None:
            return html_error(401)
        it = self._library_item(ctx, "ratingKey")
        if isinstance(it, Response):
            return it
        state = ctx.q("state") or ""
        if state not in ("stopped", "buffering", "playing", "paused"):
            return html_error(400)
        try:
            offset = int(ctx.q("time") or 0)
            duration = int(ctx.q("duration") or it.duration or 0)
        except ValueError:
            return html_error(400)
        now = int(time.time())
        if duration and offset >= self.WATCHED_SHARE * duration:
            self._builder().watch(self.server, it, acc, now)
        elif offset > 0:
            self._builder().progress(self.server, it, acc, offset, now)
        self.state.mutate(self.name, "timeline", ratingKey=str(it.id), accountID=acc, state=state, time=offset)
        return self.simple(ctx, {"size": 0}, [], "Metadata")

    def play(self, rk: int, account_id: int, event: str = "media.scrobble", at: int | None = None) -> dict[str, Any]:
        it = self.server.items.get(rk)
        if it is None or it.deleted:
            raise KeyError(rk)
        at = at or int(time.time())
        if event == "media.scrobble":
            from mediasim.builder import Builder

            bld = Builder(self.state.world)
            bld._history_id = max((h.id for h in self.server.history), default=0) + 1
            bld.watch(self.server, it, account_id, at)
            self.state.invalidate()
        world = self.state.world
        user = (
            world.plextv.owner
            if account_id == 1
            else next((u for u in world.plextv.users if u.id == account_id), world.plextv.owner)
        )
        meta = self.item_dict(it, account_id, False, True)
        meta["librarySectionType"] = (
            self.server.section(it.section_id) or Section(0, "", "", "", "", "", "", "", 0)
        ).type
        meta["librarySectionID"] = it.section_id
        meta["librarySectionTitle"] = self.section_title(it.section_id)
        return {
            "event": event,
            "user": True,
            "owner": account_id == 1,
            "Account": {"id": user.id, "thumb": user.thumb, "title": user.title},
            "Server": {"title": self.server.friendly_name, "uuid": self.server.machine_id},
            "Player": {
                "local": True,
                "publicAddress": "203.0.113.7",
                "title": "Living Room",
                "uuid": hex_id("player", account_id, n=24),
            },
            "Metadata": meta,
        }


def _viewed_at_pred(op: str, v: int) -> Callable[[HistoryEntry], bool] | None:
    """Media-query operators on history ``viewedAt``: ``>>`` >, ``>`` >=, ``<<`` <, ``<`` <=, none ==."""
    ops: dict[str, Callable[[int, int], bool]] = {
        ">>": operator.gt,
        ">": operator.ge,
        "<<": operator.lt,
        "<": operator.le,
        "": operator.eq,
    }
    cmp = ops.get(op)
    if cmp is None:
        return None
    return lambda h: cmp(h.viewed_at, v)


def plex_type_num(name: str) -> int:
    return PLEX_TYPE_NUM[name]
