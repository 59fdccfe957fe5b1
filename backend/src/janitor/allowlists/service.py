"""Allowlist entries: add from report rows (bulk), import and export, expire, remove."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import case, delete, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.errors import EntryNotFound, ImportInvalid, ImportUnknownServer, UnknownItems
from janitor.allowlists.models import AllowlistEntry, ListName
from janitor.allowlists.schemas import AddEntries, EntryOut, EntryUpdate, ImportedEntry, ImportResult, LibraryHit
from janitor.connections.models import Connection, Library
from janitor.core.csv_writer import to_csv, unprotect
from janitor.core.errors import plain_message
from janitor.core.search import folded, like_literal
from janitor.library.models import MediaItem

EXPORT_COLUMNS = ("list", "title", "guid", "connection_id", "upstream_id", "note", "expires_at")
MAX_IMPORT_ROWS = 20_000
SEARCH_LIMIT = 20
# What an allowlist entry is for: a movie or a show (an entry on a show covers its episodes).
SEARCHED_KINDS = ("movie", "show")


def to_out(entry: AllowlistEntry, now: datetime) -> EntryOut:
    out = EntryOut.model_validate(entry)
    out.expired = entry.expires_at is not None and entry.expires_at <= now
    return out


def _guid_of(guids: dict[str, str]) -> str | None:
    for provider in ("tmdb", "tvdb", "imdb"):
        if guids.get(provider):
            return f"{provider}:{guids[provider]}".lower()
    return None


class AllowlistService:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def entries(self, list_name: ListName | None, q: str | None) -> Sequence[AllowlistEntry]:
        stmt = select(AllowlistEntry).where(AllowlistEntry.account_id == self.account_id)
        if list_name:
            stmt = stmt.where(AllowlistEntry.list == list_name.value)
        if q:
            stmt = stmt.where(AllowlistEntry.title.ilike(f"%{like_literal(q)}%", escape="\\"))
        return (await self.session.scalars(stmt.order_by(AllowlistEntry.created_at.desc()))).all()

    async def search(self, q: str) -> list[LibraryHit]:
        """Movies and shows of the account's enabled libraries whose title (or original title) holds
        ``q``, without regard to case or accents: the exact title first, then titles that start with it,
        then by title; at most ``SEARCH_LIMIT``. Items gone from their server are left out."""
        text = q.strip()
        if not text:
            return []
        needle = folded(like_literal(text))
        title = folded(MediaItem.title)
        contains = func.concat("%", needle, "%")
        rank = case((title == folded(text), 0), (title.like(func.concat(needle, "%"), escape="\\"), 1), else_=2)
        stmt = (
            select(
                MediaItem.connection_id,
                MediaItem.upstream_id,
                MediaItem.title,
                MediaItem.year,
                MediaItem.kind,
                MediaItem.guids,
                Connection.name.label("server"),
                Library.title.label("library"),
            )
            .join(Library, Library.id == MediaItem.library_id)
            .join(Connection, Connection.id == MediaItem.connection_id)
            .where(
                MediaItem.account_id == self.account_id,
                Library.account_id == self.account_id,
                Connection.account_id == self.account_id,
                Library.enabled,
                MediaItem.kind.in_(SEARCHED_KINDS),
                MediaItem.gone.is_(False),
                or_(
                    title.like(contains, escape="\\"),
                    folded(func.coalesce(MediaItem.original_title, "")).like(contains, escape="\\"),
                ),
            )
            .order_by(rank, func.lower(MediaItem.title), MediaItem.year, Connection.name, MediaItem.id)
            .limit(SEARCH_LIMIT)
        )
        return [
            LibraryHit(
                connection_id=r.connection_id,
                upstream_id=r.upstream_id,
                title=r.title,
                year=r.year,
                kind=r.kind,
                server=r.server,
                library=r.library,
                guid=_guid_of(r.guids or {}),
            )
            for r in (await self.session.execute(stmt)).all()
        ]

    async def _insert(self, rows: list[dict[str, object]]) -> int:
        if not rows:
            return 0
        added = 0
        for row in rows:  # one statement per row: two partial unique indexes, either may conflict
            stmt = insert(AllowlistEntry).values(account_id=self.account_id, **row).on_conflict_do_nothing()
            result = await self.session.execute(stmt.returning(AllowlistEntry.id))
            added += result.scalar_one_or_none() is not None
        return added

    async def add(self, body: AddEntries) -> ImportResult:
        keys = [(ref.connection_id, ref.upstream_id) for ref in body.items]
        found = (
            await self.session.execute(
                select(MediaItem.connection_id, MediaItem.upstream_id, MediaItem.title, MediaItem.guids).where(
                    MediaItem.account_id == self.account_id,
                    tuple_(MediaItem.connection_id, MediaItem.upstream_id).in_(keys),
                )
            )
        ).all()
        by_key = {(r.connection_id, r.upstream_id): r for r in found}
        missing = [k for k in dict.fromkeys(keys) if k not in by_key]
        if missing:
            raise UnknownItems(f"{len(missing)} of the items are not in your synced libraries; nothing was added.")
        rows: list[dict[str, object]] = [
            {
                "list": body.list_name.value,
                "connection_id": cid,
                "upstream_id": uid,
                "title": by_key[(cid, uid)].title,
                "guid": _guid_of(by_key[(cid, uid)].guids or {}),
                "note": body.note,
                "expires_at": body.expires_at,
            }
            for cid, uid in dict.fromkeys(keys)
        ]
        added = await self._insert(rows)
        return ImportResult(added=added, already_listed=len(rows) - added)

    async def update(self, entry_id: uuid.UUID, change: EntryUpdate) -> AllowlistEntry:
        entry = await self._get(entry_id)
        if change.note is not None:
            entry.note = change.note or None
        if change.clear_expiry:
            entry.expires_at = None
        elif change.expires_at is not None:
            entry.expires_at = change.expires_at
        await self.session.flush()
        return entry

    async def remove(self, entry_id: uuid.UUID) -> None:
        await self._get(entry_id)
        await self.session.execute(
            delete(AllowlistEntry).where(AllowlistEntry.id == entry_id, AllowlistEntry.account_id == self.account_id)
        )

    async def _get(self, entry_id: uuid.UUID) -> AllowlistEntry:
        entry = await self.session.scalar(
            select(AllowlistEntry).where(AllowlistEntry.id == entry_id, AllowlistEntry.account_id == self.account_id)
        )
        if entry is None:
            raise EntryNotFound()
        return entry

    async def import_entries(self, raw: list[dict[str, object]]) -> ImportResult:
        """All or nothing: every row is validated first; an error names its row."""
        if len(raw) > MAX_IMPORT_ROWS:
            raise ImportInvalid(f"At most {MAX_IMPORT_ROWS:,} entries per import.")
        entries: list[ImportedEntry] = []
        problems: list[str] = []
        for number, row in enumerate(raw, start=1):
            try:
                entries.append(ImportedEntry.model_validate(row))
            except ValidationError as exc:
                field, message = import_problem(exc.errors()[0])
                problems.append(f"row {number}: {field}: {message}")
            if len(problems) >= 10:
                break
        if problems:
            raise ImportInvalid(f"{NOTHING_IMPORTED} " + "; ".join(problems))
        own = await self.session.execute(
            select(Connection.id, Connection.name)
            .where(Connection.account_id == self.account_id)
            .order_by(Connection.name)
        )
        servers = {r.id: r.name for r in own.all()}
        foreign = [(i, e) for i, e in enumerate(entries, start=1) if e.connection_id and e.connection_id not in servers]
        if foreign:
            number, entry = foreign[0]
            yours = "; ".join(f"{name} ({cid})" for cid, name in servers.items()) or "you have none connected"
            raise ImportUnknownServer(
                f"{NOTHING_IMPORTED} row {number}: connection_id: the server {entry.connection_id} is not one of "
                f"your servers (yours: {yours}). Export your lists to see the ids your servers have."
            )
        rows: list[dict[str, object]] = [
            {
                "list": e.list_name.value,
                "title": e.title,
                "guid": e.guid,
                "connection_id": e.connection_id,
                "upstream_id": e.upstream_id if e.connection_id else None,
                "note": e.note,
                "expires_at": e.expires_at,
            }
            for e in entries
        ]
        added = await self._insert(rows)
        return ImportResult(added=added, already_listed=len(rows) - added)

    async def export_rows(self, list_name: ListName | None) -> list[dict[str, object]]:
        now = datetime.now(UTC)
        out = []
        for entry in await self.entries(list_name, None):
            data = to_out(entry, now).model_dump(mode="json", by_alias=True)
            out.append({k: data.get(k) for k in EXPORT_COLUMNS})
        return out


NOTHING_IMPORTED = "Nothing was imported (rows are counted from the first one after the header)."
_LIST_NAMES = ", ".join(name.value for name in ListName)
_WHAT = {
    "list": "the list",
    "title": "the title",
    "guid": "the external id",
    "connection_id": "the server id",
    "upstream_id": "the item id",
    "note": "the note",
    "expires_at": "the expiry",
}


def _shown(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def import_problem(error: ErrorDetails) -> tuple[str, str]:
    """The column and, in words, what is wrong with a row the import refuses (its first error)."""
    loc = error["loc"]
    field = str(loc[0]) if loc else "row"
    kind, value = error["type"], error.get("input")
    what = _WHAT.get(field, field)
    if kind == "extra_forbidden":
        return field, f"{field[:60]!r} is not a column the import takes; the columns are {', '.join(EXPORT_COLUMNS)}"
    if field != "row" and (kind == "missing" or value in ("", None)):
        if field == "list":
            return field, f"the list is missing; write one of {_LIST_NAMES}"
        return field, f"{what} is missing"
    if field == "row":  # the check that the entry names what it matches
        return "row", (
            "the entry matches nothing: give it an external id in the guid column (such as tmdb:603), "
            "or both connection_id and upstream_id (as the export writes them)"
        )
    if kind == "enum" and field == "list":
        return field, f"the list {_shown(value)} does not exist; the lists are {_LIST_NAMES}"
    if kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return field, f"{what} is longer than {limit:,} characters" if limit else f"{what} is too long"
    if kind == "value_error" and field == "guid":
        return field, f"{_shown(value)} is not an external id: write it as tmdb:603, tvdb:121361 or imdb:tt0133093"
    if kind == "uuid_parsing" or kind == "uuid_type":
        return field, f"{_shown(value)} is not a server id; copy it from an export of your lists"
    if kind == "value_error" and field == "expires_at":
        return field, f"{_shown(value)} is not a date and time with its zone, such as 2026-12-31T23:00:00Z"
    if kind.endswith("_type"):
        return field, f"{what} must be text, not {type(value).__name__}"
    return field, plain_message(dict(error))


def parse_csv(text: str) -> list[dict[str, object]]:
    """Rows of an imported CSV, an empty cell as no value; the quote the export put before a
    formula-like cell is taken away. A column the import does not know, a row with more cells than
    columns or a cell the csv module cannot read (over 128 KiB) is refused, naming the row."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        columns = reader.fieldnames
    except csv.Error as exc:
        raise ImportInvalid(f"The header row could not be read: {exc}.") from None
    if not columns or "list" not in columns or "title" not in columns:
        raise ImportInvalid("The CSV needs a header row with at least the columns list and title.")
    unknown = [c for c in columns if c not in EXPORT_COLUMNS]
    if unknown:
        raise ImportInvalid(
            f"Unknown column {unknown[0][:60]!r}; the columns are {', '.join(EXPORT_COLUMNS)} "
            "(as the export writes them)."
        )
    rows: list[dict[str, object]] = []
    try:
        for row in reader:
            if None in row:
                raise ImportInvalid(f"Nothing was imported. row {len(rows) + 1}: more cells than columns")
            rows.append({key: unprotect(value) if value else None for key, value in row.items()})
    except csv.Error as exc:
        raise ImportInvalid(f"Nothing was imported. row {len(rows) + 1} could not be read: {exc}.") from None
    return rows


def to_csv_text(rows: list[dict[str, object]]) -> str:
    return to_csv(EXPORT_COLUMNS, rows)
