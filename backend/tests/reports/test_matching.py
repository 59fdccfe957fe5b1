"""Property tests of the duplicate key."""

from __future__ import annotations

from hypothesis import given, settings
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
