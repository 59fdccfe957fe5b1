"""In-memory world model shared by every simulated service.

A :class:`World` holds one plex.tv account (with friends and home users), any number of Plex
Media Servers, one Jellyfin server and one Jellyseerr instance. Items are plain slotted objects;
the services render them to wire format lazily and cache the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Plex metadata type numbers (the `type=` query parameter).
PLEX_TYPE_NUM: dict[str, int] = {
    "movie": 1,
    "show": 2,
    "season": 3,
    "episode": 4,
    "artist": 8,
    "album": 9,
    "track": 10,
}
PLEX_NUM_TYPE: dict[int, str] = {v: k for k, v in PLEX_TYPE_NUM.items()}

# Top level item type of each section type.
SECTION_TOP: dict[str, str] = {"movie": "movie", "show": "show", "artist": "artist"}


@dataclass(slots=True)
class Stream:
    id: int
    stream_type: int  # 1 video, 2 audio, 3 subtitle
    codec: str
    index: int
    language_code: str | None = None  # ISO-639-2/B as Plex writes it ("ger", "fre")
    default: bool = False
    forced: bool = False
    channels: int | None = None
    bitrate: int | None = None
    external: bool = False
    hearing_impaired: bool = False
    title: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(slots=True)
class Part:
    id: int
    file: str
    size: int
    container: str
    duration: int
    streams: list[Stream] = field(default_factory=list)


@dataclass(slots=True)
class Media:
    id: int
    duration: int
    bitrate: int
    container: str
    audio_codec: str
    audio_channels: int
    video_codec: str | None = None
    video_resolution: str | None = None
    width: int | None = None
    height: int | None = None
    parts: list[Part] = field(default_factory=list)
    # False: the server has not analysed the file yet (Plex's media analysis, Jellyfin's ffprobe): the
    # file has its streams, but the servers show none of them, nor what analysis measures (duration,
    # bitrate, codecs; Jellyfin: size) until it is analysed (``/_admin/items/analysis``).
    analysed: bool = True


@dataclass(slots=True)
class Item:
    """One library item (movie, show, season, episode, artist, album, track)."""

    id: int  # Plex ratingKey (int; rendered as a string)
    type: str
    title: str
    section_id: int
    added_at: int
    updated_at: int
    year: int | None = None
    originally_available_at: str | None = None  # YYYY-MM-DD
    duration: int | None = None  # ms
    index: int | None = None
    parent: Item | None = None
    children: list[Item] = field(default_factory=list)
    media: list[Media] = field(default_factory=list)
    guids: dict[str, str] = field(default_factory=dict)  # {"tmdb": "603", "imdb": "tt..."}
    genres: list[str] = field(default_factory=list)
    original_title: str | None = None  # per-track artist for compilations
    jf_id: str | None = None  # Jellyfin 32-hex id when mirrored on Jellyfin
    deleted: bool = False
    poster: bool = True  # the server has artwork for it (Plex thumb, Jellyfin Primary image)

    @property
    def grandparent(self) -> Item | None:
        return self.parent.parent if self.parent is not None else None

    def leaves(self) -> list[Item]:
        if not self.children:
            return [self] if self.type in ("movie", "episode", "track") else []
        out: list[Item] = []
        for c in self.children:
            if not c.deleted:
                out.extend(c.leaves())
        return out


@dataclass(slots=True)
class HistoryEntry:
    id: int
    item_id: int
    account_id: int  # PMS-local account id (owner = 1)
    viewed_at: int
    device_id: int
    section_id: int
    # Snapshot so rows survive the deletion of their item (then key/ratingKey are dropped).
    title: str = ""
    type: str = ""
    grandparent_title: str | None = None
    parent_title: str | None = None
    index: int | None = None
    parent_index: int | None = None


@dataclass(slots=True)
class Section:
    id: int
    type: str  # movie | show | artist
    title: str
    agent: str
    scanner: str
    language: str
    uuid: str
    location: str
    created_at: int
    items: list[Item] = field(default_factory=list)  # top level items


@dataclass(slots=True)
class PlexUser:
    """A plex.tv user: the owner, a friend or a managed home user."""

    id: int  # plex.tv id
    uuid: str
    username: str
    title: str
    email: str
    token: str
    home: bool = False
    restricted: bool = False
    guest: bool = False
    admin: bool = False
    friend: bool = False
    thumb: str = ""


@dataclass(slots=True)
class PlexServer:
    name: str  # slug used in the URL (/pms/{name})
    friendly_name: str
    machine_id: str
    version: str
    allow_media_deletion: bool
    created_at: int
    sections: list[Section] = field(default_factory=list)
    items: dict[int, Item] = field(default_factory=dict)  # every item by ratingKey
    # views[item_id][account_id] = (viewCount, lastViewedAt)
    views: dict[int, dict[int, tuple[int, int]]] = field(default_factory=dict)
    # Partly watched: progress[item_id][account_id] = (viewOffset ms, lastViewedAt of that viewing).
    # PMS keeps both per account; history only gets a row once a view completes.
    progress: dict[int, dict[int, tuple[int, int]]] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    # Server access tokens: token -> PMS-local account id (owner = 1)
    tokens: dict[str, int] = field(default_factory=dict)
    # PMS-local accounts: id -> name
    accounts: dict[int, str] = field(default_factory=dict)
    webhooks: list[str] = field(default_factory=list)
    next_id: int = 1_000_000

    def section(self, sid: int) -> Section | None:
        for s in self.sections:
            if s.id == sid:
                return s
        return None


@dataclass(slots=True)
class JellyfinUser:
    id: str
    name: str
    is_admin: bool
    can_delete: bool
    token: str
    password: str = ""


@dataclass(slots=True)
class JfUserData:
    """One user's data for one item (Jellyfin's ``UserItemData``). ``played`` is its own flag: a client
    or plugin may set it without a ``LastPlayedDate`` (``last_played`` 0), and a playback start sets
    ``PlayCount``/``LastPlayedDate`` while clearing ``Played`` until the play completes."""

    play_count: int = 0
    last_played: int = 0  # epoch seconds, 0 = no LastPlayedDate
    favorite: bool = False
    played: bool = False
    position_ticks: int = 0  # PlaybackPositionTicks (> 0: resumable)


@dataclass(slots=True)
class JellyfinServer:
    server_id: str
    name: str
    version: str
    api_keys: list[str]
    users: list[JellyfinUser] = field(default_factory=list)
    libraries: list[tuple[str, str, str]] = field(default_factory=list)  # (id, name, CollectionType)
    items: dict[str, Item] = field(default_factory=dict)  # by jf_id
    order: list[Item] = field(default_factory=list)  # stable listing order
    library_of: dict[str, str] = field(default_factory=dict)  # item jf_id -> library id
    # user_data[item jf_id][user id]
    user_data: dict[str, dict[str, JfUserData]] = field(default_factory=dict)
    legacy_auth: bool = True
    delete_status_for_api_key: int = 204  # 10.7/10.8 answered 500 for some API-key deletes
    # Where this server sees the files another server holds: ("/data", "/media") = a Plex file
    # "/data/movies/x.mkv" is "/media/movies/x.mkv" here (two containers mounting one disk).
    mount: tuple[str, str] | None = None

    def path(self, file: str) -> str:
        if self.mount is not None and (file == self.mount[0] or file.startswith(self.mount[0] + "/")):
            return self.mount[1] + file[len(self.mount[0]) :]
        return file


@dataclass(slots=True)
class SeerrUser:
    id: int
    display_name: str
    email: str
    user_type: int  # 1 plex, 2 local, 3 jellyfin
    permissions: int
    plex_id: int | None = None
    plex_username: str | None = None
    jellyfin_user_id: str | None = None
    jellyfin_username: str | None = None
    created_at: str = "2024-01-01T00:00:00.000Z"


@dataclass(slots=True)
class SeerrMedia:
    id: int
    media_type: str  # movie | tv
    tmdb_id: int
    tvdb_id: int | None
    imdb_id: str | None
    status: int
    status4k: int
    created_at: str
    updated_at: str
    media_added_at: str | None
    rating_key: str | None
    jellyfin_media_id: str | None
    title: str  # only served via /movie/{tmdbId} or /tv/{tmdbId}
    release_date: str | None
    seasons: list[int] = field(default_factory=list)


@dataclass(slots=True)
class SeerrRequest:
    id: int
    status: int
    media_id: int
    type: str
    is4k: bool
    requested_by: int
    modified_by: int | None
    created_at: str
    updated_at: str
    seasons: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Seerr:
    api_key: str
    version: str = "2.7.3"
    users: list[SeerrUser] = field(default_factory=list)
    media: dict[int, SeerrMedia] = field(default_factory=dict)
    requests: list[SeerrRequest] = field(default_factory=list)


@dataclass(slots=True)
class Pin:
    id: int
    code: str
    client_id: str
    product: str
    created_at: int
    expires_in: int
    auth_token: str | None = None
    user_id: int | None = None


@dataclass(slots=True)
class PlexTv:
    owner: PlexUser
    users: list[PlexUser] = field(default_factory=list)  # friends + home users (not the owner)
    pins: dict[int, Pin] = field(default_factory=dict)
    next_pin: int = 912_000_000
    home_name: str = "Home"

    def by_token(self, token: str | None) -> PlexUser | None:
        if not token:
            return None
        if token == self.owner.token:
            return self.owner
        for u in self.users:
            if u.token == token:
                return u
        return None


@dataclass(slots=True)
class World:
    seed: int
    now: int  # the world's "current" epoch seconds (dates are relative to it)
    plextv: PlexTv
    plex_servers: list[PlexServer] = field(default_factory=list)
    jellyfin: JellyfinServer | None = None
    seerr: Seerr | None = None
    # Planted cases for later assertions (duplicates, near duplicates, multi-version, ...).
    planted: dict[str, Any] = field(default_factory=dict)
    # Faults declared by a scenario (applied when the app is built).
    faults: list[dict[str, Any]] = field(default_factory=list)
    # Real-server pace per service: {"pms:home": {"pace_ms": 150, "max_in_flight": 4}}
    pace: dict[str, dict[str, int]] = field(default_factory=dict)

    def pms(self, name: str) -> PlexServer | None:
        for s in self.plex_servers:
            if s.name == name:
                return s
        return None

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seed": self.seed, "plex_servers": {}}
        for s in self.plex_servers:
            counts: dict[str, int] = {}
            for it in s.items.values():
                if not it.deleted:
                    counts[it.type] = counts.get(it.type, 0) + 1
            out["plex_servers"][s.name] = {"items": counts, "history": len(s.history)}
        if self.jellyfin:
            jc: dict[str, int] = {}
            for it in self.jellyfin.items.values():
                if not it.deleted:
                    jc[it.type] = jc.get(it.type, 0) + 1
            out["jellyfin"] = {"items": jc, "users": len(self.jellyfin.users)}
        if self.seerr:
            out["jellyseerr"] = {"requests": len(self.seerr.requests), "media": len(self.seerr.media)}
        return out
