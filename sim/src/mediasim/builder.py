"""Low-level world construction shared by the random generator and the scenario loader."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from mediasim.model import (
    HistoryEntry,
    Item,
    JellyfinServer,
    JellyfinUser,
    JfUserData,
    Media,
    Part,
    PlexServer,
    PlexTv,
    PlexUser,
    Section,
    Seerr,
    Stream,
    World,
)

# ISO-639-2/B (what PMS writes in languageCode) -> (Plex display name, BCP-47 tag, ISO-639-2/T used by JF)
LANGS: dict[str, tuple[str, str, str]] = {
    "eng": ("English", "en", "eng"),
    "ger": ("Deutsch", "de", "deu"),
    "fre": ("Français", "fr", "fra"),
    "spa": ("Español", "es", "spa"),
    "ita": ("Italiano", "it", "ita"),
    "jpn": ("日本語", "ja", "jpn"),
    "kor": ("한국어", "ko", "kor"),
    "por": ("Português", "pt", "por"),
    "dut": ("Nederlands", "nl", "nld"),
    "swe": ("Svenska", "sv", "swe"),
    "rus": ("Русский", "ru", "rus"),
    "chi": ("中文", "zh", "zho"),
    "hin": ("हिन्दी", "hi", "hin"),
    "pol": ("Polski", "pl", "pol"),
    "und": ("Unknown", "und", "und"),
}


def hex_id(*parts: object, n: int = 32) -> str:
    """Deterministic lowercase hex id (Jellyfin ids, machine identifiers, tokens)."""
    h = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=32).hexdigest()
    return h[:n]


def token_for(*parts: object) -> str:
    """A Plex-style 20 character token."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    h = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=20).digest()
    return "".join(alphabet[b % len(alphabet)] for b in h)


AUDIO_FORMATS: dict[str, tuple[str, str]] = {  # container -> (codec, extension)
    "flac": ("flac", "flac"),
    "mp3": ("mp3", "mp3"),
    "mp4": ("aac", "m4a"),
    "ogg": ("vorbis", "ogg"),
    "alac": ("alac", "m4a"),
}

RES_DIMS: dict[str, tuple[int, int]] = {
    "sd": (720, 480),
    "480": (720, 480),
    "720": (1280, 720),
    "1080": (1920, 1080),
    "4k": (3840, 2160),
}


@dataclass
class StreamSpec:
    """Audio/subtitle languages of one part; None = untagged stream."""

    audio: list[str | None] = field(default_factory=lambda: ["eng"])
    subtitles: list[str | None] = field(default_factory=list)
    forced_subs: set[int] = field(default_factory=set)
    external_subs: set[int] = field(default_factory=set)


class Builder:
    """Creates ids and objects; keeps a World consistent."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._ids: dict[str, int] = {}
        self._media_id = 100_000
        self._part_id = 200_000
        self._stream_id = 300_000
        self._history_id = 1

    # ---------------------------------------------------------------- plex.tv / servers
    @staticmethod
    def new_world(seed: int, now: int, owner_username: str = "owner", owner_email: str | None = None) -> World:
        owner = PlexUser(
            id=10_000_000 + seed % 1_000_000,
            uuid=hex_id("uuid", seed, owner_username, n=16),
            username=owner_username,
            title=owner_username,
            email=owner_email or f"{owner_username}@example.com",
            token=token_for("owner", seed, owner_username),
            home=True,
            admin=True,
        )
        return World(seed=seed, now=now, plextv=PlexTv(owner=owner))

    def add_plex_user(self, username: str, *, home: bool = False, restricted: bool = False) -> PlexUser:
        w = self.world
        n = len(w.plextv.users) + 1
        u = PlexUser(
            id=20_000_000 + w.seed % 1000 * 1000 + n,
            uuid=hex_id("uuid", w.seed, username, n=16),
            username="" if (home and restricted) else username,
            title=username,
            email="" if (home and restricted) else f"{username}@example.com",
            token=token_for("user", w.seed, username),
            home=home,
            restricted=restricted,
            friend=not home,
        )
        w.plextv.users.append(u)
        for s in w.plex_servers:
            self._grant(s, u)
        return u

    def _grant(self, server: PlexServer, u: PlexUser) -> None:
        server.accounts[u.id] = u.title
        server.tokens[token_for("server", server.machine_id, u.id)] = u.id

    def server_token(self, server: PlexServer, user: PlexUser) -> str:
        if user is self.world.plextv.owner:
            return user.token
        return token_for("server", server.machine_id, user.id)

    def add_plex_server(
        self,
        name: str,
        friendly_name: str | None = None,
        *,
        allow_media_deletion: bool = True,
        version: str = "1.41.3.9314-a0bfb8370",
    ) -> PlexServer:
        w = self.world
        s = PlexServer(
            name=name,
            friendly_name=friendly_name or name,
            machine_id=hex_id("machine", w.seed, name, n=40),
            version=version,
            allow_media_deletion=allow_media_deletion,
            created_at=w.now - 6 * 365 * 86400,
            next_id=1000 * (len(w.plex_servers) + 1),
        )
        s.accounts[1] = w.plextv.owner.username
        s.tokens[w.plextv.owner.token] = 1
        for u in w.plextv.users:
            self._grant(s, u)
        w.plex_servers.append(s)
        return s

    def add_section(self, server: PlexServer, type_: str, title: str) -> Section:
        sid = len(server.sections) + 1
        agent, scanner = {
            "movie": ("tv.plex.agents.movie", "Plex Movie"),
            "show": ("tv.plex.agents.series", "Plex TV Series"),
            "artist": ("tv.plex.agents.music", "Plex Music"),
        }[type_]
        sec = Section(
            id=sid,
            type=type_,
            title=title,
            agent=agent,
            scanner=scanner,
            language="en-US",
            uuid=hex_id("section", server.machine_id, sid, n=36),
            location=f"/data/{title.lower().replace(' ', '_')}",
            created_at=server.created_at,
        )
        server.sections.append(sec)
        return sec

    # ---------------------------------------------------------------- items
    def _new_item(
        self,
        server: PlexServer,
        type_: str,
        title: str,
        section: Section,
        added_at: int,
        parent: Item | None = None,
        **kw: Any,
    ) -> Item:
        rk = server.next_id
        server.next_id += 1
        it = Item(
            id=rk,
            type=type_,
            title=title,
            section_id=section.id,
            added_at=added_at,
            updated_at=added_at + 600,
            parent=parent,
            **kw,
        )
        server.items[rk] = it
        if parent is None:
            section.items.append(it)
        else:
            parent.children.append(it)
        return it

    def _streams(
        self, spec: StreamSpec, video: tuple[str, int, int] | None, audio_codec: str, channels: int
    ) -> list[Stream]:
        out: list[Stream] = []
        idx = 0
        if video is not None:
            self._stream_id += 1
            out.append(
                Stream(
                    id=self._stream_id,
                    stream_type=1,
                    codec=video[0],
                    index=idx,
                    default=True,
                    width=video[1],
                    height=video[2],
                )
            )
            idx += 1
        for i, lang in enumerate(spec.audio):
            self._stream_id += 1
            out.append(
                Stream(
                    id=self._stream_id,
                    stream_type=2,
                    codec=audio_codec,
                    index=idx,
                    language_code=lang,
                    default=i == 0,
                    channels=channels,
                )
            )
            idx += 1
        for i, lang in enumerate(spec.subtitles):
            self._stream_id += 1
            ext = i in spec.external_subs
            out.append(
                Stream(
                    id=self._stream_id,
                    stream_type=3,
                    codec="srt" if ext else "subrip",
                    index=-1 if ext else idx,
                    language_code=lang,
                    forced=i in spec.forced_subs,
                    external=ext,
                )
            )
            if not ext:
                idx += 1
        return out

    def video_media(
        self,
        path: str,
        duration: int,
        size: int,
        *,
        container: str = "mkv",
        resolution: str = "1080",
        video_codec: str = "h264",
        audio_codec: str = "ac3",
        channels: int = 6,
        streams: StreamSpec | None = None,
        analysed: bool = True,
    ) -> Media:
        w_, h_ = RES_DIMS.get(resolution, (1920, 1080))
        bitrate = max(1, int(size * 8 / max(duration, 1)))  # kbps (bytes*8 / ms)
        self._media_id += 1
        self._part_id += 1
        spec = streams or StreamSpec()
        part = Part(
            id=self._part_id,
            file=path,
            size=size,
            container=container,
            duration=duration,
            streams=self._streams(spec, (video_codec, w_, h_), audio_codec, channels),
        )
        return Media(
            id=self._media_id,
            duration=duration,
            bitrate=bitrate,
            container=container,
            audio_codec=audio_codec,
            audio_channels=channels,
            video_codec=video_codec,
            video_resolution=resolution,
            width=w_,
            height=h_,
            parts=[part],
            analysed=analysed,
        )

    def audio_media(self, path: str, duration: int, container: str, bitrate: int) -> Media:
        codec = AUDIO_FORMATS.get(container, (container, container))[0]
        self._media_id += 1
        self._part_id += 1
        size = bitrate * duration // 8  # kbps * ms / 8 = bytes
        self._stream_id += 1
        st = Stream(id=self._stream_id, stream_type=2, codec=codec, index=0, default=True, channels=2, bitrate=bitrate)
        cont = "mp4" if container == "alac" else container
        part = Part(id=self._part_id, file=path, size=size, container=cont, duration=duration, streams=[st])
        return Media(
            id=self._media_id,
            duration=duration,
            bitrate=bitrate,
            container=cont,
            audio_codec=codec,
            audio_channels=2,
            parts=[part],
        )

    def add_movie(
        self,
        server: PlexServer,
        section: Section,
        title: str,
        year: int,
        released: str,
        added_at: int,
        media: list[Media],
        guids: dict[str, str] | None = None,
        genres: list[str] | None = None,
    ) -> Item:
        dur = media[0].duration if media else None
        return self._new_item(
            server,
            "movie",
            title,
            section,
            added_at,
            year=year,
            originally_available_at=released,
            duration=dur,
            media=media,
            guids=guids or {},
            genres=genres or [],
        )

    def add_show(
        self,
        server: PlexServer,
        section: Section,
        title: str,
        year: int,
        released: str,
        added_at: int,
        guids: dict[str, str] | None = None,
    ) -> Item:
        return self._new_item(
            server, "show", title, section, added_at, year=year, originally_available_at=released, guids=guids or {}
        )

    def add_season(self, server: PlexServer, show: Item, index: int, added_at: int) -> Item:
        sec = server.section(show.section_id)
        assert sec is not None
        return self._new_item(
            server, "season", f"Season {index}", sec, added_at, parent=show, index=index, year=show.year
        )

    def add_episode(
        self, server: PlexServer, season: Item, index: int, title: str, released: str, added_at: int, media: list[Media]
    ) -> Item:
        sec = server.section(season.section_id)
        assert sec is not None
        return self._new_item(
            server,
            "episode",
            title,
            sec,
            added_at,
            parent=season,
            index=index,
            year=int(released[:4]),
            originally_available_at=released,
            duration=media[0].duration if media else None,
            media=media,
        )

    def add_artist(self, server: PlexServer, section: Section, name: str, added_at: int) -> Item:
        return self._new_item(server, "artist", name, section, added_at)

    def add_album(self, server: PlexServer, artist: Item, title: str, year: int, added_at: int) -> Item:
        sec = server.section(artist.section_id)
        assert sec is not None
        return self._new_item(
            server, "album", title, sec, added_at, parent=artist, year=year, originally_available_at=f"{year}-01-01"
        )

    def add_track(
        self,
        server: PlexServer,
        album: Item,
        index: int,
        title: str,
        added_at: int,
        media: list[Media],
        original_title: str | None = None,
    ) -> Item:
        sec = server.section(album.section_id)
        assert sec is not None
        return self._new_item(
            server,
            "track",
            title,
            sec,
            added_at,
            parent=album,
            index=index,
            duration=media[0].duration if media else None,
            media=media,
            original_title=original_title,
            year=album.year,
        )

    # ---------------------------------------------------------------- watch state
    def watch(
        self, server: PlexServer, item: Item, account_id: int, at: int, device_id: int = 1, *, history: bool = True
    ) -> None:
        """A completed view: the account's view count and last view, and a history row unless
        ``history`` is false (PMS's ``/:/scrobble``, "mark as played", writes no history)."""
        vc, last = server.views.setdefault(item.id, {}).get(account_id, (0, 0))
        server.views[item.id][account_id] = (vc + 1, max(last, at))
        # A completed view clears the account's resume point.
        server.progress.get(item.id, {}).pop(account_id, None)
        if not history:
            return
        parent = item.parent
        gp = parent.parent if parent is not None else None
        server.history.append(
            HistoryEntry(
                id=self._history_id,
                item_id=item.id,
                account_id=account_id,
                viewed_at=at,
                device_id=device_id,
                section_id=item.section_id,
                title=item.title,
                type=item.type,
                grandparent_title=gp.title if gp is not None else None,
                parent_title=parent.title if parent is not None else None,
                index=item.index,
                parent_index=parent.index if parent is not None else None,
            )
        )
        self._history_id += 1

    def progress(self, server: PlexServer, item: Item, account_id: int, offset_ms: int, at: int) -> None:
        """A view stopped part way: ``viewOffset`` and ``lastViewedAt`` for the account, no history row."""
        server.progress.setdefault(item.id, {})[account_id] = (offset_ms, at)

    # ---------------------------------------------------------------- jellyfin
    def new_jellyfin(self, name: str = "Jellyfin", version: str = "10.11.5") -> JellyfinServer:
        w = self.world
        jf = JellyfinServer(
            server_id=hex_id("jf-server", w.seed), name=name, version=version, api_keys=[hex_id("jf-apikey", w.seed)]
        )
        w.jellyfin = jf
        return jf

    def add_jellyfin_user(
        self, name: str, *, admin: bool = False, can_delete: bool | None = None, password: str = ""
    ) -> JellyfinUser:
        jf = self.world.jellyfin
        assert jf is not None
        u = JellyfinUser(
            id=hex_id("jf-user", self.world.seed, name),
            name=name,
            is_admin=admin,
            can_delete=admin if can_delete is None else can_delete,
            token=hex_id("jf-token", self.world.seed, name),
            password=password,
        )
        jf.users.append(u)
        return u

    def mirror_to_jellyfin(self, server: PlexServer, max_tracks: int | None = None) -> None:
        """Copy a Plex server's libraries to Jellyfin (new ids, own state)."""
        jf = self.world.jellyfin
        assert jf is not None
        tracks = 0
        for sec in server.sections:
            coll = {"movie": "movies", "show": "tvshows", "artist": "music"}[sec.type]
            lib_id = hex_id("jf-lib", self.world.seed, server.name, sec.id)
            jf.libraries.append((lib_id, sec.title, coll))

            def copy(it: Item, parent: Item | None, lib_id: str = lib_id) -> Item | None:
                nonlocal tracks
                if it.type == "track":
                    if max_tracks is not None and tracks >= max_tracks:
                        return None
                    tracks += 1
                new = Item(
                    id=it.id,
                    type=it.type,
                    title=it.title,
                    section_id=it.section_id,
                    added_at=it.added_at,
                    updated_at=it.updated_at,
                    year=it.year,
                    originally_available_at=it.originally_available_at,
                    duration=it.duration,
                    index=it.index,
                    parent=parent,
                    media=it.media,
                    guids=it.guids,
                    genres=it.genres,
                    original_title=it.original_title,
                    poster=it.poster,
                    jf_id=hex_id("jf-item", self.world.seed, server.name, it.id),
                )
                it.jf_id = new.jf_id
                assert new.jf_id is not None
                jf.items[new.jf_id] = new
                jf.order.append(new)
                jf.library_of[new.jf_id] = lib_id
                for c in it.children:
                    cc = copy(c, new)
                    if cc is not None:
                        new.children.append(cc)
                return new

            for top in sec.items:
                copy(top, None)

    def _jf_data(self, item: Item, user_id: str) -> JfUserData:
        jf = self.world.jellyfin
        assert jf is not None
        assert item.jf_id is not None
        return jf.user_data.setdefault(item.jf_id, {}).setdefault(user_id, JfUserData())

    def jf_play(self, item: Item, user_id: str, at: int, favorite: bool = False) -> None:
        """A completed play: PlayCount + 1, LastPlayedDate, Played (and no resume point)."""
        self.jf_stopped(item, user_id, at, 0)
        d = self._jf_data(item, user_id)
        d.favorite = d.favorite or favorite
        d.played = True

    def jf_stopped(self, item: Item, user_id: str, at: int, position_ticks: int) -> None:
        """A play stopped part way: Jellyfin's playback start counted and dated it and cleared
        ``Played``; the stop left the position (``PlaybackPositionTicks``)."""
        d = self._jf_data(item, user_id)
        d.play_count += 1
        d.last_played = max(d.last_played, at)
        d.played, d.position_ticks = False, position_ticks

    def jf_state(
        self,
        item: Item,
        user_id: str,
        *,
        played: bool | None = None,
        last_played: int | None = None,
        position_ticks: int | None = None,
        play_count: int | None = None,
    ) -> JfUserData:
        """Set a user's data as a client or plugin may (``POST /UserItems/{id}/UserData``): only the
        given fields change, so ``Played`` can be set without a ``LastPlayedDate``."""
        d = self._jf_data(item, user_id)
        if played is not None:
            d.played = played
        if last_played is not None:
            d.last_played = last_played
        if position_ticks is not None:
            d.position_ticks = max(0, position_ticks)
        if play_count is not None:
            d.play_count = max(0, play_count)
        return d

    def new_seerr(self) -> Seerr:
        s = Seerr(api_key=token_for("seerr", self.world.seed) + token_for("seerr2", self.world.seed))
        self.world.seerr = s
        return s
