"""Search text in SQL LIKE patterns."""

from __future__ import annotations


def like_literal(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (escape character ``\\``): "100%" finds "100%",
    not "1000"; "a_b" finds "a_b", not "axb"."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
