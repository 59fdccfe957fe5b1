"""The duplicate key of a track: title, artist and album normalised so that case, punctuation,
accents, apostrophes, "feat." credits and "(Remastered 2011)"-style markers do not hide a duplicate.

What is merged: letter case; accents and letters without a decomposition (ø, ł, đ, æ, œ, ...);
apostrophes, quotes and primes of every kind, which count as nothing ("Don't", "Dont" and "Don't"
with a typographic apostrophe are one word); invisible characters (soft hyphen, zero-width space and
joiners); any other punctuation and every hyphen or dash, which count as a space; "&" and "and"; a
leading "The"; release markers (remastered, explicit, deluxe, bonus track, album/single version,
anniversary editions) and featured artists, in brackets, after a spaced dash or at the end.

What stays apart: every other word, number and symbol. A recording's own description is never erased:
"Live", "Acoustic", "Remix", "Demo", "Instrumental", "Mono", "Stereo", "Clean" (an edit with muted
words), "Part 1" / "Part 2", roman numerals. A release marker next to such a word removes only itself:
"Song (Live, Remastered 2011)" is "Song (Live)", never "Song". Merging two recordings would propose
deleting one of them; missing a duplicate only keeps a file, so the rule errs on keeping apart."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Apostrophes, quotes and primes, and the letters and accents written in their place: nothing.
QUOTES = (
    "'\"`\u00b4"  # apostrophe, quotation mark, grave and acute accents
    "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f"  # typographic single and double quotes, low and reversed
    "\u2032\u2033\u2034\u2035\u2036\u2037\u2057"  # primes (single to quadruple, reversed)
    "\u00ab\u00bb\u2039\u203a"  # guillemets, double and single
    "\u02b9\u02ba\u02bb\u02bc\u02bd\u02be\u02bf\u02c8\u02ca\u02cb\u02dd"  # modifier letters written as apostrophes
    "\u055a\u05f3\u05f4\ua78b\ua78c"  # Armenian apostrophe, Hebrew geresh and gershayim, saltillo
    "\u301d\u301e\u301f\uff02\uff07\uff40"  # CJK double primes, full-width quotation mark, apostrophe, grave
)
# Characters nobody sees: a soft hyphen or a zero-width joiner inside a word leaves it one word.
INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_DROP = str.maketrans("", "", QUOTES + INVISIBLE)
# Hyphens, dashes and minus signs (what separates "Song - Remastered 2011").
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d"
# Letters that carry no decomposition to strip (after case folding).
_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ŧ": "t", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th"})

_CREDIT = r"(?:feat\.?|ft\.?|featuring)"
_NOISE = (
    r"remaster(?:ed)?(?:\s+\d{4})?|\d{4}\s+remaster(?:ed)?|explicit|album version|single version|bonus track|"
    r"deluxe(?: edition)?|expanded edition|\d+(?:th|st|nd|rd) anniversary(?: edition)?"
)
# Inside a bracket or a dash suffix: a release marker, or a credit (which runs to the segment's end).
_MARKER = re.compile(rf"\b(?:{_NOISE})\b|\b{_CREDIT}(?=[\W_]|$).*$", re.IGNORECASE | re.DOTALL)
# Words that only qualify a marker ("2011 Remastered Version", "Super Deluxe Edition").
_FILLER = re.compile(r"\b(?:\d{4}|version|edition|digital(?:ly)?|super|in|and)\b|[\W_]", re.IGNORECASE)
_BRACKET = re.compile(r"[\(\[\{]([^\(\)\[\]\{\}]*)[\)\]\}]")
_DASH_SUFFIX = re.compile(rf"\s+[{DASHES}]\s+(.*)$", re.DOTALL)
# A credit outside brackets (a credit word, then a name) runs to the next bracket or spaced dash:
# "Song feat. X (Live)" keeps "(Live)".
_FEAT = re.compile(
    rf"(?<=[\W_]){_CREDIT}(?=[\W_]+[^\W_]).*?(?=\s+[{DASHES}]\s+|[\(\[\{{]|$)", re.IGNORECASE | re.DOTALL
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str | None) -> str:
    if not text:
        return ""
    return _normalize(text)


# A sync normalises every track's title, artist and album: artists and albums repeat on every track.
@lru_cache(maxsize=16_384)
def _normalize(text: str) -> str:
    return normalize_uncached(text, ascii_only=text.isascii())


def _without_markers(segment: str, whole: str) -> str:
    """A bracket's or a dash suffix's text without its release markers: nothing when it held only
    markers (and the words qualifying them), else the other words, which describe the recording."""
    if not _MARKER.search(segment):
        return whole
    rest = _MARKER.sub(" ", segment)
    return f" {rest} " if _FILLER.sub("", rest).strip() else " "


def normalize_uncached(text: str, *, ascii_only: bool = False) -> str:
    """The key of one string. ``ascii_only`` skips the Unicode steps, which change no ASCII string."""
    value = text.translate(_DROP)  # before NFKC, which turns an acute accent into a space and a mark
    if not ascii_only:
        value = unicodedata.normalize("NFKC", value)
    # upper() first: casefold alone keeps the dotless i (U+0131) apart from "I". Case before accents:
    # some marks turn into letters when the case changes (Greek ypogegrammeni, U+0345, becomes an iota).
    value = value.upper().casefold()
    if not ascii_only:
        value = unicodedata.normalize("NFKD", value)
        value = "".join(ch for ch in value if not unicodedata.combining(ch)).translate(_LETTERS)
        value = value.translate(_DROP)  # case folding writes some apostrophes (U+0149 is U+02BC n)
    # Markers and credits once the letters are final: no later step can make a new "feat" appear.
    value = _BRACKET.sub(lambda m: _without_markers(m.group(1), m.group(0)), value)
    value = _DASH_SUFFIX.sub(lambda m: _without_markers(m.group(1), m.group(0)), value)
    value = _FEAT.sub(" ", value)
    value = value.replace("&", " and ")
    value = _NON_WORD.sub(" ", value).strip()
    if value.startswith("the "):
        value = value[4:]
    return " ".join(value.split())


def track_key(title: str | None, artist: str | None, album: str | None) -> str:
    return "\x1f".join((normalize(title), normalize(artist), normalize(album)))
