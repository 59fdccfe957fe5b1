"""Dates as servers report them, judged before any rule uses them.

A server's clock, a bad tag or a scanner bug can date an item, a play or an availability in the
future ("added next month"). Such a date is **suspect**: it never counts as recently added, recently
available or a recent play, and a rule that needs the date treats it as unknown (and unknown keeps
the file). A date up to ``FUTURE_TOLERANCE`` ahead of our clock is accepted as clock skew between
the server and us.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FUTURE_TOLERANCE = timedelta(days=1)


def suspect_after(now: datetime) -> datetime:
    """Dates later than this are suspect (bind it as a query parameter, e.g. ``:suspect_after``)."""
    return now + FUTURE_TOLERANCE


def is_suspect(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment > suspect_after(now)
