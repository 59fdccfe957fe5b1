"""Shared report plumbing: paging, sorting and search parameters, links into Plex/Jellyfin, CSV."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

from pydantic import Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.search import like_literal
from janitor.sync.freshness import Freshness

T = TypeVar("T")


class ReportPage(Freshness, Generic[T]):
    """One page of a report, with how current the data behind it is (``data_as_of``, ``derived_stale``)."""

    items: list[T]
    total: int = Field(description="Rows matching the filters (all pages)")
    page: int
    page_size: int


@dataclass(frozen=True)
class PageParams:
    page: int = 1
    page_size: int = 50
    sort: str | None = None
    order: Literal["asc", "desc"] = "desc"
    q: str | None = None
    connection_id: uuid.UUID | None = None
    library_id: uuid.UUID | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def item_link(kind: str, base_url: str, server_id: str | None, upstream_id: str) -> str:
    """Where the item opens in its own server's web app."""
    if kind == "plex":
        key = quote(f"/library/metadata/{upstream_id}", safe="")
        return f"{base_url}/web/index.html#!/server/{server_id or ''}/details?key={key}"
    return f"{base_url}/web/#/details?id={upstream_id}" + (f"&serverId={server_id}" if server_id else "")


# Rows per query while a report is read to the end (CSV export, dashboard sums): memory holds one page.
# Each page's query ranks the whole report again, so pages are large: 100,000 rows cost 11 queries.
EVERY_ROW_PAGE_SIZE = 10_000


async def every_page(
    fetch: Callable[[PageParams], Awaitable[tuple[Sequence[T], int]]],
    params: PageParams,
    *,
    page_size: int | None = None,
) -> AsyncIterator[Sequence[T]]:
    """Every row of a report, one page at a time, in the report's order (``params`` gives the sort and
    filters; its page and page size are ignored). Run it in one snapshot (``REPEATABLE READ``) when the
    rows may change meanwhile, or a row could move across a page boundary and be read twice or never."""
    size = page_size or EVERY_ROW_PAGE_SIZE
    page = 1
    while True:
        rows, total = await fetch(replace(params, page=page, page_size=size))
        if rows:
            yield rows
        if not rows or page * size >= total:
            return
        page += 1


def scope_filters(
    params: PageParams, *, search: Sequence[str], alias: str = "m", library: bool = True, copies: bool = False
) -> tuple[str, dict[str, Any]]:
    """The search, server and library filters every report takes, as SQL (``AND ...``) and bound values.

    With ``copies`` (``alias`` is a ``media_items`` row shown for its copies on other servers too,
    library/copies.py), a row is on a server or in a library when any copy of its file is."""
    clauses: list[str] = []
    args: dict[str, Any] = {}
    if params.q:
        clauses.append("AND (" + " OR ".join(f"{column} ILIKE :q ESCAPE '\\'" for column in search) + ")")
        args["q"] = f"%{like_literal(params.q)}%"
    held = (
        "EXISTS (SELECT 1 FROM media_copies sc JOIN media_copies sg ON sg.file_group = sc.file_group "
        f"WHERE sc.item_id = {alias}.id AND sg.{{column}} = :{{param}})"
    )
    if params.connection_id:
        where = f"{alias}.connection_id = :c"
        clauses.append(
            f"AND ({where} OR {held.format(column='connection_id', param='c')})" if copies else f"AND {where}"
        )
        args["c"] = params.connection_id
    if library and params.library_id:
        where = f"{alias}.library_id = :l"
        clauses.append(f"AND ({where} OR {held.format(column='library_id', param='l')})" if copies else f"AND {where}")
        args["l"] = params.library_id
    return " ".join(clauses), args


async def fetch_page(
    session: AsyncSession, sql: str, args: dict[str, Any], params: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """Run a report query that selects ``count(*) OVER () AS total`` with ``:limit``/``:offset``.

    Past the last page the rows are empty but the true total is still reported."""
    bound = {**args, "limit": params.page_size, "offset": params.offset}
    rows = [dict(r) for r in (await session.execute(text(sql), bound)).mappings().all()]
    if rows:
        return rows, int(rows[0]["total"])
    if params.offset:
        probe = (await session.execute(text(sql), {**bound, "limit": 1, "offset": 0})).mappings().all()
        return [], int(probe[0]["total"]) if probe else 0
    return [], 0
