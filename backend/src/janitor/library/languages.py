"""Language codes: one canonical form for what the servers send and for what people type.

**Canonical form**: the ISO 639-1 two-letter code where the language has one (``fr``, ``de``, ``nb``),
else its ISO 639-3 code (``fil``, ``cmn``, ``yue``), which for the languages of ISO 639-2 is also the
ISO 639-2/T code. The table is ``pycountry``'s (ISO 639-3 from Debian's iso-codes), not ours.

What comes in:

- Plex streams: ``languageTag`` (BCP-47, ``fr``, ``pt-BR``), ``languageCode`` (ISO 639-2/B, ``fre``,
  ``ger``) and ``language``, a display name (``Français``, ``Deutsch``, ``English``); all three are
  absent on an untagged stream, and ``und`` means tagged as undetermined.
- Jellyfin streams: ``Language``, the file's tag as written (``eng``, ``fre`` or ``fra``, sometimes
  ``fr``), missing or ``und`` when untagged.
- Settings: any of the above as a person types it, any case: ``fr``, ``fre``, ``fra``, ``French``,
  ``français``, ``pt-BR``.

Codes are compared exactly after this: a macrolanguage is not its members (``no`` is not ``nb``),
and a region or script is dropped (``pt-BR`` is ``pt``, ``zh-Hant`` is ``zh``).
"""

from __future__ import annotations

import gettext
import os
import unicodedata
from functools import cache, lru_cache

import pycountry

# Tags that say "no language known" rather than naming one: untagged, undetermined (und), multiple
# (mul), uncoded (mis), no linguistic content (zxx), and what tools write instead of a tag.
UNTAGGED = frozenset({"", "und", "unk", "mis", "mul", "zxx", "xx", "unknown", "undefined", "undetermined", "none"})

# ISO 639-1 codes withdrawn in 1989 that older tools still write; pycountry only knows the current ones.
_WITHDRAWN = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}


# The longest text taken as a language (the longest name in the table is shorter).
MAX_LANGUAGE_CHARS = 60


class UnknownLanguage(ValueError):
    """Text that names no language we know; the message says what to type instead."""


def _fold(text: str) -> str:
    """Lower case, accents dropped, spaces collapsed: how names are compared (Français = francais)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _canonical(record: pycountry.db.Data) -> str:
    return getattr(record, "alpha_2", None) or record.alpha_3


def _by_code(code: str) -> str | None:
    if code in _WITHDRAWN:
        return _WITHDRAWN[code]
    if len(code) == 2:
        record = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        record = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)
    else:
        return None
    return None if record is None else _canonical(record)


@cache
def _names() -> dict[str, str]:
    """Folded language names -> canonical code: English names first (``French``, ``Modern Greek``),
    then each language's name in itself where iso-codes translates it (``français``, ``Deutsch``,
    ``日本語``): Plex shows streams under such names. Built once, on the first name looked up."""
    out: dict[str, str] = {}
    records = sorted(pycountry.languages, key=lambda r: getattr(r, "alpha_2", None) is None)
    for record in records:
        code = _canonical(record)
        for attr in ("name", "common_name", "inverted_name"):
            name = getattr(record, attr, None)
            if not name:
                continue
            # "Modern Greek (1453-)" is also "Modern Greek"; the inverted "Greek, Modern (1453-)" also
            # "Greek" (languages with a two-letter code come first, so Greek is el, not Ancient Greek)
            for variant in (name, name.split(" (", 1)[0], name.split(",", 1)[0]):
                out.setdefault(_fold(variant), code)
    locales: dict[str, str] = {}
    for entry in os.listdir(pycountry.LOCALES_DIR):
        if os.path.exists(os.path.join(pycountry.LOCALES_DIR, entry, "LC_MESSAGES", "iso639-3.mo")):
            locales.setdefault(entry.split("_", 1)[0].split("@", 1)[0], entry)
    for record in records:
        locale = locales.get(getattr(record, "alpha_2", "")) or locales.get(record.alpha_3)
        if locale is None:
            continue
        own = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[locale]).gettext(record.name)
        out.setdefault(_fold(own), _canonical(record))
        out.setdefault(_fold(own.split(" (", 1)[0]), _canonical(record))
    return out


def _lookup(text: str) -> str | None:
    """The canonical code of a code, a BCP-47 tag or a name; None when it names no language.
    Untagged markers (``und``) are the caller's to check first."""
    value = _fold(text).replace("_", "-")
    if value.isascii() and value.isalpha() and len(value) <= 3:
        return _by_code(value)
    named = _names().get(value)
    base, dash, _rest = value.partition("-")
    if named is None and dash and base.isascii() and base.isalpha() and len(base) <= 3 and " " not in value:
        return _by_code(base)  # BCP-47: the language subtag decides, region and script are dropped
    return named


@lru_cache(maxsize=2048)
def normalize_language(tag: str | None) -> str | None:
    """A stream's language in canonical form, or ``None`` when the stream says no language (untagged,
    ``und``, ``mul``, ``zxx``) or a tag no standard knows (``qaa``, ``xyz``): such a stream is counted
    as untagged, it cannot satisfy a rule."""
    if tag is None:
        return None
    value = _fold(tag)
    if value in UNTAGGED:
        return None
    code = _lookup(value)
    return None if code is None or code in UNTAGGED else code


def required_language(text: str) -> str:
    """A language a person typed (code, tag or name, any case) in canonical form, or
    ``UnknownLanguage`` with a message saying what to type instead."""
    value = text.strip()
    if not value:
        raise UnknownLanguage("an empty entry is not a language; remove it or write a code such as fr")
    if len(value) > MAX_LANGUAGE_CHARS:
        raise UnknownLanguage(
            f"'{value[:MAX_LANGUAGE_CHARS]}…' is too long to be a language; write a code such as fr or a name"
        )
    folded = _fold(value)
    code = None if folded in UNTAGGED else _lookup(folded)
    if folded in UNTAGGED or code in UNTAGGED:
        raise UnknownLanguage(
            f"'{value}' means no particular language (undetermined, multiple or none), so it cannot be "
            "required; write a language such as fr or French"
        )
    if code is None:
        raise UnknownLanguage(
            f"'{value}' is not a language we know; write an ISO 639 code (fr, fre or fra) or an English name (French)"
        )
    return code


def required_languages(values: list[str]) -> list[str]:
    """Each entry in canonical form, duplicates dropped, order kept; the first bad entry raises."""
    out: list[str] = []
    for raw in values:
        code = required_language(raw)
        if code not in out:
            out.append(code)
    return out


def language_name(code: str) -> str:
    """The English name of a canonical code (``fr`` -> French), the code itself if it is none."""
    record = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    return record.name if record is not None else code


# The one language the French-only allowlists are about.
FRENCH = required_language("French")
