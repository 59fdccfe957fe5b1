"""Property tests of the duplicate key."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from janitor.library.matching import normalize, track_key

words = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=12)
titles = st.lists(words, min_size=1, max_size=5).map(" ".join)


@given(titles)
@settings(max_examples=200)
def test_normalising_twice_changes_nothing(title: str) -> None:
    assert normalize(normalize(title)) == normalize(title)


@given(titles)
@settings(max_examples=200)
@example("ᾀ")  # ypogegrammeni: a mark in lower case, a letter (iota) in upper case
def test_case_and_punctuation_do_not_matter(title: str) -> None:
    assert normalize(title.upper() + "!!") == normalize(title.lower())
    assert normalize(f"  {title} ") == normalize(title)


@given(
    titles,
    st.sampled_from(
        [
            "(Remastered)",
            "(Remastered 2011)",
            "[2009 Remaster]",
            "- Remastered",
            "(feat. Someone)",
            "feat. Someone Else",
            "[Explicit]",
            "(Deluxe Edition)",
        ]
    ),
)
@settings(max_examples=200)
def test_release_suffixes_and_credits_do_not_matter(title: str, suffix: str) -> None:
    assert normalize(f"{title} {suffix}") == normalize(title)


@given(titles, titles)
@settings(max_examples=200)
def test_different_titles_stay_apart_when_their_words_differ(a: str, b: str) -> None:
    if normalize(a) != normalize(b):
        assert track_key(a, "x", "y") != track_key(b, "x", "y")


def test_examples() -> None:
    assert normalize("Sóng A") == normalize("song a")
    assert normalize("The Beatles") == normalize("Beatles")
    assert normalize("Rock & Roll") == normalize("rock and roll")
    assert normalize("Song A (Live)") != normalize("Song A")  # a live recording is another recording
    assert normalize(None) == ""


def _unoptimised(text: str) -> str:
    """The normaliser without its ASCII shortcut and cache: both Unicode steps on every string."""
    import unicodedata

    from janitor.library import matching as m

    value = unicodedata.normalize("NFKC", text)
    value = m._BRACKETED.sub(" ", value)
    value = m._DASH_SUFFIX.sub(" ", value)
    value = m._FEAT.sub(" ", value)
    value = unicodedata.normalize("NFKD", value.upper().casefold())
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = m._NON_WORD.sub(" ", value.replace("&", " and ")).strip()
    value = value[4:] if value.startswith("the ") else value
    return " ".join(value.split())


@given(st.one_of(st.text(max_size=40), st.text(alphabet=st.characters(max_codepoint=127), max_size=40), titles))
@settings(max_examples=500)
def test_the_ascii_shortcut_and_the_cache_change_no_key(text: str) -> None:
    assert normalize(text) == _unoptimised(text)
    assert normalize(text) == normalize(text)  # a cached answer is the same answer
