"""Jellyseerr v2.7.3 API (``/api/v1``): status, requests, media, movie/tv details."""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.responses import Response

from mediasim.core import Ctx, Service, SimState
from mediasim.model import Item, Seerr, SeerrMedia, SeerrRequest, SeerrUser

# MediaRequestStatus: 1 PENDING 2 APPROVED 3 DECLINED 4 FAILED 5 COMPLETED
# MediaStatus: 1 UNKNOWN 2 PENDING 3 PROCESSING 4 PARTIALLY_AVAILABLE 5 AVAILABLE 6 BLACKLISTED 7 DELETED
_DEFAULT_MEDIA = {1, 2, 3, 4, 5, 7}
REQUEST_FILTERS: dict[str, tuple[set[int], set[int]]] = {
    "all": ({1, 2, 3, 4, 5}, _DEFAULT_MEDIA),
    "approved": ({2}, _DEFAULT_MEDIA),
    "processing": ({2}, {1, 2, 3, 4}),
    "pending": ({1}, _DEFAULT_MEDIA),
    "unavailable": ({1, 2}, {1, 2, 3, 4}),
    "failed": ({4}, _DEFAULT_MEDIA),
    "available": ({5}, {5}),
    "completed": ({5}, _DEFAULT_MEDIA),
    "deleted": ({5}, {7}),
}
MEDIA_FILTERS: dict[str, set[int] | None] = {
    "all": None,
    "available": {5},
    "partial": {4},
    "allavailable": {4, 5},
    "processing": {3},
    "pending": {2},
    "deleted": {7},
}


def _bad(message: str) -> Response:
    return Response(
        orjson.dumps({"message": message, "errors": [{"path": "query", "message": message}]}),
        status_code=400,
        media_type="application/json",
    )


class JellyseerrService(Service):
    name = "jellyseerr"

    def __init__(self, state: SimState, seerr: Seerr) -> None:
        super().__init__()
        self.state = state
        self.s = seerr
        a = self.add
        a("GET", "/api/v1/status", self.status)
        a("GET", "/api/v1/settings/public", self.settings_public)
        a("GET", "/api/v1/auth/me", self.me)
        a("GET", "/api/v1/user", self.users)
        a("GET", "/api/v1/request", self.requests)
        a("GET", "/api/v1/request/count", self.request_count)
        a("GET", "/api/v1/request/{rid}", self.request)
        a("DELETE", "/api/v1/request/{rid}", self.delete_request)
        a("GET", "/api/v1/media", self.media_list)
        a("DELETE", "/api/v1/media/{mid}", self.delete_media)
        a("GET", "/api/v1/movie/{tmdb}", self.movie)
        a("GET", "/api/v1/tv/{tmdb}", self.tv)

    def error(self, status: int, ctx: Ctx | None = None) -> Response:
        if status == 403:
            return self._json({"status": 403, "error": "You do not have permission to access this endpoint"}, 403)
        if status == 404:
            return self._json({"status": 404, "message": "Not Found"}, 404)
        return self._json({"status": status, "message": "Something went wrong."}, status)

    def _json(self, obj: Any, status: int = 200) -> Response:
        return Response(orjson.dumps(obj), status_code=status, media_type="application/json; charset=utf-8")

    def _caller(self, ctx: Ctx) -> SeerrUser | None:
        key = ctx.request.headers.get("x-api-key")
        if key != self.s.api_key:
            return None
        uid = ctx.request.headers.get("x-api-user")
        if uid and uid.isdigit():
            return next((u for u in self.s.users if u.id == int(uid)), None)
        return self.s.users[0] if self.s.users else None

    # ------------------------------------------------------------------ objects
    def user_dict(self, u: SeerrUser, admin_view: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "permissions": u.permissions,
            "id": u.id,
            "warnings": [],
            "plexUsername": u.plex_username,
            "jellyfinUsername": u.jellyfin_username,
            "username": u.display_name,
            "recoveryLinkExpirationDate": None,
            "userType": u.user_type,
            "plexId": u.plex_id,
            "jellyfinUserId": u.jellyfin_user_id,
            "jellyfinDeviceId": None,
            "avatar": f"/avatarproxy/{u.jellyfin_user_id or u.plex_id}",
            "movieQuotaLimit": None,
            "movieQuotaDays": None,
            "tvQuotaLimit": None,
            "tvQuotaDays": None,
            "createdAt": u.created_at,
            "updatedAt": u.created_at,
            "requestCount": sum(1 for r in self.s.requests if r.requested_by == u.id),
            "displayName": u.display_name,
        }
        if admin_view:
            d["email"] = u.email
        return d

    def media_dict(self, m: SeerrMedia, with_requests: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "downloadStatus": [],
            "downloadStatus4k": [],
            "id": m.id,
            "mediaType": m.media_type,
            "tmdbId": m.tmdb_id,
            "tvdbId": m.tvdb_id,
            "imdbId": m.imdb_id,
            "status": m.status,
            "status4k": m.status4k,
            "createdAt": m.created_at,
            "updatedAt": m.updated_at,
            "lastSeasonChange": m.updated_at,
            "mediaAddedAt": m.media_added_at,
            "serviceId": None,
            "serviceId4k": None,
            "externalServiceId": None,
            "externalServiceId4k": None,
            "externalServiceSlug": None,
            "externalServiceSlug4k": None,
            "ratingKey": m.rating_key,
            "ratingKey4k": None,
            "jellyfinMediaId": m.jellyfin_media_id,
            "jellyfinMediaId4k": None,
            "seasons": [
                {
                    "id": m.id * 100 + n,
                    "seasonNumber": n,
                    "status": m.status,
                    "status4k": 1,
                    "createdAt": m.created_at,
                    "updatedAt": m.updated_at,
                }
                for n in m.seasons
            ],
        }
        if with_requests:
            d["requests"] = [self.request_dict(r, nested=True) for r in self.s.requests if r.media_id == m.id]
        return d

    def request_dict(self, r: SeerrRequest, nested: bool = False) -> dict[str, Any]:
        users = {u.id: u for u in self.s.users}
        d: dict[str, Any] = {
            "id": r.id,
            "status": r.status,
            "createdAt": r.created_at,
            "updatedAt": r.updated_at,
            "type": r.type,
            "is4k": r.is4k,
            "serverId": 0,
            "profileId": 1,
            "rootFolder": "/data/movies" if r.type == "movie" else "/data/tv",
            "languageProfileId": None,
            "tags": [],
            "isAutoRequest": False,
        }
        if not nested:
            d["media"] = self.media_dict(self.s.media[r.media_id])
        d["seasons"] = [
            {
                "id": r.id * 100 + n,
                "seasonNumber": n,
                "status": r.status,
                "createdAt": r.created_at,
                "updatedAt": r.updated_at,
            }
            for n in r.seasons
        ]
        d["modifiedBy"] = self.user_dict(users[r.modified_by]) if r.modified_by in users else None
        d["requestedBy"] = self.user_dict(users[r.requested_by])
        d["seasonCount"] = len(r.seasons)
        d["profileName"] = "HD-1080p"
        d["canRemove"] = True
        return d

    def _page(self, total: int, take: int, skip: int) -> dict[str, Any]:
        return {
            "pages": math.ceil(total / take) if take else 0,
            "pageSize": take,
            "results": total,
            "page": math.ceil(skip / take) + 1 if take else 1,
        }

    def _int(self, ctx: Ctx, name: str, default: int) -> int | Response:
        v = ctx.q(name)
        if v is None:
            return default
        try:
            n = int(v)
        except ValueError:
            return _bad(f"request/query/{name} must be number")
        if n < 0:
            return _bad(f"request/query/{name} must be >= 0")
        return n

    # ------------------------------------------------------------------ routes
    async def status(self, ctx: Ctx) -> Response:
        return self._json(
            {
                "version": self.s.version,
                "commitTag": f"v{self.s.version}",
                "updateAvailable": False,
                "commitsBehind": 0,
                "restartRequired": False,
            }
        )

    async def settings_public(self, ctx: Ctx) -> Response:
        return self._json(
            {
                "initialized": True,
                "applicationTitle": "Jellyseerr",
                "mediaServerType": 2,
                "localLogin": True,
                "movie4kEnabled": False,
                "series4kEnabled": False,
            }
        )

    async def me(self, ctx: Ctx) -> Response:
        u = self._caller(ctx)
        if u is None:
            return self.error(403)
        return self._json(self.user_dict(u))

    async def users(self, ctx: Ctx) -> Response:
        u = self._caller(ctx)
        if u is None:
            return self.error(403)
        take = self._int(ctx, "take", 10)
        skip = self._int(ctx, "skip", 0)
        if isinstance(take, Response):
            return take
        if isinstance(skip, Response):
            return skip
        rows = self.s.users[skip : skip + take]
        return self._json(
            {"pageInfo": self._page(len(self.s.users), take, skip), "results": [self.user_dict(x) for x in rows]}
        )

    def _visible(self, caller: SeerrUser) -> list[SeerrRequest]:
        if caller.permissions & 2 or caller.permissions & 16:  # ADMIN / MANAGE_REQUESTS
            return self.s.requests
        return [r for r in self.s.requests if r.requested_by == caller.id]

    async def requests(self, ctx: Ctx) -> Response:
        caller = self._caller(ctx)
        if caller is None:
            return self.error(403)
        take = self._int(ctx, "take", 10)
        skip = self._int(ctx, "skip", 0)
        if isinstance(take, Response):
            return take
        if isinstance(skip, Response):
            return skip
        flt = ctx.q("filter") or "all"
        if flt not in REQUEST_FILTERS:
            return _bad("request/query/filter must be equal to one of the allowed values")
        sort = ctx.q("sort") or "added"
        if sort not in ("added", "modified"):
            return _bad("request/query/sort must be equal to one of the allowed values")
        direction = ctx.q("sortDirection") or "desc"
        if direction not in ("asc", "desc"):
            return _bad("request/query/sortDirection must be equal to one of the allowed values")
        mtype = ctx.q("mediaType") or "all"
        if mtype not in ("movie", "tv", "all"):
            return _bad("request/query/mediaType must be equal to one of the allowed values")
        rstat, mstat = REQUEST_FILTERS[flt]
        rows = self._visible(caller)
        by = ctx.q("requestedBy")
        if by:
            if not by.isdigit():
                return _bad("request/query/requestedBy must be number")
            if not (caller.permissions & 2 or caller.permissions & 16) and int(by) != caller.id:
                return self.error(403)
            rows = [r for r in rows if r.requested_by == int(by)]
        out = []
        for r in rows:
            m = self.s.media[r.media_id]
            ms = m.status4k if r.is4k else m.status
            if r.status in rstat and ms in mstat and (mtype == "all" or r.type == mtype):
                out.append(r)
        if sort == "added":
            out.sort(key=lambda r: r.id, reverse=direction == "desc")
        else:
            out.sort(key=lambda r: (r.updated_at, r.id), reverse=direction == "desc")
        if ctx.flags.get("empty"):
            out = []
        total = len(out) + int(ctx.flags.get("total_size_delta", 0))
        page = out[skip : skip + take]
        if ctx.flags.get("short_page"):
            page = page[: int(ctx.flags["short_page"])]
        return self._json({"pageInfo": self._page(total, take, skip), "results": [self.request_dict(r) for r in page]})

    async def request_count(self, ctx: Ctx) -> Response:
        if self._caller(ctx) is None:
            return self.error(403)
        rs = self.s.requests
        media = self.s.media

        def cnt(st: set[int], ms: set[int] | None = None) -> int:
            return sum(1 for r in rs if r.status in st and (ms is None or media[r.media_id].status in ms))

        return self._json(
            {
                "total": len(rs),
                "movie": sum(1 for r in rs if r.type == "movie"),
                "tv": sum(1 for r in rs if r.type == "tv"),
                "pending": cnt({1}),
                "approved": cnt({2}),
                "declined": cnt({3}),
                "processing": cnt({2}, {1, 2, 3, 4}),
                "available": cnt({5}, {5}),
                "completed": cnt({5}),
            }
        )

    def _find_request(self, rid: str) -> SeerrRequest | None:
        return next((r for r in self.s.requests if str(r.id) == rid), None)

    async def request(self, ctx: Ctx) -> Response:
        caller = self._caller(ctx)
        if caller is None:
            return self.error(403)
        r = self._find_request(ctx.params["rid"])
        if r is None or r not in self._visible(caller):
            return self._json({"status": 404, "message": "Request not found."}, 404)
        return self._json(self.request_dict(r))

    async def delete_request(self, ctx: Ctx) -> Response:
        caller = self._caller(ctx)
        if caller is None:
            return self.error(403)
        r = self._find_request(ctx.params["rid"])
        if r is None:
            return self._json({"status": 404, "message": "Request not found."}, 404)
        self.s.requests.remove(r)
        self.state.mutate(self.name, "delete_request", requestId=r.id, mediaId=r.media_id, status=204)
        return Response(b"", status_code=204)

    async def media_list(self, ctx: Ctx) -> Response:
        if self._caller(ctx) is None:
            return self.error(403)
        take = self._int(ctx, "take", 20)
        skip = self._int(ctx, "skip", 0)
        if isinstance(take, Response):
            return take
        if isinstance(skip, Response):
            return skip
        flt = ctx.q("filter") or "all"
        if flt not in MEDIA_FILTERS:
            return _bad("request/query/filter must be equal to one of the allowed values")
        sort = ctx.q("sort") or "added"
        if sort not in ("added", "modified", "mediaAdded"):
            return _bad("request/query/sort must be equal to one of the allowed values")
        want = MEDIA_FILTERS[flt]
        rows = [m for m in self.s.media.values() if want is None or m.status in want]
        keyf = {
            "added": lambda m: (m.created_at, m.id),
            "modified": lambda m: (m.updated_at, m.id),
            "mediaAdded": lambda m: (m.media_added_at or "", m.id),
        }[sort]
        rows.sort(key=keyf, reverse=True)
        if ctx.flags.get("empty"):
            rows = []
        total = len(rows) + int(ctx.flags.get("total_size_delta", 0))
        page = rows[skip : skip + take]
        return self._json(
            {
                "pageInfo": self._page(total, take, skip),
                "results": [self.media_dict(m, with_requests=True) for m in page],
            }
        )

    async def delete_media(self, ctx: Ctx) -> Response:
        caller = self._caller(ctx)
        if caller is None:
            return self.error(403)
        mid = ctx.params["mid"]
        m = self.s.media.get(int(mid)) if mid.isdigit() else None
        if m is None:
            return self._json({"status": 404, "message": "Media not found."}, 404)
        del self.s.media[m.id]
        self.s.requests = [r for r in self.s.requests if r.media_id != m.id]
        self.state.mutate(self.name, "delete_media", mediaId=m.id, tmdbId=m.tmdb_id, status=204)
        return Response(b"", status_code=204)

    # ------------------------------------------------------------------ TMDB proxies
    def _catalog(self, media_type: str) -> dict[int, tuple[str, str | None, SeerrMedia | None, Item | None]]:
        key = ("seerr-catalog", media_type, self.state.version)
        cat = self.state.extra.get(key)
        if cat is None:
            cat = {}
            want = "movie" if media_type == "movie" else "show"
            for srv in self.state.world.plex_servers:
                for sec in srv.sections:
                    for it in sec.items:
                        if it.type == want and "tmdb" in it.guids:
                            cat[int(it.guids["tmdb"])] = (it.title, it.originally_available_at, None, it)
            for m in self.s.media.values():
                if m.media_type == media_type:
                    prev = cat.get(m.tmdb_id)
                    cat[m.tmdb_id] = (m.title, m.release_date, m, prev[3] if prev else None)
            self.state.extra[key] = cat
        return cat

    async def movie(self, ctx: Ctx) -> Response:
        if self._caller(ctx) is None:
            return self.error(403)
        tmdb = ctx.params["tmdb"]
        hit = self._catalog("movie").get(int(tmdb)) if tmdb.isdigit() else None
        if hit is None:
            return self._json({"message": "Unable to retrieve movie."}, 500)
        title, rel, media, item = hit
        d: dict[str, Any] = {
            "id": int(tmdb),
            "imdbId": item.guids.get("imdb", f"tt{int(tmdb) * 7}") if item else f"tt{int(tmdb) * 7}",
            "adult": False,
            "backdropPath": f"/bd{tmdb}.jpg",
            "posterPath": f"/p{tmdb}.jpg",
            "budget": 0,
            "genres": [{"id": 18, "name": g} for g in (item.genres if item else [])],
            "homepage": "",
            "originalLanguage": "en",
            "originalTitle": title,
            "overview": f"Simulated overview of {title}.",
            "popularity": 10.0,
            "relatedVideos": [],
            "releaseDate": rel or "",
            "revenue": 0,
            "runtime": (item.duration or 0) // 60000 if item else 0,
            "spokenLanguages": [],
            "status": "Released",
            "tagline": "",
            "title": title,
            "video": False,
            "voteAverage": 7.0,
            "voteCount": 100,
            "credits": {"cast": [], "crew": []},
            "externalIds": {"imdbId": item.guids.get("imdb", f"tt{int(tmdb) * 7}") if item else f"tt{int(tmdb) * 7}"},
            "watchProviders": [],
            "keywords": [],
            "productionCompanies": [],
            "productionCountries": [],
        }
        if media is not None:
            d["mediaInfo"] = self.media_dict(media, with_requests=True)
        return self._json(d)

    async def tv(self, ctx: Ctx) -> Response:
        if self._caller(ctx) is None:
            return self.error(403)
        tmdb = ctx.params["tmdb"]
        hit = self._catalog("tv").get(int(tmdb)) if tmdb.isdigit() else None
        if hit is None:
            return self._json({"message": "Unable to retrieve series."}, 500)
        title, rel, media, item = hit
        seasons = [c for c in item.children if not c.deleted] if item else []
        d: dict[str, Any] = {
            "id": int(tmdb),
            "backdropPath": f"/bd{tmdb}.jpg",
            "posterPath": f"/p{tmdb}.jpg",
            "contentRatings": {"results": []},
            "createdBy": [],
            "episodeRunTime": [45],
            "firstAirDate": rel or "",
            "genres": [],
            "homepage": "",
            "inProduction": False,
            "languages": ["en"],
            "lastAirDate": rel or "",
            "name": title,
            "networks": [],
            "numberOfEpisodes": sum(len(s.children) for s in seasons),
            "numberOfSeasons": len(seasons),
            "originCountry": ["US"],
            "originalLanguage": "en",
            "originalName": title,
            "overview": f"Simulated overview of {title}.",
            "popularity": 10.0,
            "productionCompanies": [],
            "productionCountries": [],
            "spokenLanguages": [],
            "status": "Ended",
            "tagline": "",
            "type": "Scripted",
            "voteAverage": 7.5,
            "voteCount": 50,
            "credits": {"cast": [], "crew": []},
            "externalIds": {"tvdbId": int(item.guids["tvdb"]) if item and "tvdb" in item.guids else None},
            "keywords": [],
            "seasons": [
                {
                    "id": int(tmdb) * 100 + (s.index or 0),
                    "airDate": rel,
                    "episodeCount": len(s.children),
                    "name": s.title,
                    "overview": "",
                    "posterPath": None,
                    "seasonNumber": s.index or 0,
                }
                for s in seasons
            ],
        }
        if media is not None:
            d["mediaInfo"] = self.media_dict(media, with_requests=True)
        return self._json(d)
