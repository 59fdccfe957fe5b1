"""Property tests of the duplicate key."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from janitor.library.matching import DASHES, INVISIBLE, QUOTES, normalize, normalize_uncached, track_key

words = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=12)
titles = st.lists(words, min_size=1, max_size=5).map(" ".join)
# Words that survive the key (an apostrophe-like letter such as U+02BC alone is no word).
plain_words = st.text(alphabet=st.characters(categories=("Ll", "Lu", "Nd")), min_size=1, max_size=10).filter(
    lambda w: normalize(w) == w.lower() and " " not in normalize(w)
)
plain_titles = st.lists(plain_words, min_size=1, max_size=4).map(" ".join)
quotes = st.sampled_from(QUOTES)
dashes = st.sampled_from(DASHES)
# What describes another recording of the same song: never erased, even beside a release marker.
DESCRIPTIONS = ["Live", "Acoustic", "Remix", "Demo", "Instrumental", "Mono", "Stereo", "Clean", "Live at Wembley"]


@given(st.one_of(titles, st.text(max_size=30)))
@settings(max_examples=300)
@example("A·ft B")  # a credit after punctuation other than a space is removed the first time
@example("ŉ")  # case folding writes an apostrophe (U+02BC) that must go too
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
            "\u2013 2011 Remastered Version",
            "(feat. Someone)",
            "feat. Someone Else",
            "[Explicit]",
            "(Deluxe Edition)",
            "(Super Deluxe Edition)",
            "(Remastered in 2011)",
            "[Bonus Track]",
        ]
    ),
)
@settings(max_examples=200)
def test_release_suffixes_and_credits_do_not_matter(title: str, suffix: str) -> None:
    assert normalize(f"{title} {suffix}") == normalize(title)


@given(plain_words, plain_words, quotes)
@settings(max_examples=300)
@example("Don", "t", "'")
@example("Don", "t", "\u2019")
@example("Don", "t", "\u00b4")  # NFKC would turn it into a space and an accent
def test_an_apostrophe_or_a_quote_is_nothing(left: str, right: str, quote: str) -> None:
    assert normalize(f"{left}{quote}{right}") == normalize(f"{left}{right}")
    assert normalize(f"{quote}{left} {right}{quote}") == normalize(f"{left} {right}")


def test_dont_look_back_is_one_title() -> None:
    keys = {normalize(t) for t in ("Don't Look Back", "Dont look back", "Don\u2019t Look Back", "DON`T LOOK BACK")}
    assert keys == {"dont look back"}
    assert normalize("“Heroes”") == normalize('"Heroes"') == normalize("Heroes")
    assert track_key("Don\u2019t Stop", "Guns N\u2019 Roses", "Live \u201988") == track_key(
        "Don't Stop", "Guns N' Roses", "Live '88"
    )


@given(plain_words, plain_words, dashes)
@settings(max_examples=200)
def test_every_hyphen_and_dash_is_a_space(left: str, right: str, dash: str) -> None:
    assert normalize(f"{left}{dash}{right}") == normalize(f"{left} {right}")
    assert normalize(f"{left} {dash} {right}") == normalize(f"{left} - {right}")


@given(plain_titles, dashes, st.sampled_from(["Remastered", "2011 Remaster", "Remastered 2009", "Bonus Track"]))
@settings(max_examples=200)
def test_a_marker_after_any_dash_does_not_matter(title: str, dash: str, marker: str) -> None:
    assert normalize(f"{title} {dash} {marker}") == normalize(title)


@given(plain_words, plain_words)
@settings(max_examples=200)
def test_ampersand_is_and(left: str, right: str) -> None:
    assert normalize(f"{left} & {right}") == normalize(f"{left} and {right}")
    assert normalize(f"{left}&{right}") == normalize(f"{left} and {right}")
    assert normalize(f"{left} \uff06 {right}") == normalize(f"{left} and {right}")  # full-width ampersand


@given(plain_words, plain_words, st.sampled_from(INVISIBLE))
@settings(max_examples=100)
def test_invisible_characters_are_nothing(left: str, right: str, invisible: str) -> None:
    assert normalize(f"{left}{invisible}{right}") == normalize(f"{left}{right}")


@given(plain_titles, st.sampled_from(DESCRIPTIONS))
@settings(max_examples=200)
def test_another_recording_stays_apart_even_beside_a_marker(title: str, description: str) -> None:
    own = normalize(f"{title} ({description})")
    assert own != normalize(title)
    assert normalize(f"{title} ({description}, Remastered 2011)") == own
    assert normalize(f"{title} [{description}] (Remastered)") == own
    assert normalize(f"{title} - {description} - 2011 Remaster") == own
    assert normalize(f"{title} feat. Someone ({description})") == own
    assert normalize(f"{title} ({description} feat. Someone)") == own


@given(plain_titles, st.integers(0, 99), st.integers(0, 99))
@settings(max_examples=100)
def test_numbered_parts_stay_apart(title: str, a: int, b: int) -> None:
    if a != b:
        assert normalize(f"{title} Part {a}") != normalize(f"{title} Part {b}")
        assert normalize(f"{title}, Pt. {a} (Remastered)") != normalize(f"{title}, Pt. {b}")


@given(titles, titles)
@settings(max_examples=200)
def test_different_titles_stay_apart_when_their_words_differ(a: str, b: str) -> None:
    if normalize(a) != normalize(b):
        assert track_key(a, "x", "y") != track_key(b, "x", "y")


def test_examples() -> None:
    assert normalize("Sóng A") == normalize("song a")
    assert normalize("The Beatles") == normalize("Beatles")
    assert normalize("Rock & Roll") == normalize("rock and roll")
    assert normalize("Røyksopp") == normalize("Royksopp")
    assert normalize("Song A (Live)") != normalize("Song A")  # a live recording is another recording
    assert normalize("Song A (Mono)") != normalize("Song A (Stereo)")  # two mixes
    assert normalize("Song A [Clean]") != normalize("Song A [Explicit]")  # an edit with muted words
    assert normalize("Song A [Explicit]") == normalize("Song A")
    assert normalize("Symphony II") != normalize("Symphony 2")  # doubt keeps both
    assert normalize(None) == ""


@given(st.one_of(st.text(max_size=40), st.text(alphabet=st.characters(max_codepoint=127), max_size=40), titles))
@settings(max_examples=500)
def test_the_ascii_shortcut_and_the_cache_change_no_key(text: str) -> None:
    assert normalize(text) == normalize_uncached(text)  # both Unicode steps on every string
    assert normalize(text) == normalize(text)  # a cached answer is the same answer
