"""The run's percentage (sync/gauge.py): weighed by the servers' sizes, unknown until something is
measured, and never lower than a value shown before, whatever the sources report next."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from janitor.sync.gauge import Gauge, run_fraction, source_fraction
from janitor.sync.progress import SourceProgress

STATUSES = ("pending", "running", "complete", "partial", "failed", "cancelled")


def src(status: str = "running", **kw: object) -> SourceProgress:
    return replace(SourceProgress(kind="plex", name="Plex", status=status), **kw)  # type: ignore[arg-type]


def test_a_source_is_unknown_until_every_listing_it_planned_is_counted() -> None:
    # Plex: Movies (one level) counted, TV's three levels not yet: 300 of 300 is not "done".
    assert source_fraction(src(items=300, total=300, listings=4, counted=1)) is None
    assert source_fraction(src(items=300, total=5550, listings=4, counted=4)) == 300 / 5550
    # a refresh plans no listing: never measured while it runs, whatever its counts
    assert source_fraction(src(items=12, total=None)) is None
    assert source_fraction(src("pending")) == 0.0
    for status in ("complete", "partial", "failed", "cancelled"):
        assert source_fraction(src(status)) == 1.0


def test_the_run_weighs_its_servers_by_their_size() -> None:
    small = src("complete", items=100, total=100, listings=1, counted=1)
    big = src(items=0, total=10_000, listings=1, counted=1)
    # equal weights would say 50%: one server of two is done
    assert math.floor(run_fraction({"a": small, "b": big}) * 100) == 0  # type: ignore[operator]
    half = replace(big, items=5_000)
    assert run_fraction({"a": small, "b": half}) == 5_100 / 10_100


def test_a_server_not_counted_yet_weighs_what_its_last_full_read_counted() -> None:
    done = src("complete", items=1_000, total=1_000, listings=1, counted=1)
    waiting = src("pending", expected=3_000)
    assert run_fraction({"a": done, "b": waiting}) == 1_000 / 4_000
    # nothing known of it: it weighs as much as the servers measured
    assert run_fraction({"a": done, "b": src("pending")}) == 0.5


def test_the_run_is_unknown_until_a_server_is_measured() -> None:
    assert run_fraction({}) is None
    assert run_fraction({"a": src("pending"), "b": src(items=40)}) is None
    assert run_fraction({"a": src("complete"), "b": src(items=40)}) == 0.5


def test_a_total_that_grows_does_not_pull_the_bar_back() -> None:
    gauge = Gauge()
    plex = src(items=0, total=0, listings=2, counted=0, expected=None)
    seerr = src("pending")
    shown = []
    # Jellyseerr first (sized at once), then Plex: Movies counted, then TV counted (a far larger total).
    done = replace(seerr, status="complete", items=40, total=40, listings=1, counted=1)
    steps = [
        {"b": plex, "a": replace(seerr, status="running", items=20, total=40, listings=1, counted=1)},
        {"b": plex, "a": done},
        {"b": replace(plex, items=300, total=300, counted=1), "a": done},
        {"b": replace(plex, items=350, total=5_300, counted=2), "a": done},
        {"b": replace(plex, items=5_000, total=5_300, counted=2), "a": done},
    ]
    for sources in steps:
        gauge.read(sources)
        shown.append(gauge.percent)
    assert shown == sorted(shown)
    assert shown[:2] == [25, 50]  # Plex weighs as much as Jellyseerr while its size is unknown
    assert shown[2:] == [50, 50, 94]  # the estimate fell to 7%: the bar holds until the run catches up
    assert gauge.sources["a"] == 100 and gauge.sources["b"] == 94


# A source's life as the runner writes it: pending, then running with counts that may move any way
# (a listing's total added, a retry, a fallback listing), then an end.
@st.composite
def source_lives(draw: st.DrawFn) -> list[SourceProgress]:
    listings = draw(st.none() | st.integers(0, 4))
    expected = draw(st.none() | st.integers(0, 50_000))
    life = [src("pending", listings=listings, expected=expected)]
    for _ in range(draw(st.integers(0, 8))):
        counted = draw(st.integers(0, 5))
        life.append(
            replace(
                life[-1],
                status="running",
                items=draw(st.integers(0, 20_000)),
                total=draw(st.none() | st.integers(0, 20_000)),
                counted=counted,
            )
        )
    if draw(st.booleans()):
        life.append(replace(life[-1], status=draw(st.sampled_from(STATUSES[2:]))))
    return life


@st.composite
def runs(draw: st.DrawFn) -> list[dict[str, SourceProgress]]:
    """The readings of a run: its sources read one after another (as the runner does)."""
    lives = draw(st.lists(source_lives(), min_size=1, max_size=4))
    now = {str(i): life[0] for i, life in enumerate(lives)}
    readings = [dict(now)]
    for i, life in enumerate(lives):
        for state in life[1:]:
            now[str(i)] = state
            readings.append(dict(now))
    return readings


@settings(max_examples=300, deadline=None)
@given(runs())
def test_no_sequence_of_readings_lowers_a_percentage(readings: list[dict[str, SourceProgress]]) -> None:
    gauge = Gauge()
    run_shown: list[int] = []
    source_shown: dict[str, list[int]] = {}
    for sources in readings:
        gauge.read(sources)
        if gauge.percent is not None:
            run_shown.append(gauge.percent)
        elif run_shown:
            raise AssertionError("a run that showed a percentage went back to unknown")
        for key, value in gauge.sources.items():
            source_shown.setdefault(key, []).append(value)
        for key, source in sources.items():
            if source.status in ("complete", "partial", "failed", "cancelled"):
                assert gauge.sources[key] == 100
            elif key in gauge.sources:
                assert 0 <= gauge.sources[key] <= 99
    assert run_shown == sorted(run_shown)
    assert all(0 <= p <= 99 for p in run_shown)
    for shown in source_shown.values():
        assert shown == sorted(shown)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=4), st.data())
def test_a_run_whose_sizes_are_known_shows_exactly_its_share_read(sizes: list[int], data: st.DataObject) -> None:
    """No high-water mark distorts a well-behaved run: every server counted up front, items only
    grow, and the bar shows floor(items read / items in all) throughout."""
    gauge = Gauge()
    read = [0] * len(sizes)
    for _ in range(data.draw(st.integers(1, 12))):
        i = data.draw(st.integers(0, len(sizes) - 1))
        read[i] = data.draw(st.integers(read[i], sizes[i]))
        sources = {
            str(k): src(items=read[k], total=sizes[k], listings=1, counted=1, expected=None) for k in range(len(sizes))
        }
        gauge.read(sources)
        assert gauge.percent == min(99, sum(read) * 100 // sum(sizes))
