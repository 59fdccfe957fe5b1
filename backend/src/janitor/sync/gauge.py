"""How far a sync run is: one percentage for the run and one per source, that never go back.

The SPA shows these figures (the top bar's indicator, the sync panel, the history) and computes
none of them, so every view of a run says the same thing.

What a source measures:

- A source knows its size once it has counted every listing it planned (``listings``: the libraries'
  full listings, whose first page carries the server's total; ``counted`` of them so far). Before
  that its fraction is unknown: a Plex server's total grows as each library and level is reached,
  and ``items / total`` would fall each time. A refresh lists only what changed, and never knows it.
- Its fraction is ``items / total`` once sized, 0 while it waits its turn, 1 once it ended (whatever
  the outcome: the run is past it). After the listings it still reads plays and played states, so
  it stays below 100 until it ends.

The run's fraction weighs each source by its size: the total counted in this run once sized, else
the total its last full read counted (``expected``), else the average of the sizes known (a first
sync, with nothing to go on, weighs its sources alike). A source still running without a known
fraction counts as 0. While no source is measured (none sized, none ended) the run's fraction is
unknown: an indeterminate bar.

The figures shown are high-water marks: a percentage never drops below one shown before in the
same run (an estimate that falls, because a weight became known, holds the bar still until the run
catches up). While running they stay at 99 at most; a source that ended is 100, and a run that
ended is 100 (``to_out``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

TERMINAL = frozenset({"complete", "partial", "failed", "cancelled"})
# What a running run or source shows at most: 100 means it ended.
RUNNING_MAX = 99


class Measured(Protocol):
    """What the gauge reads of a source (``progress.SourceProgress``)."""

    @property
    def status(self) -> str: ...
    @property
    def items(self) -> int: ...
    @property
    def total(self) -> int | None: ...
    @property
    def listings(self) -> int | None: ...
    @property
    def counted(self) -> int: ...
    @property
    def expected(self) -> int | None: ...


def sized(source: Measured) -> bool:
    """Every listing the source planned has been counted: ``total`` is its whole size."""
    return source.listings is not None and source.counted >= source.listings


def source_fraction(source: Measured) -> float | None:
    """0..1, or None while unknown (running, not sized yet)."""
    if source.status in TERMINAL:
        return 1.0
    if source.status == "pending":
        return 0.0
    if sized(source) and source.total:
        return min(1.0, max(0.0, source.items / source.total))
    return None


def _size(source: Measured) -> int | None:
    if sized(source):
        return max(0, source.total or 0)
    if source.expected is not None and source.expected > 0:
        return source.expected
    return None


def run_fraction(sources: Mapping[str, Measured]) -> float | None:
    """0..1 weighed by the sources' sizes, or None while no source is measured."""
    values = list(sources.values())
    fractions = [source_fraction(s) for s in values]
    measured = any(f is not None and s.status != "pending" for s, f in zip(values, fractions, strict=True))
    if not measured:
        return None
    sizes = [_size(s) for s in values]
    known = [n for n in sizes if n is not None]
    guess = sum(known) / len(known) if known else 1.0
    # A size of 0 (a server with nothing listed) still weighs a little: its end moves the bar.
    weights = [max(1.0, float(n) if n is not None else guess) for n in sizes]
    done = sum(w * (f or 0.0) for w, f in zip(weights, fractions, strict=True))
    return done / sum(weights)


def _percent(fraction: float | None) -> int | None:
    # The epsilon keeps a share that is exactly 29% in integers from reading 28.999… in floats.
    return None if fraction is None else min(RUNNING_MAX, math.floor(fraction * 100 + 1e-9))


def _not_lower(shown: int | None, now: int | None) -> int | None:
    if now is None:
        return shown
    return now if shown is None else max(shown, now)


@dataclass
class Gauge:
    """The percentages shown so far in one run (high-water marks)."""

    percent: int | None = None
    sources: dict[str, int] = field(default_factory=dict)

    def read(self, sources: Mapping[str, Measured]) -> None:
        """Take a new reading of the run's sources: ``percent`` and ``sources`` never go down."""
        for key, source in sources.items():
            now = 100 if source.status in TERMINAL else _percent(source_fraction(source))
            shown = _not_lower(self.sources.get(key), now)
            if shown is not None:
                self.sources[key] = shown
        self.percent = _not_lower(self.percent, _percent(run_fraction(sources)))
