"""The other servers' copies of a report row: the same file seen through another server (folded into
the row, ``library.copies``), and the same title held there as another file (its own row)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.library.sizes import format_gb
from janitor.reports.common import item_link

COPIES_SQL = """
WITH me AS (
    SELECT mc.item_id, mc.file_group, mc.title_group FROM media_copies mc
    WHERE mc.account_id = :a AND mc.item_id = ANY(CAST(:ids AS bigint[]))
)
SELECT me.item_id AS of, m.connection_id, m.upstream_id, m.size_bytes, c.name AS server, c.kind AS server_kind,
       c.base_url, c.server_id, l.title AS library,
       CASE WHEN o.file_group = me.file_group THEN CASE WHEN o.matched_by = 'show' THEN 'same_show' ELSE 'same_file' END
            ELSE 'other_file' END AS relation
FROM me
JOIN media_copies o ON o.item_id <> me.item_id
     AND (o.file_group = me.file_group OR o.title_group = me.title_group)
JOIN media_items m ON m.id = o.item_id
JOIN libraries l ON l.id = m.library_id
JOIN connections c ON c.id = m.connection_id
WHERE NOT m.gone AND l.enabled
ORDER BY me.item_id, (o.file_group = me.file_group) IS NOT TRUE, c.created_at, m.id
"""


class ServerCopy(BaseModel):
    """A copy of the row's item on another of the account's servers."""

    connection_id: uuid.UUID
    upstream_id: str
    server: str
    server_kind: str
    library: str
    link: str
    size_bytes: int | None
    relation: Literal["same_file", "same_show", "other_file"] = Field(
        description="same_file: the same file seen through that server (counted once, its plays count); "
        "same_show: the same show there (its episodes and plays count with this row's); other_file: the same "
        "title there as another file (its own row; its plays count here too)"
    )


async def other_copies(
    session: AsyncSession, account_id: uuid.UUID, item_ids: Iterable[int]
) -> dict[int, list[ServerCopy]]:
    """For the rows of a page (their ``media_items`` ids): their copies on the account's other servers.
    One query per page; an account with one server finds nothing at the cost of an index probe."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    out: dict[int, list[ServerCopy]] = {}
    for r in (await session.execute(text(COPIES_SQL), {"a": account_id, "ids": ids})).mappings():
        out.setdefault(r["of"], []).append(
            ServerCopy(
                connection_id=r["connection_id"],
                upstream_id=r["upstream_id"],
                server=r["server"],
                server_kind=r["server_kind"],
                library=r["library"],
                link=item_link(r["server_kind"], r["base_url"], r["server_id"], r["upstream_id"]),
                size_bytes=r["size_bytes"],
                relation=r["relation"],
            )
        )
    return out


def copies_note(copies: list[ServerCopy]) -> str:
    """What the row's "why" adds about its copies on other servers."""
    parts = []
    for relation, words in (("same_file", "the same file is on"), ("same_show", "the same show is on")):
        servers = list(dict.fromkeys(c.server for c in copies if c.relation == relation))
        if servers:
            parts.append(f"{words} {', '.join(servers)} (counted once)")
    for c in copies:
        if c.relation == "other_file":
            size = f" ({format_gb(c.size_bytes)})" if c.size_bytes else ""
            parts.append(f"a different file of this title is on {c.server}{size}")
    return "; ".join(parts)


RELATION_WORDS = {"same_file": "same file", "same_show": "same show", "other_file": "another file"}


def copy_text(c: ServerCopy) -> str:
    """One copy in words, for a spreadsheet: "same file on Jellyfin (http://…)"."""
    size = f", {format_gb(c.size_bytes)}" if c.relation == "other_file" and c.size_bytes else ""
    return f"{RELATION_WORDS[c.relation]} on {c.server}{size} ({c.link})"
