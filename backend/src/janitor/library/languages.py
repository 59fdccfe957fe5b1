"""Language codes as servers write them (Plex ISO 639-2/B ``fre``, Jellyfin ``fra``/``eng``, tags ``en``)
normalised to ISO 639-1 two-letter codes where one exists."""

from __future__ import annotations

# ISO 639-2 (bibliographic and terminology forms) -> ISO 639-1, for the languages media is tagged in.
_TO_ALPHA2 = {
    "eng": "en",
    "fre": "fr",
    "fra": "fr",
    "ger": "de",
    "deu": "de",
    "spa": "es",
    "ita": "it",
    "por": "pt",
    "dut": "nl",
    "nld": "nl",
    "jpn": "ja",
    "chi": "zh",
    "zho": "zh",
    "kor": "ko",
    "rus": "ru",
    "ara": "ar",
    "hin": "hi",
    "swe": "sv",
    "nor": "no",
    "nob": "nb",
    "nno": "nn",
    "dan": "da",
    "fin": "fi",
    "pol": "pl",
    "cze": "cs",
    "ces": "cs",
    "slo": "sk",
    "slk": "sk",
    "hun": "hu",
    "rum": "ro",
    "ron": "ro",
    "gre": "el",
    "ell": "el",
    "tur": "tr",
    "heb": "he",
    "tha": "th",
    "vie": "vi",
    "ind": "id",
    "may": "ms",
    "msa": "ms",
    "ukr": "uk",
    "bul": "bg",
    "hrv": "hr",
    "srp": "sr",
    "slv": "sl",
    "est": "et",
    "lav": "lv",
    "lit": "lt",
    "ice": "is",
    "isl": "is",
    "cat": "ca",
    "baq": "eu",
    "eus": "eu",
    "glg": "gl",
    "wel": "cy",
    "cym": "cy",
    "gle": "ga",
    "per": "fa",
    "fas": "fa",
    "urd": "ur",
    "ben": "bn",
    "tam": "ta",
    "tel": "te",
    "fil": "tl",
    "tgl": "tl",
    "afr": "af",
    "alb": "sq",
    "sqi": "sq",
    "arm": "hy",
    "hye": "hy",
    "geo": "ka",
    "kat": "ka",
    "mac": "mk",
    "mkd": "mk",
    "bos": "bs",
    "lat": "la",
}
UNTAGGED = {"", "und", "unk", "mis", "mul", "zxx", "xx", "unknown", "undefined"}


def normalize_language(code: str | None) -> str | None:
    """Two-letter code, the lower-cased input if unknown, or ``None`` for untagged streams."""
    if code is None:
        return None
    value = code.strip().lower().replace("_", "-")
    if value in UNTAGGED:
        return None
    base = value.split("-", 1)[0]
    if len(base) == 2:
        return base
    return _TO_ALPHA2.get(base, base)
