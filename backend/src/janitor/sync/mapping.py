"""Upstream items to rows. Plain functions over the raw dicts: this is the hot path of a sync."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import orjson

from janitor.library.languages import normalize_language
from janitor.library.matching import track_key

# Column order of the staging table; rows are tuples in this order.
ITEM_COLUMNS = (
    "account_id",
    "connection_id",
    "library_id",
    "upstream_id",
    "kind",
    "parent_id",
    "grandparent_id",
    "title",
    "parent_title",
    "grandparent_title",
    "original_title",
    "index",
    "parent_index",
    "year",
    "duration_ms",
    "added_at",
    "upstream_updated_at",
    "released_on",
    "guids",
    "size_bytes",
    "bitrate_kbps",
    "container",
    "video_resolution",
    "video_codec",
    "audio_codec",
    "parts",
    "audio_languages",
    "subtitle_languages",
    "untagged_audio",
    "untagged_subtitles",
    "streams_synced_at",
    "match_key",
    "view_count",
    "last_viewed_at",
    "view_offset_ms",
)

PLEX_KINDS = {1: "movie", 2: "show", 3: "season", 4: "episode", 8: "artist", 9: "album", 10: "track"}
PLEX_LEVELS = {"movie": (1,), "show": (2, 3, 4), "music": (8, 9, 10)}
# Kinds whose audio and subtitle languages the reports need (details fetched in batches on Plex).
NEEDS_STREAMS = frozenset({"movie", "episode"})

JELLYFIN_KINDS = {
    "Movie": "movie",
    "Series": "show",
    "Season": "season",
    "Episode": "episode",
    "MusicArtist": "artist",
    "MusicAlbum": "album",
    "Audio": "track",
}
JELLYFIN_TYPES = {"movie": ("Movie",), "show": ("Series", "Season", "Episode"), "music": ("MusicAlbum", "Audio")}
JELLYFIN_FIELDS = (
    "Path",
    "MediaSources",
    "DateCreated",
    "ProviderIds",
    "PremiereDate",
    "ParentId",
    "ProductionYear",
    "DateLastSaved",
)


def _epoch(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    return None


def _iso(value: Any) -> datetime | None:
    """ISO-8601 as servers write it; .NET's 7 fractional digits are cut to Python's 6."""
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] if value.endswith("Z") else value
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        text = text[: min(end, dot + 7)] + text[end:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _plex_guids(item: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for guid in item.get("Guid") or ():
        gid = guid.get("id") if isinstance(guid, dict) else None
        if isinstance(gid, str) and "://" in gid:
            provider, value = gid.split("://", 1)
            out[provider] = value
    return out


def stream_languages(streams: Iterable[dict[str, Any]]) -> tuple[list[str], list[str], int, int]:
    """What the language report compares: tagged audio languages, tagged subtitle languages, untagged
    audio streams, untagged subtitle streams. Subtitles embedded in the file and sidecar files count
    alike; a forced subtitle track never counts, tagged or not (it only covers foreign dialogue, so
    it cannot be "the subtitles in that language")."""
    audio: set[str] = set()
    subs: set[str] = set()
    untagged_audio = untagged_subs = 0
    for s in streams:
        kind = s["type"]
        lang = s.get("language")
        if kind == "audio":
            if lang:
                audio.add(lang)
            else:
                untagged_audio += 1
        elif kind == "subtitle" and not s.get("forced"):
            if lang:
                subs.add(lang)
            else:
                untagged_subs += 1
    return sorted(audio), sorted(subs), untagged_audio, untagged_subs


def stream_summary(parts: list[dict[str, Any]]) -> tuple[Any, ...]:
    """The summary columns of an item from its parts: audio and subtitle languages, untagged counts,
    and when the streams were read. Languages are known only when every file of the item lists its
    streams: a file the server has not analysed yet (Plex without ``Stream``, Jellyfin with empty
    ``MediaStreams``), or no file at all, leaves all of them NULL ("languages unknown", never
    "missing every language")."""
    if not parts or not all(part.get("streams") for part in parts):
        return None, None, None, None, None
    return (*stream_languages(s for part in parts for s in part["streams"]), datetime.now(UTC))


_PLEX_STREAM_TYPES = {1: "video", 2: "audio", 3: "subtitle"}


def plex_streams(part: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for s in part.get("Stream") or ():
        kind = _PLEX_STREAM_TYPES.get(_int(s.get("streamType")) or 0)
        if kind is None:
            continue
        out.append(
            {
                "type": kind,
                # the tag (fr, pt-BR), else the ISO 639-2/B code (fre), else the display name (Français)
                "language": normalize_language(s.get("languageTag") or s.get("languageCode") or s.get("language")),
                "codec": s.get("codec"),
                "forced": bool(s.get("forced")),
                "external": kind == "subtitle" and "key" in s,
                "title": s.get("displayTitle"),
            }
        )
    return out


def plex_row(item: dict[str, Any], ctx: tuple[uuid.UUID, uuid.UUID, uuid.UUID], kind: str) -> tuple[Any, ...]:
    """A Plex ``Metadata`` dict (listing or detail) as a staging row. ``ctx``: account, connection, library."""
    account_id, connection_id, library_id = ctx
    parts: list[dict[str, Any]] = []
    size = 0
    bitrate = container = resolution = vcodec = acodec = None
    for media in item.get("Media") or ():
        if bitrate is None:
            bitrate, container = _int(media.get("bitrate")), media.get("container")
            resolution, vcodec, acodec = media.get("videoResolution"), media.get("videoCodec"), media.get("audioCodec")
        for part in media.get("Part") or ():
            part_size = _int(part.get("size")) or 0
            size += part_size
            entry = {
                "media_id": str(media.get("id", "")),
                "part_id": str(part.get("id", "")),
                "file": part.get("file"),
                "size": part_size,
                "container": part.get("container") or media.get("container"),
                "duration_ms": _int(part.get("duration")),
                "bitrate_kbps": _int(media.get("bitrate")),
                "audio_codec": media.get("audioCodec"),
                "video_codec": media.get("videoCodec"),
                "video_resolution": media.get("videoResolution"),
                "audio_channels": _int(media.get("audioChannels")),
            }
            if "Stream" in part:  # details only; a file Plex has not analysed yet has none
                entry["streams"] = plex_streams(part)
            parts.append(entry)
    is_track = kind == "track"
    return (
        account_id,
        connection_id,
        library_id,
        str(item["ratingKey"]),
        kind,
        _str(item.get("parentRatingKey")),
        _str(item.get("grandparentRatingKey")),
        item.get("title") or "",
        item.get("parentTitle"),
        item.get("grandparentTitle"),
        item.get("originalTitle") if is_track else None,
        _int(item.get("index")),
        _int(item.get("parentIndex")),
        _int(item.get("year")),
        _int(item.get("duration")),
        _epoch(item.get("addedAt")),
        _epoch(item.get("updatedAt")),
        _day(item.get("originallyAvailableAt")),
        orjson.dumps(_plex_guids(item)).decode(),
        size or None,
        bitrate,
        container,
        resolution,
        vcodec,
        acodec,
        orjson.dumps(parts).decode(),
        *stream_summary(parts),
        track_key(item.get("title"), item.get("grandparentTitle"), item.get("parentTitle")) if is_track else None,
        # The token's account's own view state (absent = none): partly watched items carry
        # viewOffset and lastViewedAt without a viewCount.
        _int(item.get("viewCount")) or None,
        _epoch(item.get("lastViewedAt")),
        _int(item.get("viewOffset")) or None,
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


_JF_STREAM_TYPES = {"Video": "video", "Audio": "audio", "Subtitle": "subtitle"}


def jellyfin_row(item: dict[str, Any], ctx: tuple[uuid.UUID, uuid.UUID, uuid.UUID]) -> tuple[Any, ...] | None:
    account_id, connection_id, library_id = ctx
    kind = JELLYFIN_KINDS.get(item.get("Type", ""))
    if kind is None:
        return None
    parts: list[dict[str, Any]] = []
    size = 0
    bitrate = container = resolution = vcodec = acodec = None
    for source in item.get("MediaSources") or ():
        src_streams = []
        for s in source.get("MediaStreams") or ():
            stype = _JF_STREAM_TYPES.get(s.get("Type", ""))
            if stype is None:
                continue
            src_streams.append(
                {
                    "type": stype,
                    "language": normalize_language(s.get("Language")),
                    "codec": s.get("Codec"),
                    "forced": bool(s.get("IsForced")),
                    "external": bool(s.get("IsExternal")),
                    "title": s.get("DisplayTitle"),
                }
            )
            if stype == "video" and vcodec is None:
                vcodec, height = s.get("Codec"), _int(s.get("Height"))
                resolution = _resolution(height)
            if stype == "audio" and acodec is None:
                acodec = s.get("Codec")
        part_size = _int(source.get("Size")) or 0
        size += part_size
        if bitrate is None:
            bitrate = (_int(source.get("Bitrate")) or 0) // 1000 or None
            container = source.get("Container")
        parts.append(
            {
                "media_id": source.get("Id"),
                "part_id": source.get("Id"),
                "file": source.get("Path"),
                "size": part_size,
                "container": source.get("Container"),
                "duration_ms": (_int(source.get("RunTimeTicks")) or 0) // 10_000 or None,
                "bitrate_kbps": (_int(source.get("Bitrate")) or 0) // 1000 or None,
                "streams": src_streams,
            }
        )
    if kind == "episode":
        parent, grandparent = item.get("SeasonId") or item.get("ParentId"), item.get("SeriesId")
        parent_title, grandparent_title = item.get("SeasonName"), item.get("SeriesName")
    elif kind == "season":
        parent, grandparent = item.get("SeriesId") or item.get("ParentId"), None
        parent_title, grandparent_title = item.get("SeriesName"), None
    elif kind == "track":
        parent = item.get("AlbumId")
        artists = item.get("AlbumArtists") or []
        grandparent = artists[0].get("Id") if artists and isinstance(artists[0], dict) else None
        parent_title, grandparent_title = item.get("Album"), item.get("AlbumArtist")
    elif kind == "album":
        artists = item.get("AlbumArtists") or []
        parent = artists[0].get("Id") if artists and isinstance(artists[0], dict) else None
        grandparent, parent_title, grandparent_title = None, item.get("AlbumArtist"), None
    else:
        parent = grandparent = parent_title = grandparent_title = None
    track_artists = item.get("Artists") if kind == "track" else None
    original = ", ".join(track_artists) if track_artists and ", ".join(track_artists) != grandparent_title else None
    ticks = _int(item.get("RunTimeTicks"))
    guids = {k.lower(): str(v) for k, v in (item.get("ProviderIds") or {}).items() if v}
    return (
        account_id,
        connection_id,
        library_id,
        item["Id"],
        kind,
        parent,
        grandparent,
        item.get("Name") or "",
        parent_title,
        grandparent_title,
        original,
        _int(item.get("IndexNumber")),
        _int(item.get("ParentIndexNumber")),
        _int(item.get("ProductionYear")),
        ticks // 10_000 if ticks else None,
        _iso(item.get("DateCreated")),
        _iso(item.get("DateLastSaved")) or _iso(item.get("DateCreated")),
        _day(item.get("PremiereDate")),
        orjson.dumps(guids).decode(),
        size or None,
        bitrate,
        container,
        resolution,
        vcodec,
        acodec,
        orjson.dumps(parts).decode(),
        *stream_summary(parts),
        track_key(item.get("Name"), grandparent_title, parent_title) if kind == "track" else None,
        None,  # Jellyfin's view state is per user (user_item_states), not the listing's
        None,
        None,
    )


def _resolution(height: int | None) -> str | None:
    if not height:
        return None
    if height >= 2000:
        return "4k"
    if height >= 1000:
        return "1080"
    if height >= 700:
        return "720"
    return "sd"
