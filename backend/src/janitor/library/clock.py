"""The account's calendar: "today" in its time zone, and whole calendar months.

A cut-off of "N months ago" is the start (local midnight) of the same day N calendar months before
today, clamped to the length of that month: one month before March 31 is the last day of February.
Something dated on that day or later is within the last N months; before it, more than N months ago.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from importlib.resources import files
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "UTC"


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    """Every IANA name of the ``tzdata`` package (a dependency, pinned): the same list on every
    machine, whatever time zone files the system has."""
    zones = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(zones) | {DEFAULT_TIME_ZONE}


def validate_time_zone(name: str) -> str:
    """The name as stored, or ValueError with a message a person can act on."""
    if name not in time_zone_names():
        raise ValueError(f"'{name}' is not a time zone; use an IANA name such as Europe/Paris, America/New_York or UTC")
    return name


def zone(name: str) -> tzinfo:
    """A stored name as a zone (validated when saved; a name a later database drops falls back to UTC)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local_today(now: datetime, tz: tzinfo) -> date:
    return now.astimezone(tz).date()


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to that month's last day."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_of_day(day: date, tz: tzinfo) -> datetime:
    """Local midnight of ``day`` as an instant."""
    return datetime.combine(day, time(), tzinfo=tz)
