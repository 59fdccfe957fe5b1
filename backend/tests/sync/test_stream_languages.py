"""What a sync stores of an item's streams: which count for the language rules, and when they are unknown."""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from janitor.sync.mapping import ITEM_COLUMNS, jellyfin_row, plex_row

CTX = (uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
SUMMARY = ("audio_languages", "subtitle_languages", "untagged_audio", "untagged_subtitles")


def _summary(row: tuple[Any, ...] | None) -> dict[str, Any]:
    assert row is not None
    values = dict(zip(ITEM_COLUMNS, row, strict=True))
    return {"known": values["streams_synced_at"] is not None, **{c: values[c] for c in SUMMARY}}


def _plex_stream(kind: int, code: str | None = None, **extra: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"id": 1, "streamType": kind, "codec": "x"}
    if code:  # as Plex writes a tagged stream: display name, BCP-47 tag, ISO 639-2/B code
        s.update({"language": {"fre": "Français", "eng": "English"}[code], "languageCode": code})
        s["languageTag"] = code[:2]
    return {**s, **extra}


def _plex_movie(*parts: list[dict[str, Any]] | None) -> dict[str, Any]:
    out = []
    for i, streams in enumerate(parts):
        part: dict[str, Any] = {"id": i, "file": f"/m/{i}.mkv", "size": 1}
        if streams is not None:
            part["Stream"] = streams
        out.append(part)
    return {"ratingKey": "1", "type": "movie", "title": "M", "Media": [{"id": 1, "Part": out}]}


def _jf_stream(kind: str, lang: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"Type": kind, "Codec": "x", **({"Language": lang} if lang else {}), **extra}


def _jf_movie(*sources: list[dict[str, Any]] | None) -> dict[str, Any]:
    out = []
    for i, streams in enumerate(sources):
        source: dict[str, Any] = {"Id": str(i), "Path": f"/m/{i}.mkv", "Container": "mkv"}
        if streams is not None:
            source["MediaStreams"] = streams
        out.append(source)
    item: dict[str, Any] = {"Id": "a" * 32, "Type": "Movie", "Name": "M"}
    if sources:
        item["MediaSources"] = out
    return item


def test_a_forced_subtitle_never_counts_and_a_sidecar_does() -> None:
    plex = _plex_movie(
        [
            _plex_stream(1),
            _plex_stream(2, "eng"),
            _plex_stream(3, "fre", forced=True),  # forced French: foreign dialogue only
            _plex_stream(3, "eng", key="/library/streams/9"),  # a sidecar .srt
            _plex_stream(3, None, forced=True),  # untagged forced: no more a subtitle track than a tagged one
        ]
    )
    assert _summary(plex_row(plex, CTX, "movie")) == {
        "known": True,
        "audio_languages": ["en"],
        "subtitle_languages": ["en"],
        "untagged_audio": 0,
        "untagged_subtitles": 0,
    }
    jf = _jf_movie(
        [
            _jf_stream("Video"),
            _jf_stream("Audio", "fra"),
            _jf_stream("Subtitle", "fre", IsForced=True),
            _jf_stream("Subtitle", "eng", IsExternal=True),
            _jf_stream("Subtitle", "und"),
        ]
    )
    assert _summary(jellyfin_row(jf, CTX)) == {
        "known": True,
        "audio_languages": ["fr"],
        "subtitle_languages": ["en"],
        "untagged_audio": 0,
        "untagged_subtitles": 1,
    }
    stored = orjson.loads(dict(zip(ITEM_COLUMNS, plex_row(plex, CTX, "movie"), strict=True))["parts"])
    assert [(s["type"], s["language"], s["forced"], s["external"]) for s in stored[0]["streams"]] == [
        ("video", None, False, False),
        ("audio", "en", False, False),
        ("subtitle", "fr", True, False),
        ("subtitle", "en", False, True),
        ("subtitle", None, True, False),
    ]


def test_streams_are_stored_in_the_canonical_form_whatever_the_server_writes() -> None:
    # Plex sends the tag, the 639-2/B code and the display name; a stream with only a name still counts.
    named_only = {"id": 1, "streamType": 2, "codec": "aac", "language": "Deutsch"}
    plex = _plex_movie([_plex_stream(1), _plex_stream(2, "fre"), named_only])
    assert _summary(plex_row(plex, CTX, "movie"))["audio_languages"] == ["de", "fr"]
    jf = _jf_movie([_jf_stream("Video"), _jf_stream("Audio", "fra"), _jf_stream("Audio", "ger"), _jf_stream("Audio")])
    summary = _summary(jellyfin_row(jf, CTX))
    assert summary["audio_languages"] == ["de", "fr"]
    assert summary["untagged_audio"] == 1


def test_a_jellyfin_file_not_analysed_yet_has_unknown_languages_not_none() -> None:
    unknown = {"known": False, **dict.fromkeys(SUMMARY)}
    assert _summary(jellyfin_row(_jf_movie([]), CTX)) == unknown  # MediaStreams: [] (not probed yet)
    assert _summary(jellyfin_row(_jf_movie(None), CTX)) == unknown  # MediaStreams left out
    assert _summary(jellyfin_row(_jf_movie(), CTX)) == unknown  # no MediaSources at all
    # one version analysed, the other not: what the other holds is unknown, so the item is
    analysed = [_jf_stream("Video"), _jf_stream("Audio", "eng")]
    assert _summary(jellyfin_row(_jf_movie(analysed, []), CTX)) == unknown
    assert _summary(jellyfin_row(_jf_movie(analysed, analysed), CTX))["known"] is True


def test_a_plex_file_without_streams_has_unknown_languages() -> None:
    unknown = {"known": False, **dict.fromkeys(SUMMARY)}
    assert _summary(plex_row(_plex_movie(None), CTX, "movie")) == unknown  # listing, or not analysed
    assert _summary(plex_row(_plex_movie([]), CTX, "movie")) == unknown
    assert _summary(plex_row({"ratingKey": "1", "type": "movie", "title": "M"}, CTX, "movie")) == unknown
    analysed = [_plex_stream(1), _plex_stream(2, "eng")]
    assert _summary(plex_row(_plex_movie(analysed, None), CTX, "movie")) == unknown
    assert _summary(plex_row(_plex_movie(analysed, analysed), CTX, "movie"))["known"] is True
