"""Sizes, in one unit everywhere: decimal gigabytes, 1 GB = 10^9 bytes.

Plex and Jellyfin show file sizes in decimal units, so a file the server calls "13 GB" is 13 GB here
too: in the API's texts, the CSV, the tables, the dashboard and the large-movie threshold. The API
carries sizes as exact bytes (``size_bytes``); only texts are in GB.

"Above N GB" is strict: a file of exactly N GB is not above N GB, one byte more is (the reports
compare ``size_bytes > gb_to_bytes(N)``).
"""

from __future__ import annotations

from decimal import Decimal

GB = 10**9


def gb_to_bytes(gb: float) -> int:
    """A threshold in GB as whole bytes, exactly as typed (13.1 GB is 13,100,000,000 bytes: no float drift)."""
    return int(Decimal(repr(gb)) * GB)


def format_gb(size_bytes: int, *, above: float | None = None) -> str:
    """``"14.2 GB"`` (``"143 GB"`` from 100 GB: the tables' rounding). Next to a threshold it is compared
    with (``above``), a size that would round to the threshold or below it is given in bytes, so the
    text never reads "13.0 GB is above the 13 GB threshold"."""
    gb = size_bytes / GB
    number = f"{gb:.0f}" if gb >= 100 else f"{gb:.1f}"
    if above is not None and Decimal(number) <= Decimal(repr(above)):
        return f"{size_bytes:,} bytes"
    return f"{number} GB"
