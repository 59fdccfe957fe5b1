"""The fingerprint of a deletion target: what it was when it was queued.

The deleter takes the fingerprint again from the item as synced now and compares: a different
server, a file replaced (other path, size or part), an added date that moved (Plex and Jellyfin set
it anew when a file is replaced) or a version gone all mean the owner's decision was about
something else, and the row is cancelled with the difference as its reason.

A fingerprint is plain JSON (stored on the queue row):

* ``server_id``: the server's own id (Plex machineIdentifier, Jellyfin server id);
* ``item``: the item's id on that server; ``media_id``: the one version to delete ('' = all);
* ``parts``: ``[{"part_id", "file", "size"}]`` of what would be deleted, in the server's order;
* ``size``: their bytes; ``added_at``: ISO 8601 UTC or None.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol


class FileItem(Protocol):
    """What a fingerprint reads of a synced item (a ``MediaItem``, or the same columns read in bulk)."""

    @property
    def upstream_id(self) -> str: ...
    @property
    def added_at(self) -> datetime | None: ...
    @property
    def size_bytes(self) -> int | None: ...
    @property
    def parts(self) -> list[dict[str, Any]]: ...


def parts_of(item: FileItem, media_id: str = "") -> list[dict[str, Any]]:
    """The parts a deletion of ``item`` (or only its version ``media_id``) removes."""
    return [
        {"part_id": str(p.get("part_id") or ""), "file": p.get("file"), "size": int(p.get("size") or 0)}
        for p in item.parts or ()
        if not media_id or str(p.get("media_id") or "") == media_id
    ]


def take(item: FileItem, *, server_id: str | None, media_id: str = "") -> dict[str, Any]:
    parts = parts_of(item, media_id)
    added = item.added_at.astimezone(UTC).isoformat() if item.added_at is not None else None
    return {
        "server_id": server_id or "",
        "item": item.upstream_id,
        "media_id": media_id,
        "parts": parts,
        # A version weighs its own parts (nothing when it is gone), never the whole item.
        "size": sum(p["size"] for p in parts) if parts or media_id else (item.size_bytes or 0),
        "added_at": added,
    }


FIELD_WORDS = {
    "server_id": "the server is another one",
    "item": "the item id changed",
    "media_id": "the version changed",
    "parts": "the file was replaced (other path, part or size)",
    "size": "the size changed",
    "added_at": "the file was added again (a new added date)",
}


def differences(queued: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between the fingerprint taken when queued and the one taken now, in words. A
    version that no longer exists (no parts now, where there were some) is a difference too."""
    out = [words for key, words in FIELD_WORDS.items() if queued.get(key) != now.get(key)]
    if queued.get("parts") and not now.get("parts") and FIELD_WORDS["parts"] not in out:
        out.append(FIELD_WORDS["parts"])
    return out


def utc_iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None
