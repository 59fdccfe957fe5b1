"""Scenario files (YAML or JSON) describing an exact small world. The format is documented in sim/README.md."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from mediasim.builder import Builder, StreamSpec
from mediasim.generator import DEFAULT_NOW, generate_world
from mediasim.model import Item, JfUserData, PlexServer, SeerrMedia, SeerrRequest, SeerrUser, World
from mediasim.wire import iso_ms

_UNITS = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "b": 1}


def _ts(v: Any, default: int) -> int:
    if v is None:
        return default
    if isinstance(v, bool):
        raise ValueError(f"bad date {v!r}")
    if isinstance(v, int | float):
        return int(v)
    if isinstance(v, datetime):
        return int((v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp())
    if isinstance(v, date):
        return int(datetime(v.year, v.month, v.day, tzinfo=UTC).timestamp())
    s = str(v).replace("Z", "+00:00")
    d = datetime.fromisoformat(s)
    return int((d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp())


def _day(v: Any, default: str | None = None) -> str | None:
    if v is None:
        return default
    return datetime.fromtimestamp(_ts(v, 0), UTC).strftime("%Y-%m-%d")


def _size(v: Any, default: int) -> int:
    if v is None:
        return default
    if isinstance(v, int | float):
        return int(v)
    s = str(v).strip().lower().replace(" ", "")
    for unit in ("kb", "mb", "gb", "tb", "b"):
        if s.endswith(unit):
            return int(float(s[: -len(unit)]) * _UNITS[unit])
    return int(float(s))


class _Loader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        gen = data.get("generate")
        seed = int(data.get("seed", 0))
        now = _ts(data.get("now"), DEFAULT_NOW)
        if gen is not None:
            gen = dict(gen)
            self.world = generate_world(seed=int(gen.pop("seed", seed)), now=now, **gen)
        else:
            owner = (data.get("plex") or {}).get("owner") or {}
            self.world = Builder.new_world(seed, now, owner.get("username", "owner"), owner.get("email"))
        self.b = Builder(self.world)
        self.b._history_id = max((h.id for s in self.world.plex_servers for h in s.history), default=0) + 1
        self.labels: dict[str, dict[str, Any]] = self.world.planted.setdefault("labels", {})
        self.label_items: dict[str, Item] = {}

    def account(self, server: PlexServer, who: Any) -> int:
        tv = self.world.plextv
        if who in (None, "owner", 1, tv.owner.username):
            return 1
        for u in tv.users:
            if who in (u.username, u.title, u.id):
                return u.id
        raise ValueError(f"unknown user {who!r}")

    def watch(self, server: PlexServer, it: Item, spec: dict[str, Any]) -> None:
        for w in spec.get("watched") or []:
            if isinstance(w, str):
                w = {"user": w}
            acc = self.account(server, w.get("user"))
            at = _ts(w.get("at"), self.world.now - 86400)
            for _ in range(int(w.get("count", 1))):
                self.b.watch(
                    server, it, acc, at, device_id=int(w.get("device", 1)), history=bool(w.get("history", True))
                )
        # Stopped part way: {user, at, offset (seconds)} -> viewOffset / PlaybackPositionTicks, no history.
        for w in spec.get("in_progress") or []:
            acc = self.account(server, w.get("user"))
            at = _ts(w.get("at"), self.world.now - 86400)
            self.b.progress(server, it, acc, int(float(w.get("offset", 600)) * 1000), at)

    def label(self, it: Item, spec: dict[str, Any], server: PlexServer) -> None:
        it.poster = bool(spec.get("poster", True))  # "poster: false": the server has no artwork for it
        lab = spec.get("label")
        if lab:
            self.labels[str(lab)] = {"server": server.name, "ratingKey": str(it.id), "type": it.type}
            self.label_items[str(lab)] = it

    def streams(self, spec: dict[str, Any]) -> StreamSpec:
        subs = list(spec.get("subtitles", []))
        return StreamSpec(
            audio=list(spec.get("audio", ["eng"])),
            subtitles=subs,
            forced_subs={int(i) for i in spec.get("forced_subtitles", [])},
            external_subs={int(i) for i in spec.get("external_subtitles", [])},
        )

    def video_media(self, spec: dict[str, Any], default_path: str, default_duration_ms: int) -> Any:
        dur = int(float(spec["duration"]) * 1000) if spec.get("duration") is not None else default_duration_ms
        cont = spec.get("container", "mkv")
        return self.b.video_media(
            spec.get("file", f"{default_path}.{cont}"),
            dur,
            _size(spec.get("size"), 4 * 10**9),
            container=cont,
            resolution=str(spec.get("resolution", "1080")),
            video_codec=spec.get("video_codec", "h264"),
            audio_codec=spec.get("audio_codec", "ac3"),
            channels=int(spec.get("channels", 6)),
            streams=self.streams(spec),
            analysed=bool(spec.get("analysed", True)),
        )

    def build(self) -> World:
        data = self.data
        plex = data.get("plex") or {}
        for f in plex.get("friends") or []:
            name = f if isinstance(f, str) else f["username"]
            self.b.add_plex_user(name)
        for h in plex.get("home_users") or []:
            name = h if isinstance(h, str) else h.get("title") or h["username"]
            restricted = True if isinstance(h, str) else bool(h.get("restricted", True))
            self.b.add_plex_user(name, home=True, restricted=restricted)
        for sspec in plex.get("servers") or []:
            self.server(sspec)
        if "jellyfin" in data:
            self.jellyfin(data.get("jellyfin") or {})
        if "jellyseerr" in data:
            self.seerr(data.get("jellyseerr") or {})
        self.world.faults.extend(data.get("faults") or [])
        self.world.pace.update(data.get("pace") or {})
        for k, v in (data.get("planted") or {}).items():
            self.world.planted[k] = v
        return self.world

    def server(self, spec: dict[str, Any]) -> None:
        w = self.world
        name = spec.get("name", "home")
        srv = w.pms(name) or self.b.add_plex_server(
            name,
            spec.get("friendly_name"),
            allow_media_deletion=bool(spec.get("allow_media_deletion", True)),
            version=spec.get("version", "1.41.3.9314-a0bfb8370"),
        )
        for lib in spec.get("libraries") or []:
            sec = self.b.add_section(srv, lib["type"], lib.get("title", lib["type"].title()))
            for it in lib.get("items") or []:
                {"movie": self.movie, "show": self.show, "artist": self.artist}[lib["type"]](srv, sec, it)

    def movie(self, srv: PlexServer, sec: Any, spec: dict[str, Any]) -> None:
        title = spec["title"]
        year = int(spec.get("year", 2000))
        released = _day(spec.get("released"), f"{year}-01-01") or f"{year}-01-01"
        added = _ts(spec.get("added"), self.world.now - 30 * 86400)
        dur = int(float(spec.get("duration", 6000)) * 1000)
        versions = spec.get("media") or [spec]  # no media list: the item carries one version
        medias = [
            self.video_media(m, f"/data/movies/{title} ({year})/{title} ({year}){' - v' + str(i) if i else ''}", dur)
            for i, m in enumerate(versions)
        ]
        guids = {k: str(spec[k]) for k in ("imdb", "tmdb", "tvdb") if spec.get(k) is not None}
        it = self.b.add_movie(srv, sec, title, year, released, added, medias, guids, list(spec.get("genres", [])))
        self.label(it, spec, srv)
        self.watch(srv, it, spec)

    def show(self, srv: PlexServer, sec: Any, spec: dict[str, Any]) -> None:
        title = spec["title"]
        year = int(spec.get("year", 2000))
        added = _ts(spec.get("added"), self.world.now - 60 * 86400)
        guids = {k: str(spec[k]) for k in ("imdb", "tmdb", "tvdb") if spec.get(k) is not None}
        show = self.b.add_show(srv, sec, title, year, _day(spec.get("released"), f"{year}-01-01") or "", added, guids)
        self.label(show, spec, srv)
        for sn, sspec in enumerate(spec.get("seasons") or [], start=1):
            idx = int(sspec.get("index", sn))
            season = self.b.add_season(srv, show, idx, added)
            self.label(season, sspec, srv)
            for en, espec in enumerate(sspec.get("episodes") or [], start=1):
                eidx = int(espec.get("index", en))
                rel = _day(espec.get("released"), f"{year}-01-01") or f"{year}-01-01"
                dur = int(float(espec.get("duration", 2700)) * 1000)
                path = f"/data/tv/{title}/Season {idx:02d}/{title} - S{idx:02d}E{eidx:02d}"
                medias = [self.video_media(m, path, dur) for m in (espec.get("media") or [espec])]
                ep = self.b.add_episode(
                    srv,
                    season,
                    eidx,
                    espec.get("title", f"Episode {eidx}"),
                    rel,
                    _ts(espec.get("added"), added),
                    medias,
                )
                self.label(ep, espec, srv)
                self.watch(srv, ep, espec)

    def artist(self, srv: PlexServer, sec: Any, spec: dict[str, Any]) -> None:
        name = spec.get("title") or spec["artist"]
        added = _ts(spec.get("added"), self.world.now - 90 * 86400)
        artist = self.b.add_artist(srv, sec, name, added)
        self.label(artist, spec, srv)
        for aspec in spec.get("albums") or []:
            year = int(aspec.get("year", 2000))
            album = self.b.add_album(srv, artist, aspec["title"], year, _ts(aspec.get("added"), added))
            self.label(album, aspec, srv)
            for tn, tspec in enumerate(aspec.get("tracks") or [], start=1):
                idx = int(tspec.get("index", tn))
                dur = int(float(tspec.get("duration", 200)) * 1000)
                medias = []
                for m in tspec.get("media") or [{}]:
                    cont = m.get("container", "flac")
                    ext = {"mp4": "m4a", "alac": "m4a"}.get(cont, cont)
                    mdur = int(float(m["duration"]) * 1000) if m.get("duration") is not None else dur
                    path = m.get("file", f"/data/music/{name}/{aspec['title']}/{idx:02d} {tspec['title']}.{ext}")
                    medias.append(
                        self.b.audio_media(path, mdur, cont, int(m.get("bitrate", 900 if cont == "flac" else 320)))
                    )
                tr = self.b.add_track(
                    srv,
                    album,
                    idx,
                    tspec["title"],
                    _ts(tspec.get("added"), album.added_at),
                    medias,
                    tspec.get("artist"),
                )
                self.label(tr, tspec, srv)
                self.watch(srv, tr, tspec)

    def jellyfin(self, spec: dict[str, Any]) -> None:
        w = self.world
        jf = w.jellyfin or self.b.new_jellyfin(spec.get("name", "Jellyfin"), spec.get("version", "10.11.5"))
        if "version" in spec:
            jf.version = str(spec["version"])
        if "api_key" in spec:
            jf.api_keys = [str(spec["api_key"])]
        jf.legacy_auth = bool(spec.get("legacy_auth", True))
        if "mount" in spec:  # {"from": "/data", "to": "/media"}: where Jellyfin sees the mirrored files
            jf.mount = (str(spec["mount"]["from"]).rstrip("/"), str(spec["mount"]["to"]).rstrip("/"))
        if not jf.users:
            for u in spec.get("users") or [{"name": "admin", "admin": True, "password": "admin"}]:
                if isinstance(u, str):
                    u = {"name": u}
                self.b.add_jellyfin_user(
                    u["name"],
                    admin=bool(u.get("admin", False)),
                    can_delete=u.get("can_delete"),
                    password=str(u.get("password", "")),
                )
        mirror = spec.get("mirror", w.plex_servers[0].name if w.plex_servers else None)
        if mirror and not jf.items:
            srv = w.pms(mirror)
            if srv is None:
                raise ValueError(f"jellyfin.mirror: unknown plex server {mirror!r}")
            self.b.mirror_to_jellyfin(srv, spec.get("max_tracks"))
            # carry watch state over by user name (the Plex owner maps to the first admin)
            by_name = {u.name: u for u in jf.users}
            admin = next((u for u in jf.users if u.is_admin), None)
            names = {1: w.plextv.owner.username, **{u.id: u.title for u in w.plextv.users}}
            for it in jf.order:
                if not it.jf_id:
                    continue
                for acc, (vc, last) in srv.views.get(it.id, {}).items():
                    ju = admin if acc == 1 else by_name.get(names.get(acc, ""))
                    if ju is not None:
                        jf.user_data.setdefault(it.jf_id, {})[ju.id] = JfUserData(vc, last, False, vc > 0)
                for acc, (offset_ms, at) in srv.progress.get(it.id, {}).items():
                    ju = admin if acc == 1 else by_name.get(names.get(acc, ""))
                    if ju is not None:
                        self.b.jf_stopped(it, ju.id, at, offset_ms * 10_000)
            for lab, it in self.label_items.items():
                if it.jf_id:
                    self.labels[lab]["jellyfinId"] = it.jf_id
        # The Jellyfin copy of a title is another file (a 4K remux beside Plex's 1080p, say): its own
        # path and size, the same title and ids.
        for other in spec.get("other_files") or []:
            item = self.label_items.get(str(other["item"]))
            if item is None or item.jf_id is None:
                raise ValueError(f"jellyfin.other_files: unknown item label {other['item']!r}")
            jf_item = jf.items[item.jf_id]
            medias = []
            for media in jf_item.media:
                parts = [
                    dataclasses.replace(
                        part,
                        id=part.id + 10_000_000,
                        file=str(other.get("file") or part.file.rsplit(".", 1)[0] + " (other).mkv"),
                        size=_size(other.get("size"), part.size * 2),
                    )
                    for part in media.parts
                ]
                medias.append(dataclasses.replace(media, id=media.id + 10_000_000, parts=parts))
            jf_item.media = medias
        # What a client or plugin set (POST /UserItems/{id}/UserData): e.g. played without a date.
        for ud in spec.get("user_data") or []:
            item = self.label_items.get(str(ud["item"]))
            if item is None or item.jf_id is None:
                raise ValueError(f"jellyfin.user_data: unknown item label {ud['item']!r}")
            user = next((u for u in jf.users if u.name == ud.get("user")), None)
            if user is None:
                raise ValueError(f"jellyfin.user_data: unknown user {ud.get('user')!r}")
            jf_item = jf.items[item.jf_id]
            self.b.jf_state(
                jf_item,
                user.id,
                played=ud.get("played"),
                last_played=_ts(ud["last_played"], 0) if ud.get("last_played") is not None else None,
                position_ticks=int(float(ud["position"]) * 10_000_000) if ud.get("position") is not None else None,
                play_count=ud.get("play_count"),
            )

    def seerr(self, spec: dict[str, Any]) -> None:
        w = self.world
        s = w.seerr or self.b.new_seerr()
        if "api_key" in spec:
            s.api_key = str(spec["api_key"])
        if not s.users:
            users = spec.get("users") or [{"name": "admin", "admin": True}] + [
                {"name": u.title} for u in w.plextv.users if u.friend
            ]
            for i, u in enumerate(users, start=1):
                if isinstance(u, str):
                    u = {"name": u}
                ju = next((x for x in w.jellyfin.users if x.name == u["name"]), None) if w.jellyfin else None
                s.users.append(
                    SeerrUser(
                        id=i,
                        display_name=u["name"],
                        email=f"{u['name']}@example.com",
                        user_type=3 if ju else 1,
                        permissions=2 if u.get("admin") or i == 1 else 32,
                        jellyfin_user_id=ju.id if ju else None,
                        jellyfin_username=ju.name if ju else None,
                    )
                )
        by_name = {u.display_name: u.id for u in s.users}
        for rspec in spec.get("requests") or []:
            mtype = rspec.get("type", "movie")
            tmdb = int(rspec["tmdb"])
            item = self.label_items.get(str(rspec.get("item", "")))
            if item is None:
                item = next(
                    (
                        it
                        for srv in w.plex_servers
                        for sec in srv.sections
                        for it in sec.items
                        # TMDB numbers movies and shows apart: a show request never meets movie 1399.
                        if it.guids.get("tmdb") == str(tmdb) and it.type == ("show" if mtype == "tv" else "movie")
                    ),
                    None,
                )
            created = iso_ms(_ts(rspec.get("created"), w.now - 10 * 86400))
            updated = iso_ms(_ts(rspec.get("updated"), w.now - 5 * 86400))
            media = next((m for m in s.media.values() if m.tmdb_id == tmdb and m.media_type == mtype), None)
            if media is None:
                mid = max(s.media, default=0) + 1
                media = SeerrMedia(
                    id=mid,
                    media_type=mtype,
                    tmdb_id=tmdb,
                    tvdb_id=rspec.get("tvdb"),
                    imdb_id=rspec.get("imdb"),
                    status=int(rspec.get("media_status", 5 if item else 2)),
                    status4k=int(rspec.get("media_status4k", 1)),
                    created_at=created,
                    updated_at=updated,
                    media_added_at=iso_ms(item.added_at) if item is not None else None,
                    rating_key=str(item.id) if item is not None else None,
                    jellyfin_media_id=item.jf_id if item is not None else None,
                    title=rspec.get("title") or (item.title if item else f"TMDB {tmdb}"),
                    release_date=rspec.get("released") or (item.originally_available_at if item else None),
                    seasons=[int(x) for x in rspec.get("seasons", [])],
                )
                s.media[mid] = media
            rid = int(rspec.get("id", max((r.id for r in s.requests), default=0) + 1))
            s.requests.append(
                SeerrRequest(
                    id=rid,
                    status=int(rspec.get("status", 1)),
                    media_id=media.id,
                    type=mtype,
                    is4k=bool(rspec.get("is4k", False)),
                    requested_by=by_name.get(rspec.get("requested_by", ""), 1)
                    if isinstance(rspec.get("requested_by", ""), str)
                    else int(rspec["requested_by"]),
                    modified_by=1 if int(rspec.get("status", 1)) != 1 else None,
                    created_at=created,
                    updated_at=updated,
                    seasons=[int(x) for x in rspec.get("seasons", [])],
                )
            )


def world_from_scenario(data: dict[str, Any]) -> World:
    """Build a world from an already parsed scenario mapping."""
    return _Loader(dict(data)).build()


def load_scenario(path: str | Path) -> World:
    """Load a scenario file (``.yaml``/``.yml`` or ``.json``)."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("a scenario must be a mapping")
    return world_from_scenario(data)
