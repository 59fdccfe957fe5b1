"""The one CSV writer of every export, safe to open in a spreadsheet.

A cell a spreadsheet would read as a formula (starting with ``= + - @``, a tab or a carriage return,
OWASP's list) is written with a single quote in front. A list becomes one cell, its items joined by a
space, and is then protected like any text. ``unprotect`` undoes exactly what ``protect`` added, so
an export imports back unchanged: a text that already starts with quotes before a dangerous
character gets one more quote, and the import takes one away.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    # Quotes already in front count: "'=x" becomes "''=x", so the import can take exactly one away.
    return text.lstrip("'")[:1] in DANGEROUS


def protect(text: str) -> str:
    return "'" + text if _needs_quote(text) else text


def unprotect(text: str) -> str:
    """The imported cell as it was before ``protect``."""
    return text[1:] if text[:1] == "'" and _needs_quote(text[1:]) else text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return protect(" ".join("" if v is None else str(v) for v in value))
    return protect(str(value))


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, header: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        writer.writerow([protect(c) for c in columns])
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buffer.getvalue()
