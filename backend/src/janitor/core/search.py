"""Search text in SQL LIKE patterns."""

from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement, func, literal
from sqlalchemy.orm import InstrumentedAttribute


def like_literal(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (escape character ``\\``): "100%" finds "100%",
    not "1000"; "a_b" finds "a_b", not "axb"."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _accent_table() -> tuple[str, str]:
    """Latin letters with a diacritic (U+00C0 to U+024F) and the plain letter each folds to."""
    accented, plain = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[:1]
        if base != char and base.isascii() and base.isalpha():
            accented.append(char)
            plain.append(base)
    return "".join(accented), "".join(plain)


ACCENTED, UNACCENTED = _accent_table()


def folded(expr: ColumnElement[str] | InstrumentedAttribute[str] | str) -> ColumnElement[str]:
    """``expr`` (a column, or a text such as the search) without case or accents, in SQL: "Amélie",
    "AMELIE" and "amelie" fold alike. Immutable (``translate`` and ``lower``), so an index could hold it;
    without an extension (``unaccent`` is not always installable), a letter the table does not know
    (``æ``, ``ß``, ``ł``) is kept as it is on both sides."""
    value = literal(expr) if isinstance(expr, str) else expr
    return func.lower(func.translate(value, ACCENTED, UNACCENTED))
