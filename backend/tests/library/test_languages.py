"""Language codes: one canonical form (ISO 639-1, else ISO 639-3) for streams and for settings."""

from __future__ import annotations

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from janitor.library.languages import (
    FRENCH,
    UnknownLanguage,
    language_name,
    normalize_language,
    required_language,
    required_languages,
)

# Every language of ISO 639-2 (it has a bibliographic or a two-letter code): what files are tagged in.
TAGGED_IN_FILES = [r for r in pycountry.languages if getattr(r, "alpha_2", None) or getattr(r, "bibliographic", None)]


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("fr", "fr"),  # Plex languageTag
        ("fre", "fr"),  # Plex languageCode (ISO 639-2/B)
        ("fra", "fr"),  # Jellyfin, an MP4 file's tag (ISO 639-2/T)
        ("FRA", "fr"),
        ("Français", "fr"),  # Plex's display name
        ("ger", "de"),
        ("deu", "de"),
        ("Deutsch", "de"),
        ("pt-BR", "pt"),  # BCP-47: the region is dropped
        ("zh-Hant", "zh"),
        ("chi", "zh"),
        ("nob", "nb"),  # Bokmål is not Norwegian (no): macrolanguages are not expanded
        ("nor", "no"),
        ("fil", "fil"),  # no ISO 639-1 code: ISO 639-3 (the old table turned it into Tagalog, tl)
        ("tgl", "tl"),
        ("cmn", "cmn"),
        ("iw", "he"),  # withdrawn ISO 639-1 code, still written by old tools
        ("日本語", "ja"),
    ],
)
def test_stream_tags_become_the_canonical_code(tag: str, code: str) -> None:
    assert normalize_language(tag) == code


@pytest.mark.parametrize("tag", [None, "", "  ", "und", "UND", "mul", "zxx", "mis", "Unknown", "qaa", "xyz", "zz"])
def test_tags_that_name_no_language_are_untagged(tag: str | None) -> None:
    assert normalize_language(tag) is None


@given(st.sampled_from(TAGGED_IN_FILES), st.sampled_from(["lower", "upper", "title"]))
def test_every_form_of_a_language_is_one_code(record: object, case: str) -> None:
    """Whatever form a server or a person uses (two-letter, ISO 639-2/B, ISO 639-2/T, the English name),
    streams and settings agree on one code: two-letter where the language has one."""
    alpha_2 = getattr(record, "alpha_2", None)
    canonical = alpha_2 or record.alpha_3
    forms = [record.alpha_3, getattr(record, "bibliographic", None), alpha_2, record.name]
    for form in filter(None, forms):
        typed = getattr(form, case)()
        assert normalize_language(typed) == canonical, typed
        assert required_language(typed) == canonical, typed


def test_settings_take_codes_and_names_in_any_case_and_store_one_form() -> None:
    assert required_languages(["fr", "fre", "fra", "French", "FRENCH", " français "]) == ["fr"]
    assert required_languages(["English", "ger", "pt-BR", "Greek"]) == ["en", "de", "pt", "el"]
    assert FRENCH == "fr"
    assert language_name("fr") == "French"
    assert language_name("fil") == "Filipino"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("xyzzy", "'xyzzy' is not a language we know; write an ISO 639 code (fr, fre or fra) or an English name"),
        ("qaa", "'qaa' is not a language we know"),
        ("und", "'und' means no particular language"),
        ("Multiple languages", "means no particular language"),
        ("", "an empty entry is not a language"),
        ("x" * 61, "is too long to be a language"),
    ],
)
def test_settings_refuse_what_names_no_language_with_what_to_type(typed: str, message: str) -> None:
    with pytest.raises(UnknownLanguage, match=message.replace("(", r"\(").replace(")", r"\)")):
        required_language(typed)
