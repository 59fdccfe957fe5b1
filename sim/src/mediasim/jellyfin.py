"""Jellyfin server (10.8 - 10.11 behaviour): PascalCase JSON, nulls omitted, 32-hex ids."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.responses import Response

from mediasim.builder import LANGS, hex_id
from mediasim.core import Ctx, Service, SimState, cache_key
from mediasim.images import poster_png
from mediasim.model import Item, JellyfinServer, JellyfinUser, JfUserData
from mediasim.wire import iso_dotnet

JF_TYPE = {
    "movie": "Movie",
    "show": "Series",
    "season": "Season",
    "episode": "Episode",
    "artist": "MusicArtist",
    "album": "MusicAlbum",
    "track": "Audio",
}
FOLDER = {"Series", "Season", "MusicArtist", "MusicAlbum"}
TICKS = 10_000  # per ms
_PAIR = re.compile(r'(\w+)="([^"]*)"')


_M128 = (1 << 128) - 1


def _h32(n: int, salt: int = 1) -> str:
    """Cheap stable 32-hex tag (etags, image tags) derived from an integer."""
    return f"{(n * 0x9E3779B97F4A7C15F39CC0605CEDC835 + salt) & _M128:032x}"


def _norm_id(s: str) -> str:
    return s.replace("-", "").lower()


_NO_DATA = JfUserData()


class JellyfinService(Service):
    name = "jellyfin"
    case_insensitive = True

    def __init__(self, state: SimState, jf: JellyfinServer) -> None:
        super().__init__()
        self.state = state
        self.jf = jf
        a = self.add
        a("GET", "/System/Info/Public", self.info_public)
        a("GET", "/System/Info", self.info)
        a("GET", "/System/Ping", self.ping)
        a("POST", "/System/Ping", self.ping)
        a("GET", "/Users", self.users)
        a("GET", "/Users/Public", self.users_public)
        a("GET", "/Users/Me", self.me)
        a("POST", "/Users/AuthenticateByName", self.authenticate)
        a("GET", "/Users/{uid}", self.user)
        a("GET", "/Items", self.items)
        a("DELETE", "/Items", self.delete_many)
        a("GET", "/Items/{iid}", self.item)
        a("DELETE", "/Items/{iid}", self.delete)
        a("GET", "/Items/{iid}/Images/{itype}", self.image)
        a("GET", "/Users/{uid}/Items", self.items)
        a("GET", "/Users/{uid}/Items/{iid}", self.item)
        a("GET", "/Users/{uid}/Views", self.views)
        a("GET", "/UserViews", self.views)
        a("GET", "/Library/MediaFolders", self.media_folders)
        a("GET", "/Library/VirtualFolders", self.virtual_folders)
        a("GET", "/Shows/{sid}/Seasons", self.seasons)
        a("GET", "/Shows/{sid}/Episodes", self.episodes)
        a("GET", "/System/ActivityLog/Entries", self.activity_log)
        a("GET", "/UserItems/{iid}/UserData", self.user_data)
        a("GET", "/Users/{uid}/Items/{iid}/UserData", self.user_data)
        a("POST", "/UserItems/{iid}/UserData", self.update_user_data)
        a("POST", "/UserPlayedItems/{iid}", self.mark_played)
        a("DELETE", "/UserPlayedItems/{iid}", self.mark_unplayed)
        a("POST", "/Users/{uid}/PlayedItems/{iid}", self.mark_played)
        a("DELETE", "/Users/{uid}/PlayedItems/{iid}", self.mark_unplayed)

    @property
    def v108(self) -> bool:
        return self.jf.version.startswith("10.8")

    def error(self, status: int, ctx: Ctx | None = None) -> Response:
        if status == 401:
            return Response(b"", status_code=401)
        if status == 404:
            return Response(b"", status_code=404)
        body = orjson.dumps(
            {
                "type": "https://tools.ietf.org/html/rfc9110#section-15.6.1",
                "title": "An error occurred while processing your request.",
                "status": status,
            }
        )
        return Response(body, status_code=status, media_type="application/problem+json")

    def _json(self, obj: Any, status: int = 200) -> Response:
        return Response(orjson.dumps(obj), status_code=status, media_type="application/json; charset=utf-8")

    # ------------------------------------------------------------------ auth
    def _q(self, ctx: Ctx) -> dict[str, str]:
        return {k.lower(): v for k, v in ctx.request.query_params.items()}

    def auth(self, ctx: Ctx) -> tuple[bool, JellyfinUser | None] | None:
        """(is_api_key, user) or None when unauthenticated."""
        h = ctx.request.headers
        q = self._q(ctx)
        token: str | None = None
        legacy = self.jf.legacy_auth
        for hdr in ("authorization", "x-emby-authorization") if legacy else ("authorization",):
            val = h.get(hdr)
            if val:
                scheme, _, rest = val.partition(" ")
                if scheme.lower() == "mediabrowser" or (legacy and scheme.lower() == "emby"):
                    pairs = dict(_PAIR.findall(rest))
                    token = pairs.get("Token") or pairs.get("token")
                    if token:
                        break
        if token is None and legacy:
            token = h.get("x-emby-token") or h.get("x-mediabrowser-token") or q.get("api_key")
        if token is None:
            token = q.get("apikey")
        if not token:
            return None
        if token in self.jf.api_keys:
            return True, None
        for u in self.jf.users:
            if u.token == token:
                return False, u
        return None

    def _user_ctx(self, ctx: Ctx, auth: tuple[bool, JellyfinUser | None]) -> JellyfinUser | Response | None:
        """The user whose data to show: path uid > query userId > token user. 403 for foreign ids."""
        q = self._q(ctx)
        uid = ctx.params.get("uid") or q.get("userid")
        is_key, me = auth
        if uid:
            u = self._find_user(uid)
            if u is None:
                return self.error(404 if ctx.params.get("uid") else 400, ctx)
            if not is_key and me is not None and me.id != u.id and not me.is_admin:
                return Response(b"Forbidden", status_code=403)
            return u
        return me

    def _find_user(self, uid: str) -> JellyfinUser | None:
        nid = _norm_id(uid)
        return next((u for u in self.jf.users if u.id == nid), None)

    # ------------------------------------------------------------------ system / users
    def _public_info(self, ctx: Ctx) -> dict[str, Any]:
        return {
            "LocalAddress": str(ctx.request.base_url).rstrip("/") + "/jellyfin",
            "ServerName": self.jf.name,
            "Version": self.jf.version,
            "ProductName": "Jellyfin Server",
            "OperatingSystem": "",
            "Id": self.jf.server_id,
            "StartupWizardCompleted": True,
        }

    async def info_public(self, ctx: Ctx) -> Response:
        return self._json(self._public_info(ctx))

    async def ping(self, ctx: Ctx) -> Response:
        return Response(b'"Jellyfin Server"', media_type="application/json")

    async def info(self, ctx: Ctx) -> Response:
        if self.auth(ctx) is None:
            return self.error(401)
        d = self._public_info(ctx)
        d.update(
            {
                "OperatingSystemDisplayName": "Linux",
                "PackageName": "jellyfin-server",
                "HasPendingRestart": False,
                "IsShuttingDown": False,
                "SupportsLibraryMonitor": True,
                "WebSocketPortNumber": 8096,
                "CompletedInstallations": [],
                "CanSelfRestart": True,
                "CanLaunchWebBrowser": False,
                "ProgramDataPath": "/config",
                "WebPath": "/jellyfin/jellyfin-web",
                "ItemsByNamePath": "/config/metadata",
                "CachePath": "/cache",
                "LogPath": "/config/log",
                "InternalMetadataPath": "/config/metadata",
                "TranscodingTempPath": "/cache/transcodes",
                "CastReceiverApplications": [],
                "HasUpdateAvailable": False,
                "EncoderLocation": "System",
                "SystemArchitecture": "X64",
            }
        )
        if self.v108:
            del d["CastReceiverApplications"]
        return self._json(d)

    def user_dto(self, u: JellyfinUser) -> dict[str, Any]:
        now = self.state.world.now
        d: dict[str, Any] = {
            "Name": u.name,
            "ServerId": self.jf.server_id,
            "Id": u.id,
            "HasPassword": bool(u.password),
            "HasConfiguredPassword": bool(u.password),
            "HasConfiguredEasyPassword": False,
            "EnableAutoLogin": False,
            "LastLoginDate": iso_dotnet(now - 86400),
            "LastActivityDate": iso_dotnet(now - 3600),
            "Configuration": {
                "PlayDefaultAudioTrack": True,
                "SubtitleLanguagePreference": "",
                "DisplayMissingEpisodes": False,
                "GroupedFolders": [],
                "SubtitleMode": "Default",
                "DisplayCollectionsView": False,
                "EnableLocalPassword": False,
                "OrderedViews": [],
                "LatestItemsExcludes": [],
                "MyMediaExcludes": [],
                "HidePlayedInLatest": True,
                "RememberAudioSelections": True,
                "RememberSubtitleSelections": True,
                "EnableNextEpisodeAutoPlay": True,
            },
            "Policy": {
                "IsAdministrator": u.is_admin,
                "IsHidden": False,
                "EnableCollectionManagement": False,
                "EnableSubtitleManagement": False,
                "EnableLyricManagement": False,
                "IsDisabled": False,
                "BlockedTags": [],
                "AllowedTags": [],
                "EnableUserPreferenceAccess": True,
                "AccessSchedules": [],
                "BlockUnratedItems": [],
                "EnableRemoteControlOfOtherUsers": u.is_admin,
                "EnableSharedDeviceControl": True,
                "EnableRemoteAccess": True,
                "EnableLiveTvManagement": u.is_admin,
                "EnableLiveTvAccess": True,
                "EnableMediaPlayback": True,
                "EnableAudioPlaybackTranscoding": True,
                "EnableVideoPlaybackTranscoding": True,
                "EnablePlaybackRemuxing": True,
                "ForceRemoteSourceTranscoding": False,
                "EnableContentDeletion": u.can_delete,
                "EnableContentDeletionFromFolders": [],
                "EnableContentDownloading": True,
                "EnableSyncTranscoding": True,
                "EnableMediaConversion": True,
                "EnabledDevices": [],
                "EnableAllDevices": True,
                "EnabledChannels": [],
                "EnableAllChannels": True,
                "EnabledFolders": [],
                "EnableAllFolders": True,
                "InvalidLoginAttemptCount": 0,
                "LoginAttemptsBeforeLockout": -1,
                "MaxActiveSessions": 0,
                "EnablePublicSharing": True,
                "BlockedMediaFolders": [],
                "BlockedChannels": [],
                "RemoteClientBitrateLimit": 0,
                "AuthenticationProviderId": "Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider",
                "PasswordResetProviderId": "Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider",
                "SyncPlayAccess": "CreateAndJoinGroups",
            },
        }
        if self.v108:  # fields added in 10.9
            for k in ("AllowedTags", "EnableCollectionManagement", "EnableLyricManagement", "EnableSubtitleManagement"):
                del d["Policy"][k]
        return d

    async def users(self, ctx: Ctx) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        is_key, me = a
        users = self.jf.users if is_key or (me and me.is_admin) else [me] if me else []
        return self._json([self.user_dto(u) for u in users])

    async def users_public(self, ctx: Ctx) -> Response:
        return self._json([])

    async def me(self, ctx: Ctx) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        if a[1] is None:
            return Response(b"", status_code=400)
        return self._json(self.user_dto(a[1]))

    async def user(self, ctx: Ctx) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        u = self._find_user(ctx.params["uid"])
        if u is None:
            return self.error(404)
        return self._json(self.user_dto(u))

    async def authenticate(self, ctx: Ctx) -> Response:
        try:
            body = orjson.loads(await ctx.request.body())
        except orjson.JSONDecodeError:
            return Response(b"", status_code=400)
        name = str(body.get("Username") or body.get("username") or "")
        pw = str(body.get("Pw") or body.get("pw") or body.get("Password") or "")
        u = next((x for x in self.jf.users if x.name.lower() == name.lower()), None)
        if u is None or u.password != pw:
            return Response(b"Error processing request.", status_code=401)
        session = {
            "PlayState": {"CanSeek": False, "IsPaused": False, "IsMuted": False, "RepeatMode": "RepeatNone"},
            "AdditionalUsers": [],
            "Id": hex_id("session", u.id),
            "UserId": u.id,
            "UserName": u.name,
            "Client": "simulated",
            "DeviceName": "simulated",
            "DeviceId": "sim",
            "ApplicationVersion": "1.0",
            "IsActive": True,
            "SupportsMediaControl": False,
            "SupportsRemoteControl": False,
            "HasCustomDeviceName": False,
            "ServerId": self.jf.server_id,
            "PlayableMediaTypes": [],
            "SupportedCommands": [],
            "LastActivityDate": iso_dotnet(time.time()),
        }
        return self._json(
            {"User": self.user_dto(u), "SessionInfo": session, "AccessToken": u.token, "ServerId": self.jf.server_id}
        )

    # ------------------------------------------------------------------ items
    def _ud(self, it: Item, user_id: str) -> JfUserData:
        return self.jf.user_data.get(it.jf_id or "", {}).get(user_id) or _NO_DATA

    def _userdata(self, it: Item, user: JellyfinUser) -> dict[str, Any]:
        jid = it.jf_id or ""
        if it.type in ("movie", "episode", "track"):
            u = self._ud(it, user.id)
            d: dict[str, Any] = {
                "PlaybackPositionTicks": u.position_ticks,
                "PlayCount": u.play_count,
                "IsFavorite": u.favorite,
                "Played": u.played,
            }
            runtime = (it.duration or 0) * 10_000
            if u.position_ticks and runtime:
                d["PlayedPercentage"] = round(100.0 * u.position_ticks / runtime, 2)
            if u.last_played:
                d["LastPlayedDate"] = iso_dotnet(u.last_played)
            d["Key"] = jid
            d["ItemId"] = jid
            return d
        leaves = [x for x in self._leaves(it)]
        played = sum(1 for x in leaves if self._ud(x, user.id).played)
        d = {
            "UnplayedItemCount": len(leaves) - played,
            "PlaybackPositionTicks": 0,
            "PlayCount": 0,
            "IsFavorite": False,
            "Played": bool(leaves) and played == len(leaves),
            "Key": jid,
            "ItemId": jid,
        }
        if leaves:
            d["PlayedPercentage"] = round(100.0 * played / len(leaves), 2)
        return d

    def _leaves(self, it: Item) -> list[Item]:
        if it.type in ("movie", "episode", "track"):
            return [] if it.deleted else [it]
        out: list[Item] = []
        for c in it.children:
            if not c.deleted:
                out.extend(self._leaves(c))
        return out

    def _stream(self, s: Any, idx: int, container: str) -> dict[str, Any]:
        typ = {1: "Video", 2: "Audio", 3: "Subtitle"}[s.stream_type]
        d: dict[str, Any] = {"Codec": s.codec}
        lang = s.language_code
        if lang:
            # Jellyfin reports the file's own tag: Matroska files carry ISO 639-2/B (fre, ger), MP4
            # files ISO 639-2/T (fra, deu); an embedded stream of an MP4 is tagged the MP4 way.
            mp4 = container == "mp4" and not s.external
            d["Language"] = LANGS[lang][2] if mp4 and lang in LANGS else lang
        name = LANGS.get(lang or "", ("", "", ""))[0] if lang and lang != "und" else None
        if typ == "Video":
            d.update(
                {
                    "TimeBase": "1/1000",
                    "VideoRange": "SDR",
                    "VideoRangeType": "SDR",
                    "AudioSpatialFormat": "None",
                    "DisplayTitle": f"{s.height}p {s.codec.upper()} SDR",
                    "IsInterlaced": False,
                    "IsAVC": s.codec == "h264",
                    "BitDepth": 8,
                    "RefFrames": 1,
                    "IsDefault": True,
                    "IsForced": False,
                    "IsHearingImpaired": False,
                    "Height": s.height,
                    "Width": s.width,
                    "AverageFrameRate": 23.976,
                    "RealFrameRate": 23.976,
                    "Profile": "High",
                    "Type": "Video",
                    "AspectRatio": "16:9",
                    "Index": idx,
                    "IsExternal": False,
                    "IsTextSubtitleStream": False,
                    "SupportsExternalStream": False,
                    "PixelFormat": "yuv420p",
                    "Level": 41,
                }
            )
        elif typ == "Audio":
            layout = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}.get(s.channels or 2, "stereo")
            d.update(
                {
                    "TimeBase": "1/1000",
                    "VideoRange": "Unknown",
                    "VideoRangeType": "Unknown",
                    "AudioSpatialFormat": "None",
                    "LocalizedDefault": "Default",
                    "LocalizedExternal": "External",
                    "DisplayTitle": f"{name or 'Unknown'} - {s.codec.upper()} - {layout}"
                    + (" - Default" if s.default else ""),
                    "IsInterlaced": False,
                    "IsAVC": False,
                    "ChannelLayout": layout,
                    "Channels": s.channels or 2,
                    "SampleRate": 48000,
                    "IsDefault": s.default,
                    "IsForced": False,
                    "IsHearingImpaired": False,
                    "Type": "Audio",
                    "Index": idx,
                    "IsExternal": False,
                    "IsTextSubtitleStream": False,
                    "SupportsExternalStream": False,
                    "Level": 0,
                }
            )
            if s.bitrate:
                d["BitRate"] = s.bitrate * 1000
        else:
            d.update(
                {
                    "TimeBase": "1/1000",
                    "VideoRange": "Unknown",
                    "VideoRangeType": "Unknown",
                    "AudioSpatialFormat": "None",
                    "LocalizedUndefined": "Undefined",
                    "LocalizedDefault": "Default",
                    "LocalizedForced": "Forced",
                    "LocalizedExternal": "External",
                    "DisplayTitle": f"{name or 'Undefined'}{' - Forced' if s.forced else ''} - {s.codec.upper()}"
                    + (" - External" if s.external else ""),
                    "IsInterlaced": False,
                    "IsAVC": False,
                    "IsDefault": False,
                    "IsForced": s.forced,
                    "IsHearingImpaired": s.hearing_impaired,
                    "Type": "Subtitle",
                    "Index": idx,
                    "IsExternal": s.external,
                    "IsTextSubtitleStream": True,
                    "SupportsExternalStream": True,
                    "Level": 0,
                }
            )
            if s.external:
                d["DeliveryMethod"] = "External"
        if self.v108:  # fields added in 10.9
            d.pop("AudioSpatialFormat", None)
            d.pop("IsHearingImpaired", None)
        return d

    def _sources(self, it: Item) -> list[dict[str, Any]]:
        out = []
        for n, m in enumerate(it.media):
            pt = m.parts[0]
            streams = [self._stream(s, i, pt.container) for i, s in enumerate(pt.streams)] if m.analysed else []
            src: dict[str, Any] = {
                "Protocol": "File",
                "Id": it.jf_id if n == 0 else hex_id("jf-src", it.jf_id, m.id),
                "Path": self.jf.path(pt.file),
                "Type": "Default",
                "Container": pt.container,
                "Size": pt.size,
                "Name": pt.file.rsplit("/", 1)[-1].rsplit(".", 1)[0],
                "IsRemote": False,
                "ETag": _h32(pt.id),
                "RunTimeTicks": m.duration * TICKS,
                "ReadAtNativeFramerate": False,
                "IgnoreDts": False,
                "IgnoreIndex": False,
                "GenPtsInput": False,
                "SupportsTranscoding": True,
                "SupportsDirectStream": True,
                "SupportsDirectPlay": True,
                "IsInfiniteStream": False,
                "RequiresOpening": False,
                "RequiresClosing": False,
                "RequiresLooping": False,
                "SupportsProbing": True,
                "MediaStreams": streams,
                "MediaAttachments": [],
                "Formats": [],
                "Bitrate": m.bitrate * 1000,
                "RequiredHttpHeaders": {},
            }
            if m.video_codec:
                src["VideoType"] = "VideoFile"
            audio = [s["Index"] for s in streams if s["Type"] == "Audio"]
            if audio:
                src["DefaultAudioStreamIndex"] = audio[0]
            if not m.analysed:
                # Not probed yet: MediaStreams is empty and what ffprobe fills (Size, RunTimeTicks,
                # Bitrate) is null, which Jellyfin leaves out of its JSON.
                for key in ("Size", "RunTimeTicks", "Bitrate"):
                    src.pop(key)
            out.append(src)
        return out

    def item_dto(self, it: Item, user: JellyfinUser | None, fields: frozenset[str], userdata: bool) -> dict[str, Any]:
        t = JF_TYPE[it.type]
        jid = it.jf_id or ""
        d: dict[str, Any] = {"Name": it.title, "ServerId": self.jf.server_id, "Id": jid}
        if "etag" in fields:
            d["Etag"] = hex_id("etag", jid, it.updated_at)
        if "datecreated" in fields:
            d["DateCreated"] = iso_dotnet(it.added_at)
        if "datelastsaved" in fields:
            d["DateLastSaved"] = iso_dotnet(it.updated_at)
        if "candelete" in fields:
            d["CanDelete"] = user is None or user.can_delete
        if "sortname" in fields:
            d["SortName"] = it.title.lower()
        if it.originally_available_at:
            d["PremiereDate"] = f"{it.originally_available_at}T00:00:00.0000000Z"
        if "externalurls" in fields:
            d["ExternalUrls"] = []
        if "path" in fields and it.media:
            d["Path"] = self.jf.path(it.media[0].parts[0].file)
        elif "path" in fields and it.type in ("show", "artist", "album", "season"):
            d["Path"] = f"/media/{it.title}"
        if "overview" in fields:
            d["Overview"] = f"Simulated overview of {it.title}."
        if "mediasources" in fields and it.media:
            d["MediaSources"] = self._sources(it)
        if it.duration and (not it.media or any(m.analysed for m in it.media)):
            d["RunTimeTicks"] = it.duration * TICKS
        if it.year:
            d["ProductionYear"] = it.year
        if it.index is not None:
            d["IndexNumber"] = it.index
        p = it.parent
        if it.type == "episode" and p is not None and p.index is not None:
            d["ParentIndexNumber"] = p.index
        elif it.type == "track":
            d["ParentIndexNumber"] = 1
        if "providerids" in fields:
            d["ProviderIds"] = {k.capitalize(): v for k, v in it.guids.items()}
        d["IsFolder"] = t in FOLDER
        if "parentid" in fields and p is not None:
            d["ParentId"] = p.jf_id
        d["Type"] = t
        if "genres" in fields:
            d["Genres"] = list(it.genres)
        if user is not None and userdata:
            d["UserData"] = self._userdata(it, user)
        if t in FOLDER and "childcount" in fields:
            d["ChildCount"] = len([c for c in it.children if not c.deleted])
        if t == "Episode" and p is not None and p.parent is not None:
            d["SeriesName"] = p.parent.title
            d["SeriesId"] = p.parent.jf_id
            d["SeasonId"] = p.jf_id
            d["SeasonName"] = p.title
        if t == "Season" and p is not None:
            d["SeriesName"] = p.title
            d["SeriesId"] = p.jf_id
        if t in ("Audio", "MusicAlbum") and p is not None:
            artist = p.parent if t == "Audio" else p
            if t == "Audio":
                d["Album"] = p.title
                d["AlbumId"] = p.jf_id
            if artist is not None:
                d["AlbumArtist"] = artist.title
                d["AlbumArtists"] = [{"Name": artist.title, "Id": artist.jf_id}]
                d["Artists"] = [it.original_title or artist.title]
                d["ArtistItems"] = [{"Name": artist.title, "Id": artist.jf_id}]
        if "mediastreams" in fields and it.media:
            first = it.media[0].parts[0]
            shown = first.streams if it.media[0].analysed else []
            d["MediaStreams"] = [self._stream(s, i, first.container) for i, s in enumerate(shown)]
        d["ImageTags"] = {"Primary": _h32(int(jid[:15], 16) if jid else 0, 7)} if it.poster else {}
        d["BackdropImageTags"] = []
        d["LocationType"] = "FileSystem"
        d["MediaType"] = "Video" if t in ("Movie", "Episode") else "Audio" if t == "Audio" else "Unknown"
        return d

    def _fields(self, q: dict[str, str]) -> frozenset[str]:
        raw = q.get("fields", "")
        return frozenset(f.strip().lower() for f in raw.split(",") if f.strip())

    def _all_live(self) -> list[Item]:
        key = ("jf-live", self.state.version)
        v = self.state.extra.get(key)
        if v is None:
            v = [i for i in self.jf.order if not i.deleted]
            self.state.extra = {
                k: x for k, x in self.state.extra.items() if not (isinstance(k, tuple) and k[0] == "jf-live")
            }
            self.state.extra[key] = v
        return v

    def _select(self, q: dict[str, str], user: JellyfinUser | None) -> list[Item] | None:
        parent_id = _norm_id(q.get("parentid", ""))
        recursive = q.get("recursive", "false").lower() == "true"
        include = {t.strip().lower() for t in q.get("includeitemtypes", "").split(",") if t.strip()}
        exclude = {t.strip().lower() for t in q.get("excludeitemtypes", "").split(",") if t.strip()}
        ids = [_norm_id(x) for x in q.get("ids", "").split(",") if x.strip()]
        if ids:
            items = [self.jf.items[i] for i in ids if i in self.jf.items and not self.jf.items[i].deleted]
        elif parent_id:
            libs = {lid for lid, _, _ in self.jf.libraries}
            if parent_id in libs:
                if recursive:
                    items = [i for i in self._all_live() if self.jf.library_of.get(i.jf_id or "") == parent_id]
                else:
                    items = [
                        i
                        for i in self._all_live()
                        if i.parent is None and self.jf.library_of.get(i.jf_id or "") == parent_id
                    ]
            else:
                par = self.jf.items.get(parent_id)
                if par is None or par.deleted:
                    return None
                if recursive:
                    items = []
                    stack = list(reversed(par.children))
                    while stack:
                        c = stack.pop()
                        if c.deleted:
                            continue
                        items.append(c)
                        stack.extend(reversed(c.children))
                else:
                    items = [c for c in par.children if not c.deleted]
        elif recursive:
            items = self._all_live()
        else:
            return []  # root folder children are the views (served by /UserViews)
        if include:
            items = [i for i in items if JF_TYPE[i.type].lower() in include]
        if exclude:
            items = [i for i in items if JF_TYPE[i.type].lower() not in exclude]
        if q.get("mindatelastsaved"):
            saved_since = _parse_iso(q["mindatelastsaved"]) or 0.0  # items() refused an unreadable date
            items = [i for i in items if i.updated_at >= saved_since]
        # Each filter sets its own condition and all of them must hold (Jellyfin's ItemsController
        # sets one query flag per filter): "IsPlayed,IsResumable" is played AND resumable.
        played_filter: bool | None = None
        if q.get("isplayed"):
            played_filter = q["isplayed"].lower() == "true"
        filters = {f.strip().lower() for f in q.get("filters", "").split(",")}
        if "isplayed" in filters:
            played_filter = True
        if "isunplayed" in filters:
            played_filter = False
        if played_filter is not None and user is not None:
            items = [i for i in items if self._ud(i, user.id).played == played_filter]
        if "isresumable" in filters and user is not None:
            items = [i for i in items if self._ud(i, user.id).position_ticks > 0]
        if "isfavorite" in filters and user is not None:
            items = [i for i in items if self._ud(i, user.id).favorite]
        sort_by = [s.strip().lower() for s in q.get("sortby", "").split(",") if s.strip()]
        if sort_by:
            desc = q.get("sortorder", "Ascending").lower().startswith("desc")
            keyf = {
                "sortname": lambda i: i.title.lower(),
                "name": lambda i: i.title.lower(),
                "datecreated": lambda i: i.added_at,
                "premieredate": lambda i: i.originally_available_at or "",
                "productionyear": lambda i: i.year or 0,
                "runtime": lambda i: i.duration or 0,
                "playcount": lambda i: self._ud(i, user.id if user else "").play_count,
                "dateplayed": lambda i: self._ud(i, user.id if user else "").last_played,
            }
            for s in reversed(sort_by):
                f = keyf.get(s)
                if f is not None:
                    items = sorted(items, key=f, reverse=desc)
        return items

    def base_bytes(self, it: Item, fields: frozenset[str], can_delete: bool) -> bytes:
        """User-independent DTO bytes without the closing brace (UserData is appended per user)."""
        jid = it.jf_id or ""
        per = self.state.jf_parts.get(jid)
        if per is None:
            per = self.state.jf_parts[jid] = {}
        k = (fields, can_delete)
        b = per.get(k)
        if b is None:
            d = self.item_dto(it, None, fields, False)
            if "candelete" in fields:
                d["CanDelete"] = can_delete
            b = orjson.dumps(d)[:-1]
            per[k] = b
        return b

    def render(
        self, page: list[Item], user: JellyfinUser | None, fields: frozenset[str], userdata: bool
    ) -> list[bytes]:
        cache = self.state.frag_cache
        uid = user.id if user else None
        can_delete = user is None or user.can_delete
        out: list[bytes] = []
        for it in page:
            base = self.base_bytes(it, fields, can_delete)
            if user is not None and userdata:
                k = ("jfud", it.jf_id, uid)
                ud = cache.get(k)
                if ud is None:
                    ud = orjson.dumps(self._userdata(it, user))
                    cache[k] = ud
                out.append(base + b',"UserData":' + ud + b"}")
            else:
                out.append(base + b"}")
        return out

    def prerender(self, fields: tuple[str, ...] = ()) -> int:
        fs = frozenset(f.lower() for f in fields)
        n = 0
        for it in self.jf.order:
            if not it.deleted:
                self.base_bytes(it, fs, True)
                n += 1
        return n

    async def items(self, ctx: Ctx) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        uc = self._user_ctx(ctx, a)
        if isinstance(uc, Response):
            return uc
        user = uc
        q = self._q(ctx)
        key = cache_key(ctx, user.id if user else None, a[0])
        if not ctx.flags:
            hit = self.state.page_cache.get(key)
            if hit is not None:
                return Response(hit[2], status_code=hit[0], headers=hit[1])
        if q.get("mindatelastsaved") and _parse_iso(q["mindatelastsaved"]) is None:
            return self.error(400)
        items = self._select(q, user)
        if items is None:
            return self.error(404) if False else self._json({"Items": [], "TotalRecordCount": 0, "StartIndex": 0})
        if ctx.flags.get("empty"):
            items = []
        start = int(q.get("startindex", "0") or 0)
        limit_s = q.get("limit")
        total = len(items)
        page = items[start : start + int(limit_s)] if limit_s else items[start:]
        if ctx.flags.get("short_page"):
            page = page[: int(ctx.flags["short_page"])]
        total += int(ctx.flags.get("total_size_delta", 0))
        fields = self._fields(q)
        userdata = q.get("enableuserdata", "true").lower() != "false"
        frags = self.render(page, user, fields, userdata)
        parts = [b'{"Items":[', b",".join(frags), b"]"]
        if q.get("enabletotalrecordcount", "true").lower() != "false":
            parts.append(b',"TotalRecordCount":' + str(total).encode())
        else:
            parts.append(b',"TotalRecordCount":' + str(len(page)).encode())
        parts.append(b',"StartIndex":' + str(start).encode() + b"}")
        body = b"".join(parts)
        resp = Response(body, media_type="application/json; charset=utf-8")
        if not ctx.flags:
            self.state.cache_page(key, 200, dict(resp.headers), body)
        return resp

    async def image(self, ctx: Ctx) -> Response:
        """``GET /Items/{itemId}/Images/{imageType}``: no auth (as Jellyfin); only Primary images exist
        here, so any other type, an unknown item or one without a poster is a 404."""
        it = self.jf.items.get(_norm_id(ctx.params["iid"]))
        if it is None or it.deleted or not it.poster or ctx.params["itype"] != "Primary":
            return self.error(404)
        return Response(poster_png(it.id), media_type="image/png")

    async def item(self, ctx: Ctx) -> Response:
        if self.v108 and "uid" not in ctx.params:
            return self.error(404)
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        uc = self._user_ctx(ctx, a)
        if isinstance(uc, Response):
            return uc
        it = self.jf.items.get(_norm_id(ctx.params["iid"]))
        if it is None or it.deleted:
            return self.error(404)
        fields = frozenset(
            {
                "path",
                "mediasources",
                "mediastreams",
                "datecreated",
                "providerids",
                "overview",
                "genres",
                "parentid",
                "candelete",
                "etag",
                "sortname",
                "externalurls",
                "childcount",
            }
        )
        return self._json(self.item_dto(it, uc, fields, True))

    def _view(self, lid: str, name: str, coll: str) -> dict[str, Any]:
        return {
            "Name": name,
            "ServerId": self.jf.server_id,
            "Id": lid,
            "Etag": hex_id("etag", lid),
            "DateCreated": iso_dotnet(self.state.world.now - 6 * 31536000),
            "CanDelete": False,
            "SortName": name.lower(),
            "ExternalUrls": [],
            "Path": f"/config/root/default/{name}",
            "Taglines": [],
            "Genres": [],
            "PlayAccess": "Full",
            "RemoteTrailers": [],
            "ProviderIds": {},
            "IsFolder": True,
            "ParentId": hex_id("jf-root", self.jf.server_id),
            "Type": "CollectionFolder",
            "People": [],
            "Studios": [],
            "GenreItems": [],
            "LocalTrailerCount": 0,
            "ChildCount": 0,
            "SpecialFeatureCount": 0,
            "DisplayPreferencesId": hex_id("dp", lid),
            "Tags": [],
            "PrimaryImageAspectRatio": 1.7777777777777777,
            "CollectionType": coll,
            "ImageTags": {},
            "BackdropImageTags": [],
            "LocationType": "FileSystem",
            "MediaType": "Unknown",
            "LockedFields": [],
            "LockData": False,
        }

    async def views(self, ctx: Ctx) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        items = [self._view(*lib) for lib in self.jf.libraries]
        return self._json({"Items": items, "TotalRecordCount": len(items), "StartIndex": 0})

    async def media_folders(self, ctx: Ctx) -> Response:
        return await self.views(ctx)

    async def virtual_folders(self, ctx: Ctx) -> Response:
        if self.auth(ctx) is None:
            return self.error(401)
        legacy = {"movies": "Movies", "tvshows": "TvShows", "music": "Music"}  # 10.8 enum casing
        out = [
            {
                "Name": name,
                "Locations": [f"/media/{name.lower()}"],
                "CollectionType": legacy.get(coll, coll) if self.v108 else coll,
                "LibraryOptions": {},
                "ItemId": lid,
                "RefreshStatus": "Idle",
            }
            for lid, name, coll in self.jf.libraries
        ]
        return self._json(out)

    async def seasons(self, ctx: Ctx) -> Response:
        return await self._show_children(ctx, "season")

    async def episodes(self, ctx: Ctx) -> Response:
        return await self._show_children(ctx, "episode")

    async def _show_children(self, ctx: Ctx, kind: str) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        uc = self._user_ctx(ctx, a)
        if isinstance(uc, Response):
            return uc
        show = self.jf.items.get(_norm_id(ctx.params["sid"]))
        if show is None or show.deleted or show.type != "show":
            return self.error(404)
        q = self._q(ctx)
        items = [s for s in show.children if not s.deleted]
        if kind == "episode":
            season_id = _norm_id(q.get("seasonid", ""))
            items = [e for s in items if not season_id or s.jf_id == season_id for e in s.children if not e.deleted]
        start = int(q.get("startindex", "0") or 0)
        total = len(items)
        page = items[start : start + int(q["limit"])] if q.get("limit") else items[start:]
        fields = self._fields(q)
        return self._json(
            {
                "Items": [self.item_dto(i, uc, fields, True) for i in page],
                "TotalRecordCount": total,
                "StartIndex": start,
            }
        )

    # ------------------------------------------------------------------ activity log
    def _activity(self) -> list[dict[str, Any]]:
        """Playback-start entries (last play per user and item: Jellyfin keeps no full history), newest first."""
        key = ("jf-activity", self.state.version)
        rows = self.state.extra.get(key)
        if rows is None:
            users = {u.id: u for u in self.jf.users}
            raw: list[tuple[int, str, str, str, str]] = []
            for jid, per in self.jf.user_data.items():
                it = self.jf.items.get(jid)
                if it is None:
                    continue
                for uid, data in per.items():
                    pc, last = data.play_count, data.last_played
                    if pc and last and uid in users:
                        kind = "AudioPlayback" if it.type == "track" else "VideoPlayback"
                        raw.append((last, jid, uid, kind, it.title))
            raw.sort(key=lambda r: (r[0], r[1], r[2]))
            rows = []
            for n, (last, jid, uid, kind, title) in enumerate(raw, start=1):
                rows.append(
                    {
                        "Id": n,
                        "Name": f"{users[uid].name} is playing {title} on Simulated Client",
                        "Type": kind,
                        "ItemId": jid,
                        "Date": iso_dotnet(last),
                        "UserId": uid,
                        "Severity": "Information",
                        "_ts": last,
                    }
                )
            rows.reverse()
            self.state.extra[key] = rows
        return list(rows)

    async def activity_log(self, ctx: Ctx) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        is_key, me = a
        if not is_key and (me is None or not me.is_admin):
            return Response(b"", status_code=403)
        q = self._q(ctx)
        rows = self._activity()
        if q.get("mindate"):
            try:
                from datetime import datetime

                cut = datetime.fromisoformat(q["mindate"].replace("Z", "+00:00")).timestamp()
            except ValueError:
                return Response(b"", status_code=400)
            rows = [r for r in rows if r["_ts"] >= cut]
        if q.get("hasuserid", "").lower() == "false":
            rows = []
        start = int(q.get("startindex", "0") or 0)
        total = len(rows)
        page = rows[start : start + int(q["limit"])] if q.get("limit") else rows[start:]
        items = [{k: v for k, v in r.items() if k != "_ts"} for r in page]
        return self._json({"Items": items, "TotalRecordCount": total, "StartIndex": start})

    # ------------------------------------------------------------------ user data
    def _item_and_user(self, ctx: Ctx) -> tuple[Item, JellyfinUser] | Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        uc = self._user_ctx(ctx, a)
        if isinstance(uc, Response):
            return uc
        if uc is None:
            return Response(b"", status_code=400)
        it = self.jf.items.get(_norm_id(ctx.params["iid"]))
        if it is None or it.deleted:
            return self.error(404)
        return it, uc

    async def user_data(self, ctx: Ctx) -> Response:
        r = self._item_and_user(ctx)
        if isinstance(r, Response):
            return r
        return self._json(self._userdata(*r))

    async def mark_played(self, ctx: Ctx) -> Response:
        r = self._item_and_user(ctx)
        if isinstance(r, Response):
            return r
        it, u = r
        d = self.jf.user_data.setdefault(it.jf_id or "", {}).setdefault(u.id, JfUserData())
        # Jellyfin's MarkPlayed: the given datePlayed (else now), a play counted, no resume point.
        d.play_count += 1
        d.last_played = int(time.time())
        d.played, d.position_ticks = True, 0
        self.state.mutate(self.name, "mark_played", itemId=it.jf_id, userId=u.id)
        return self._json(self._userdata(it, u))

    async def mark_unplayed(self, ctx: Ctx) -> Response:
        r = self._item_and_user(ctx)
        if isinstance(r, Response):
            return r
        it, u = r
        d = self.jf.user_data.setdefault(it.jf_id or "", {}).setdefault(u.id, JfUserData())
        d.play_count, d.last_played, d.played, d.position_ticks = 0, 0, False, 0
        self.state.mutate(self.name, "mark_unplayed", itemId=it.jf_id, userId=u.id)
        return self._json(self._userdata(it, u))

    async def update_user_data(self, ctx: Ctx) -> Response:
        """10.9+: a client sets the fields it sends (``UpdateUserItemDataDto``); the others stay as
        they are. ``{"Played": true}`` alone leaves an item played with no ``LastPlayedDate``."""
        if self.v108:
            return self.error(404)
        r = self._item_and_user(ctx)
        if isinstance(r, Response):
            return r
        it, u = r
        try:
            body = orjson.loads(await ctx.request.body() or b"{}")
        except orjson.JSONDecodeError:
            return self.error(400)
        if not isinstance(body, dict):
            return self.error(400)
        last = body.get("LastPlayedDate")
        stamp = _parse_iso(last) if isinstance(last, str) else None
        if isinstance(last, str) and stamp is None:
            return self.error(400)
        d = self.jf.user_data.setdefault(it.jf_id or "", {}).setdefault(u.id, JfUserData())
        if isinstance(body.get("Played"), bool):
            d.played = body["Played"]
        if isinstance(body.get("PlayCount"), int):
            d.play_count = max(0, body["PlayCount"])
        if isinstance(body.get("PlaybackPositionTicks"), int):
            d.position_ticks = max(0, body["PlaybackPositionTicks"])
        if isinstance(body.get("IsFavorite"), bool):
            d.favorite = body["IsFavorite"]
        if stamp is not None:
            d.last_played = int(stamp)
        self.state.mutate(self.name, "update_user_data", itemId=it.jf_id, userId=u.id)
        return self._json(self._userdata(it, u))

    # ------------------------------------------------------------------ delete
    def _delete_one(self, ctx: Ctx, iid: str, a: tuple[bool, JellyfinUser | None]) -> int:
        is_key, me = a
        it = self.jf.items.get(_norm_id(iid))
        if it is None or it.deleted:
            return 404
        if not is_key and (me is None or not me.can_delete):
            self.state.mutate(
                self.name, "delete_refused", itemId=_norm_id(iid), status=401, userId=me.id if me else None
            )
            return 401
        gone = [it, *self._descendants(it)]
        for g in gone:
            g.deleted = True
        anc = it.parent
        while anc is not None:  # ChildCount / UserData of ancestors change
            self.state.jf_parts.pop(anc.jf_id or "", None)
            anc = anc.parent
        status = self.jf.delete_status_for_api_key if is_key else 204
        self.state.mutate(
            self.name,
            "delete",
            itemId=it.jf_id,
            type=JF_TYPE[it.type],
            title=it.title,
            deletedIds=[g.jf_id for g in gone],
            files=[self.jf.path(p.file) for g in gone for m in g.media for p in m.parts],
            bytes=sum(p.size for g in gone for m in g.media for p in m.parts),
            userId=me.id if me else None,
            apiKey=is_key,
            status=status,
        )
        return status

    def _descendants(self, it: Item) -> list[Item]:
        out: list[Item] = []
        for c in it.children:
            if not c.deleted:
                out.append(c)
                out.extend(self._descendants(c))
        return out

    async def delete(self, ctx: Ctx) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        status = self._delete_one(ctx, ctx.params["iid"], a)
        if status == 401:
            return Response(b"Unauthorized access", status_code=401)
        return self.error(status) if status >= 400 else Response(b"", status_code=status)

    async def delete_many(self, ctx: Ctx) -> Response:
        a = self.auth(ctx)
        if a is None:
            return self.error(401)
        ids = [x for x in self._q(ctx).get("ids", "").split(",") if x.strip()]
        if not ids:
            return Response(b"", status_code=400)
        worst = 204
        for iid in ids:
            st = self._delete_one(ctx, iid, a)
            if st >= 400:
                worst = st
        if worst == 401:
            return Response(b"Unauthorized access", status_code=401)
        return self.error(worst) if worst >= 400 else Response(b"", status_code=worst)


def _parse_iso(value: str) -> float | None:
    """``minDateLastSaved`` as Jellyfin takes it (ISO 8601, ``Z`` or an offset; naive means UTC)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
