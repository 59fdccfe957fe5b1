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


def utc_iso_sql(expr: str) -> str:
    """SQL for ``utc_iso`` of a ``timestamptz`` expression: the same text, microseconds only when there are any."""
    utc = f"(({expr}) AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN extract(microseconds FROM {utc})::bigint % 1000000 <> 0 THEN to_char({utc}, '.US') ELSE '' END "
        "|| '+00:00')"
    )


# ``parts_of`` of one element ``p`` (a jsonb expression) of ``parts`` in SQL: ``str(part_id or '')``,
# the file as stored, ``int(size or 0)``.
def _part_id_sql(p: str) -> str:
    return f"""(CASE jsonb_typeof({p}->'part_id')
    WHEN 'string' THEN {p}->>'part_id'
    WHEN 'number' THEN CASE WHEN ({p}->>'part_id')::numeric = 0 THEN '' ELSE {p}->>'part_id' END
    WHEN 'boolean' THEN CASE WHEN ({p}->'part_id')::boolean THEN 'True' ELSE '' END
    ELSE '' END)"""


def _part_size_sql(p: str) -> str:
    return f"""(CASE jsonb_typeof({p}->'size')
    WHEN 'number' THEN trunc(({p}->>'size')::numeric)::bigint
    WHEN 'string' THEN CASE WHEN {p}->>'size' = '' THEN 0 ELSE ({p}->>'size')::bigint END
    WHEN 'boolean' THEN (({p}->'size')::boolean)::int
    ELSE 0 END)"""


def _part_sql(p: str) -> str:
    return f"jsonb_build_object('part_id', {_part_id_sql(p)}, 'file', {p}->'file', 'size', {_part_size_sql(p)})"


def _parts_of_sql(alias: str) -> tuple[str, str, str]:
    """The item's parts (a jsonb array, or '[]'), how many, and the first."""
    parts = f"(CASE jsonb_typeof({alias}.parts) WHEN 'array' THEN {alias}.parts ELSE '[]' END)"
    return parts, f"jsonb_array_length({parts})", f"({parts}->0)"


def whole_parts_sql(alias: str) -> str:
    """``take(item)["parts"]`` (a whole item, ``media_id`` '') of the ``media_items`` row ``alias``, in
    SQL: a statement that queues thousands of items takes their fingerprints without reading them into
    Python. A file of one part (nearly every one) is built directly; several are read in their order."""
    parts, count, first = _parts_of_sql(alias)
    return f"""(CASE {count} WHEN 0 THEN '[]'::jsonb WHEN 1 THEN jsonb_build_array({_part_sql(first)}) ELSE (
    SELECT jsonb_agg({_part_sql("x.p")} ORDER BY x.i) FROM jsonb_array_elements({parts}) WITH ORDINALITY AS x(p, i)
) END)"""  # noqa: S608 (code, no values)


def whole_size_sql(alias: str) -> str:
    """``take(item)["size"]`` (a whole item) of the ``media_items`` row ``alias``, in SQL: its parts'
    bytes, or the item's own size when it lists no part."""
    parts, count, first = _parts_of_sql(alias)
    return f"""(CASE {count} WHEN 0 THEN coalesce({alias}.size_bytes, 0) WHEN 1 THEN {_part_size_sql(first)} ELSE (
    SELECT sum({_part_size_sql("x.p")}) FROM jsonb_array_elements({parts}) AS x(p)
)::bigint END)"""  # noqa: S608 (code, no values)


def take_sql(alias: str, server_id_param: str) -> str:
    """SQL for ``take(item, server_id=..., media_id='')`` of the ``media_items`` row ``alias`` (a test
    holds the two to the same output)."""
    return (
        f"jsonb_build_object('server_id', {server_id_param}, 'item', {alias}.upstream_id, 'media_id', '', "
        f"'parts', {whole_parts_sql(alias)}, 'size', {whole_size_sql(alias)}, "
        f"'added_at', {utc_iso_sql(f'{alias}.added_at')})"
    )
