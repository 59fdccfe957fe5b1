"""Deterministic random world generator (seed + size knobs)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

from mediasim.builder import AUDIO_FORMATS, Builder, StreamSpec, hex_id
from mediasim.model import Item, PlexServer, SeerrMedia, SeerrRequest, SeerrUser, World

DEFAULT_NOW = 1767225600  # 2026-01-01T00:00:00Z: worlds do not depend on the wall clock

SIZES: dict[str, dict[str, int]] = {
    "tiny": {"tracks": 300, "movies": 40, "episodes": 60, "requests": 30},
    "small": {"tracks": 2_000, "movies": 200, "episodes": 400, "requests": 60},
    "medium": {"tracks": 20_000, "movies": 2_000, "episodes": 4_000, "requests": 200},
    "large": {"tracks": 250_000, "movies": 20_000, "episodes": 40_000, "requests": 1_000},
}

_W1 = [
    "Silent",
    "Midnight",
    "Golden",
    "Broken",
    "Electric",
    "Hidden",
    "Crimson",
    "Frozen",
    "Endless",
    "Lonely",
    "Wild",
    "Secret",
    "Velvet",
    "Burning",
    "Distant",
    "Hollow",
    "Paper",
    "Neon",
    "Falling",
    "Rising",
    "Bitter",
    "Sweet",
    "Northern",
    "Southern",
    "Last",
    "First",
    "Lost",
    "Little",
    "Savage",
    "Quiet",
    "Dark",
    "Bright",
    "Glass",
    "Iron",
    "Silver",
    "Lucky",
    "Wicked",
    "Gentle",
    "Empty",
]
_W2 = [
    "River",
    "Heart",
    "Dream",
    "Garden",
    "Machine",
    "Ocean",
    "Shadow",
    "Road",
    "Fire",
    "Storm",
    "Kingdom",
    "Mirror",
    "Signal",
    "Harbor",
    "Empire",
    "Letter",
    "Winter",
    "Summer",
    "Horizon",
    "Echo",
    "Thunder",
    "Island",
    "Station",
    "Forest",
    "Engine",
    "Circus",
    "Valley",
    "Parade",
    "Memory",
    "Promise",
    "Planet",
    "Whisper",
    "Lantern",
    "Anthem",
    "Highway",
    "Satellite",
    "Fever",
    "Cathedral",
    "Tide",
]
_NAMES = [
    "Nova",
    "Echo",
    "Atlas",
    "Juno",
    "Orion",
    "Lyra",
    "Vega",
    "Iris",
    "Felix",
    "Hugo",
    "Mila",
    "Otto",
    "Ruby",
    "Theo",
    "Zara",
    "Kai",
    "Luna",
    "Nico",
    "Ada",
    "Ezra",
    "Cleo",
    "Remy",
    "Sage",
    "Wren",
]
_BANDS = ("The {w2}s", "{w1} {w2}", "{n} & the {w2}s", "{n} {w2}", "{w1} {n}")
_GENRES_MUSIC = ["Rock", "Pop", "Jazz", "Electronic", "Hip-Hop", "Classical", "Folk", "Metal", "Soul"]
_GENRES_VIDEO = ["Drama", "Comedy", "Action", "Thriller", "Documentary", "Animation", "Sci-Fi", "Horror"]
_FRIENDS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
_HOME = ["kid", "guest"]

# (language mix, weight) for video audio tracks; None = untagged
_AUDIO_MIXES: list[tuple[list[str | None], int]] = [
    (["eng"], 40),
    (["eng", "ger"], 8),
    (["eng", "fre"], 6),
    (["fre", "eng"], 4),
    (["ger"], 4),
    (["spa", "eng"], 4),
    (["jpn", "eng"], 6),
    (["kor"], 3),
    (["ita", "eng"], 2),
    ([None], 8),
    (["und"], 3),
    (["eng", None], 3),
    (["hin"], 2),
    (["chi", "eng"], 2),
    (["dut"], 1),
    (["swe"], 1),
    (["rus", "eng"], 1),
    (["por"], 2),
]
_SUB_LANGS: list[str | None] = ["eng", "eng", "eng", "ger", "fre", "spa", "ita", "dut", "por", "pol", "swe", None]


def _title(rng: random.Random) -> str:
    return f"{rng.choice(_W1)} {rng.choice(_W2)}"


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _weighted(rng: random.Random, options: list[tuple[list[str | None], int]]) -> list[str | None]:
    total = sum(w for _, w in options)
    r = rng.randrange(total)
    for opt, w in options:
        r -= w
        if r < 0:
            return opt
    return options[0][0]


def _streams(rng: random.Random) -> StreamSpec:
    audio = list(_weighted(rng, _AUDIO_MIXES))
    nsubs = rng.choice([0, 0, 1, 1, 2, 3, 4])
    subs = rng.sample(_SUB_LANGS, nsubs)
    forced = {i for i in range(nsubs) if rng.random() < 0.1}
    external = {i for i in range(nsubs) if rng.random() < 0.25}
    return StreamSpec(audio=audio, subtitles=subs, forced_subs=forced, external_subs=external)


def _video_size(rng: random.Random, duration_ms: int) -> tuple[str, int, str]:
    """(resolution, size in bytes, video codec): 500 MB .. 80 GB."""
    r = rng.random()
    if r < 0.12:
        res, gb = "sd", rng.uniform(0.5, 1.6)
    elif r < 0.3:
        res, gb = "720", rng.uniform(0.9, 4.0)
    elif r < 0.82:
        res, gb = "1080", rng.uniform(2.0, 16.0)
    else:
        res, gb = "4k", rng.uniform(15.0, 80.0)
    scale = min(1.0, max(0.3, duration_ms / 7_200_000))
    size = max(500_000_000, int(gb * scale * 1e9))
    codec = "hevc" if res == "4k" or rng.random() < 0.2 else "h264"
    return res, size, codec


def generate_world(
    seed: int = 0,
    *,
    size: str | None = None,
    tracks: int | None = None,
    movies: int | None = None,
    episodes: int | None = None,
    requests: int | None = None,
    friends: int = 3,
    home_users: int = 2,
    servers: int = 1,
    jellyfin: bool = True,
    jellyfin_tracks: int | None = None,
    seerr: bool = True,
    allow_media_deletion: bool = True,
    now: int = DEFAULT_NOW,
    watch_rate: float = 0.3,
) -> World:
    """Build a household world deterministically from ``seed`` and size knobs.

    ``size`` picks defaults from :data:`SIZES` ("tiny", "small", "medium", "large"); explicit
    knobs override them. The same arguments always give the same world (and byte-identical pages).
    """
    base = SIZES[size or "small"]
    n_tracks = base["tracks"] if tracks is None else tracks
    n_movies = base["movies"] if movies is None else movies
    n_eps = base["episodes"] if episodes is None else episodes
    n_req = base["requests"] if requests is None else requests
    if jellyfin_tracks is None:
        jellyfin_tracks = min(n_tracks, 50_000)

    rng = random.Random(seed)  # noqa: S311 - deterministic worlds, not crypto
    world = Builder.new_world(seed, now)
    b = Builder(world)
    planted: dict[str, Any] = {
        "music_exact_duplicates": [],
        "music_near_duplicates": [],
        "music_multi_version": [],
        "movie_duplicates": [],
        "movie_multi_version": [],
        "future_releases": [],
        "untagged_audio": [],
        "never_watched_movies": [],
    }
    world.planted = planted
    users = [b.add_plex_user(name) for name in _FRIENDS[:friends]]
    users += [b.add_plex_user(name, home=True, restricted=True) for name in _HOME[:home_users]]

    span = 6 * 365 * 86400
    main = b.add_plex_server("home", "Home Server", allow_media_deletion=allow_media_deletion)
    for i in range(1, servers):
        b.add_plex_server(f"server{i + 1}", f"Server {i + 1}", allow_media_deletion=allow_media_deletion)
    accounts = [1, *(u.id for u in users)]

    def maybe_watch(server: PlexServer, it: Item, rate: float) -> None:
        if rng.random() >= rate:
            return
        for acc in accounts:
            if rng.random() < (0.8 if acc == 1 else 0.35):
                for _ in range(rng.choice((1, 1, 1, 2, 3))):
                    lo = max(it.added_at, now - span)
                    if lo >= now:
                        continue
                    b.watch(server, it, acc, rng.randrange(lo, now), device_id=rng.randrange(1, 9))

    # ------------------------------------------------------------------ movies
    msec = b.add_section(main, "movie", "Movies")
    tmdb = 10_000
    for i in range(n_movies):
        tmdb += rng.randrange(1, 40)
        title = _title(rng) if i % 7 else f"The {_title(rng)}"
        year = rng.randrange(1960, 2027)
        released_ts = int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) + rng.randrange(0, 364 * 86400)
        future = rng.random() < 0.02
        added = now - rng.randrange(1, span)
        if future:
            released_ts = now + rng.randrange(86400, 300 * 86400)
            year = datetime.fromtimestamp(released_ts, UTC).year
        elif released_ts > added:
            added = min(now - 3600, released_ts + rng.randrange(0, 90 * 86400))
        dur = rng.randrange(80, 180) * 60_000 + rng.randrange(0, 60_000)
        slug = f"{title} ({year})"
        nver = 2 if rng.random() < 0.04 else 1
        medias = []
        for v in range(nver):
            res, sz, codec = _video_size(rng, dur)
            if v == 1:
                res, sz, codec = "4k", int(rng.uniform(20, 80) * 1e9), "hevc"
            cont = "mkv" if rng.random() < 0.75 else "mp4"
            medias.append(
                b.video_media(
                    f"/data/movies/{slug}/{slug}{' - 4K' if v else ''}.{cont}",
                    dur,
                    sz,
                    container=cont,
                    resolution=res,
                    video_codec=codec,
                    audio_codec=rng.choice(["ac3", "eac3", "dts", "aac", "truehd"]),
                    channels=rng.choice([2, 6, 6, 8]),
                    streams=_streams(rng),
                )
            )
        guids = {"imdb": f"tt{1000000 + tmdb * 7}", "tmdb": str(tmdb)}
        it = b.add_movie(main, msec, title, year, _date(released_ts), added, medias, guids, [rng.choice(_GENRES_VIDEO)])
        if nver > 1:
            planted["movie_multi_version"].append(it.id)
        if future:
            planted["future_releases"].append(it.id)
        if any(s.stream_type == 2 and s.language_code is None for s in medias[0].parts[0].streams):
            planted["untagged_audio"].append(it.id)
        maybe_watch(main, it, watch_rate * 1.5)
        if it.id not in main.views:
            planted["never_watched_movies"].append(it.id)
        if rng.random() < 0.02:  # the same film added twice (another folder, other quality)
            res, sz, codec = _video_size(rng, dur)
            dup_media = b.video_media(
                f"/data/movies/{slug} copy/{slug}.mp4",
                dur + rng.randrange(-2000, 2000),
                sz,
                container="mp4",
                resolution=res,
                video_codec=codec,
                audio_codec="aac",
                channels=2,
                streams=_streams(rng),
            )
            dup = b.add_movie(
                main,
                msec,
                title,
                year,
                _date(released_ts),
                added + rng.randrange(86400, 86400 * 90),
                [dup_media],
                dict(guids),
                list(it.genres),
            )
            planted["movie_duplicates"].append([it.id, dup.id])
            planted["never_watched_movies"].append(dup.id)

    # ------------------------------------------------------------------ shows
    ssec = b.add_section(main, "show", "TV Shows")
    made = 0
    tvdb = 70_000
    while made < n_eps:
        tmdb += rng.randrange(1, 40)
        tvdb += rng.randrange(1, 50)
        title = _title(rng)
        year = rng.randrange(1990, 2026)
        first = int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) + rng.randrange(0, 300 * 86400)
        added = max(first, now - rng.randrange(86400, span))
        show = b.add_show(main, ssec, title, year, _date(first), added, {"tmdb": str(tmdb), "tvdb": str(tvdb)})
        n_seasons = rng.randrange(1, 6)
        for s in range(1, n_seasons + 1):
            if made >= n_eps:
                break
            season = b.add_season(main, show, s, added)
            for e in range(1, rng.randrange(6, 14) + 1):
                if made >= n_eps:
                    break
                rel = first + (s - 1) * 365 * 86400 + e * 7 * 86400
                ep_added = max(added, min(now - 60, rel + rng.randrange(0, 5 * 86400)))
                if rel > now:
                    planted["future_releases"].append(show.id)
                dur = rng.randrange(22, 62) * 60_000
                res, sz, codec = _video_size(rng, dur)
                sz = max(500_000_000, sz // 3)
                path = f"/data/tv/{title}/Season {s:02d}/{title} - S{s:02d}E{e:02d}.mkv"
                m = b.video_media(
                    path,
                    dur,
                    sz,
                    resolution=res,
                    video_codec=codec,
                    audio_codec=rng.choice(["aac", "eac3", "ac3"]),
                    channels=rng.choice([2, 6]),
                    streams=_streams(rng),
                )
                ep = b.add_episode(main, season, e, f"{_title(rng)}", _date(rel), ep_added, [m])
                maybe_watch(main, ep, watch_rate * 1.5)
                made += 1

    # ------------------------------------------------------------------ music
    asec = b.add_section(main, "artist", "Music")
    made = 0
    artist_no = 0
    while made < n_tracks:
        artist_no += 1
        pat = rng.choice(_BANDS)
        aname = pat.format(w1=rng.choice(_W1), w2=rng.choice(_W2), n=rng.choice(_NAMES)) + f" {artist_no}"
        a_added = now - rng.randrange(86400, span)
        artist = b.add_artist(main, asec, aname, a_added)
        genre = rng.choice(_GENRES_MUSIC)
        artist.genres = [genre]
        for _ in range(rng.randrange(1, 5)):
            if made >= n_tracks:
                break
            year = rng.randrange(1965, 2026)
            album_title = _title(rng)
            album = b.add_album(main, artist, album_title, year, a_added + rng.randrange(0, 86400 * 30))
            album.genres = [genre]
            fmt = rng.choice(["flac", "flac", "mp3", "mp3", "mp3", "mp4", "ogg", "alac"])
            br = {"flac": 900, "alac": 1000, "mp3": 320, "mp4": 256, "ogg": 192}[fmt]
            ext = AUDIO_FORMATS[fmt][1]
            for t in range(1, rng.randrange(6, 16) + 1):
                if made >= n_tracks:
                    break
                ttitle = _title(rng)
                dur = rng.randrange(90, 420) * 1000 + rng.randrange(0, 1000)
                bitrate = br + rng.randrange(-30, 30) if fmt in ("flac", "alac") else br
                path = f"/data/music/{aname}/{album_title}/{t:02d} {ttitle}.{ext}"
                medias = [b.audio_media(path, dur, fmt, bitrate)]
                multi = rng.random() < 0.005
                if multi:
                    medias.append(b.audio_media(path.rsplit(".", 1)[0] + ".mp3", dur, "mp3", 320))
                tr = b.add_track(main, album, t, ttitle, album.added_at, medias)
                made += 1
                if multi:
                    planted["music_multi_version"].append(tr.id)
                maybe_watch(main, tr, watch_rate * 0.5)
                r = rng.random()
                if r < 0.01 and made < n_tracks:  # exact duplicate: same everything, other format
                    fmt2 = "mp3" if fmt != "mp3" else "flac"
                    br2 = 320 if fmt2 == "mp3" else 880
                    p2 = f"/data/music/{aname}/{album_title}/{t:02d} {ttitle} (1).{AUDIO_FORMATS[fmt2][1]}"
                    d = b.add_track(main, album, t, ttitle, album.added_at + 86400, [b.audio_media(p2, dur, fmt2, br2)])
                    made += 1
                    planted["music_exact_duplicates"].append([tr.id, d.id])
                elif r < 0.02 and made < n_tracks:  # near duplicate: same title/artist/album, ±1-4 s
                    delta = rng.choice([-4000, -3000, -2000, -1000, 1000, 2000, 3000, 4000])
                    fmt2 = rng.choice(["mp3", "mp4", "ogg"])
                    br2 = {"mp3": rng.choice([128, 192, 256]), "mp4": 256, "ogg": 160}[fmt2]
                    p2 = f"/data/music/{aname}/{album_title}/{t:02d} {ttitle} [{fmt2}].{AUDIO_FORMATS[fmt2][1]}"
                    d = b.add_track(
                        main, album, t, ttitle, album.added_at + 2 * 86400, [b.audio_media(p2, dur + delta, fmt2, br2)]
                    )
                    made += 1
                    planted["music_near_duplicates"].append([tr.id, d.id])

    # ------------------------------------------------------------------ jellyfin
    if jellyfin:
        jf = b.new_jellyfin()
        jf_admin = b.add_jellyfin_user("admin", admin=True, password="admin")
        jf_users = [jf_admin] + [b.add_jellyfin_user(u.title, password=u.title) for u in users[:friends]]
        b.mirror_to_jellyfin(main, max_tracks=jellyfin_tracks)
        acc_to_jf = {1: jf_admin.id}
        for u, ju in zip(users[:friends], jf_users[1:], strict=True):
            acc_to_jf[u.id] = ju.id
        for it in jf.order:
            views = main.views.get(it.id)
            if views:
                for acc, (vc, last) in views.items():
                    uid = acc_to_jf.get(acc)
                    if uid is not None:
                        jf.user_data.setdefault(it.jf_id or "", {})[uid] = (vc, last, rng.random() < 0.05)

    # ------------------------------------------------------------------ jellyseerr
    if seerr:
        _gen_seerr(b, rng, main, n_req, users)
    return world


_COMBOS: list[tuple[int, int]] = [  # (request status, media status) covering every status and filter
    (1, 2),
    (1, 3),
    (2, 3),
    (2, 4),
    (2, 5),
    (3, 1),
    (4, 3),
    (4, 2),
    (5, 5),
    (5, 7),
    (2, 6),
    (5, 4),
    (2, 2),
]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _gen_seerr(b: Builder, rng: random.Random, server: PlexServer, n_req: int, users: list[Any]) -> None:
    world = b.world
    s = b.new_seerr()
    jf = world.jellyfin
    admin_jf = jf.users[0] if jf else None
    s.users.append(
        SeerrUser(
            id=1,
            display_name="admin",
            email="admin@example.com",
            user_type=3 if jf else 1,
            permissions=2,
            plex_id=world.plextv.owner.id,
            plex_username=world.plextv.owner.username,
            jellyfin_user_id=admin_jf.id if admin_jf else None,
            jellyfin_username=admin_jf.name if admin_jf else None,
            created_at=_iso(world.now - 3e7),
        )
    )
    for i, u in enumerate([u for u in users if u.friend], start=2):
        ju = next((x for x in jf.users if x.name == u.title), None) if jf else None
        s.users.append(
            SeerrUser(
                id=i,
                display_name=u.title,
                email=u.email,
                user_type=3 if ju else 1,
                permissions=32,
                plex_id=u.id,
                plex_username=u.username,
                jellyfin_user_id=ju.id if ju else None,
                jellyfin_username=ju.name if ju else None,
                created_at=_iso(world.now - 2e7),
            )
        )
    movies = [it for sec in server.sections if sec.type == "movie" for it in sec.items]
    shows = [it for sec in server.sections if sec.type == "show" for it in sec.items]
    media_by_tmdb: dict[tuple[str, int], int] = {}
    extra_tmdb = 900_000
    for rid in range(1, n_req + 1):
        rstatus, mstatus = _COMBOS[(rid - 1) % len(_COMBOS)]
        mtype = "tv" if rng.random() < 0.35 and shows else "movie"
        in_lib = mstatus in (4, 5)
        item: Item | None = None
        if in_lib:
            pool = shows if mtype == "tv" else movies
            item = pool[rng.randrange(len(pool))] if pool else None
        if item is not None:
            tmdb = int(item.guids.get("tmdb", "0"))
            title = item.title
            rel = item.originally_available_at
        else:
            extra_tmdb += rng.randrange(1, 50)
            tmdb = extra_tmdb
            title = _title(rng)
            rel = f"{rng.randrange(1980, 2027)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 9)}"
        created = world.now - rng.randrange(86400, 3 * 365 * 86400)
        updated = min(world.now - 60, created + rng.randrange(60, 60 * 86400))
        key = (mtype, tmdb)
        mid = media_by_tmdb.get(key)
        if mid is None:
            mid = len(s.media) + 1
            media_by_tmdb[key] = mid
            s.media[mid] = SeerrMedia(
                id=mid,
                media_type=mtype,
                tmdb_id=tmdb,
                tvdb_id=int(item.guids["tvdb"]) if item is not None and "tvdb" in item.guids else None,
                imdb_id=item.guids.get("imdb") if item is not None else None,
                status=mstatus,
                status4k=1,
                created_at=_iso(created),
                updated_at=_iso(updated),
                media_added_at=_iso(item.added_at) if item is not None else None,
                rating_key=str(item.id) if item is not None else None,
                jellyfin_media_id=item.jf_id if item is not None else None,
                title=title,
                release_date=rel,
                seasons=[c.index or 0 for c in item.children] if item is not None and mtype == "tv" else [],
            )
        is4k = rng.random() < 0.08
        requester = rng.randrange(1, len(s.users) + 1)
        s.requests.append(
            SeerrRequest(
                id=rid,
                status=rstatus,
                media_id=mid,
                type=mtype,
                is4k=is4k,
                requested_by=requester,
                modified_by=1 if rstatus in (2, 3, 5) else None,
                created_at=_iso(created),
                updated_at=_iso(updated),
                seasons=[1] if mtype == "tv" else [],
            )
        )
    world.planted["seerr_request_statuses"] = sorted({r.status for r in s.requests})
    world.planted["seerr_media_statuses"] = sorted({m.status for m in s.media.values()})


def wall_now() -> int:
    return int(time.time())


__all__ = ["DEFAULT_NOW", "SIZES", "generate_world", "hex_id"]
