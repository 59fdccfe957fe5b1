"""The duplicates report as spreadsheet rows."""

from __future__ import annotations

from typing import Any

from janitor.reports.duplicates.groups import DuplicateGroup
from janitor.reports.duplicates.ranking import Copy

DUPLICATE_COLUMNS = [
    "group",
    "kind",
    "title",
    "artist",
    "album",
    "keeper",
    "connection_id",
    "upstream_id",
    "part_id",
    "file",
    "container",
    "audio_codec",
    "bitrate_kbps",
    "duration_ms",
    "size_bytes",
    "added_at",
    "why",
    "choice",
]


def _choice(group: DuplicateGroup, copy: Copy) -> str:
    """On the keeper's row: "chosen" when it is the owner's choice for this group, else why a choice
    made for these copies no longer applies (if one was)."""
    if not copy.keeper:
        return ""
    return "chosen" if group.keeper_chosen else group.stale_choice or ""


def duplicate_rows(groups: list[DuplicateGroup]) -> list[dict[str, Any]]:
    """Groups flattened for a spreadsheet: one row per copy, numbered by group, the keeper marked."""
    out = []
    for number, group in enumerate(groups, start=1):
        for copy in group.copies:
            out.append(
                {
                    **copy.model_dump(mode="json"),
                    "group": number,
                    "kind": group.kind,
                    "title": group.title,
                    "artist": group.artist,
                    "album": group.album,
                    "keeper": "keep" if copy.keeper else "",
                    "why": f"{group.why}; {group.keeper_reason[0].lower()}{group.keeper_reason[1:]}"
                    if copy.keeper
                    else group.why,
                    "choice": _choice(group, copy),
                }
            )
    return out
