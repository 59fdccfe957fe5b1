"""The duplicate key of a track: title, artist and album normalised so that case, punctuation,
accents, "feat." credits and "(Remastered 2011)"-style suffixes do not hide a duplicate."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOISE = (
    r"remaster(?:ed)?(?:\s+\d{4})?|\d{4}\s+remaster(?:ed)?|feat\.?|ft\.?|featuring|explicit|clean|"
    r"album version|single version|bonus track|deluxe(?: edition)?|expanded edition|mono|stereo|"
    r"\d+(?:th|st|nd|rd) anniversary(?: edition)?"
)
_BRACKETED = re.compile(r"[\(\[\{][^\)\]\}]*?\b(?:" + _NOISE + r")\b[^\)\]\}]*[\)\]\}]", re.IGNORECASE)
_DASH_SUFFIX = re.compile(r"\s+[-\u2013\u2014]\s+[^-\u2013\u2014]*\b(?:" + _NOISE + r")\b.*$", re.IGNORECASE)
_FEAT = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s+.*$", re.IGNORECASE)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str | None) -> str:
    if not text:
        return ""
    return _normalize(text)


# A sync normalises every track's title, artist and album: artists and albums repeat on every track.
@lru_cache(maxsize=16_384)
def _normalize(text: str) -> str:
    ascii_only = text.isascii()  # then both Unicode normalisations are the identity
    value = text if ascii_only else unicodedata.normalize("NFKC", text)
    value = _BRACKETED.sub(" ", value)
    value = _DASH_SUFFIX.sub(" ", value)
    value = _FEAT.sub(" ", value)
    # upper() first: casefold alone keeps the dotless i (U+0131) apart from "I". Case before accents:
    # some marks turn into letters when the case changes (Greek ypogegrammeni, U+0345, becomes an iota).
    value = value.upper().casefold()
    if not ascii_only:
        value = unicodedata.normalize("NFKD", value)
        value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("&", " and ")
    value = _NON_WORD.sub(" ", value).strip()
    if value.startswith("the "):
        value = value[4:]
    return " ".join(value.split())


def track_key(title: str | None, artist: str | None, album: str | None) -> str:
    return "\x1f".join((normalize(title), normalize(artist), normalize(album)))
