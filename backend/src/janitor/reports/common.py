"""Shared report plumbing: paging, sorting and search parameters, links into Plex/Jellyfin, CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, Field

T = TypeVar("T")


class ReportPage(BaseModel, Generic[T]):
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


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    text = str(value)
    # Spreadsheet formula injection: a cell must never start a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
