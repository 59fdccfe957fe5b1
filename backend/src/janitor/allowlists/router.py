from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query, Request, status
from fastapi.responses import PlainTextResponse, Response

from janitor.accounts.deps import CurrentAccount, data_changed
from janitor.allowlists.errors import EntryNotFound, ImportInvalid, ImportUnknownServer, UnknownItems
from janitor.allowlists.models import ListName
from janitor.allowlists.schemas import AddEntries, EntryOut, EntryUpdate, ImportResult, LibraryHit
from janitor.allowlists.service import MAX_IMPORT_ROWS, AllowlistService, parse_csv, to_csv_text, to_out
from janitor.core.deps import SessionDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.core.events import Change

router = APIRouter(prefix="/api/v1/allowlists", tags=["allowlists"])


@router.get("", responses=error_responses(Unauthorized))
async def list_entries(
    session: SessionDep,
    account: CurrentAccount,
    list_name: Annotated[ListName | None, Query(alias="list")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> list[EntryOut]:
    """Entries of every list (or one), newest first; expired entries are shown and no longer apply."""
    now = datetime.now(UTC)
    return [to_out(e, now) for e in await AllowlistService(session, account.id).entries(list_name, q)]


@router.get("/search", responses=error_responses(Unauthorized))
async def search_library(
    session: SessionDep,
    account: CurrentAccount,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description='Part of a title; case and accents do not matter ("amelie" finds "Amélie")',
        ),
    ],
) -> list[LibraryHit]:
    """Movies and shows of your synced libraries by title, to add to a list: at most 20, the exact title
    first (a blank search finds nothing). Each says the external id an entry added from it matches by,
    when the item has one. Its poster is at ``/api/v1/library/items/{connection_id}/{upstream_id}/poster``."""
    return await AllowlistService(session, account.id).search(q)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Unauthorized, UnknownItems),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def add_entries(body: AddEntries, session: SessionDep, account: CurrentAccount) -> ImportResult:
    """Add report rows to a list (bulk). Entries match by server and id, so renames keep them."""
    return await AllowlistService(session, account.id).add(body)


@router.patch(
    "/{entry_id:uuid}",
    responses=error_responses(Unauthorized, EntryNotFound),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def update_entry(
    entry_id: uuid.UUID, body: EntryUpdate, session: SessionDep, account: CurrentAccount
) -> EntryOut:
    """Change the note or the expiry of an entry."""
    entry = await AllowlistService(session, account.id).update(entry_id, body)
    return to_out(entry, datetime.now(UTC))


@router.delete(
    "/{entry_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(Unauthorized, EntryNotFound),
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def delete_entry(entry_id: uuid.UUID, session: SessionDep, account: CurrentAccount) -> None:
    """Remove an entry."""
    await AllowlistService(session, account.id).remove(entry_id)


@router.post(
    "/import",
    responses=error_responses(Unauthorized, ImportInvalid, ImportUnknownServer),
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/ImportedEntry"},
                        "maxItems": MAX_IMPORT_ROWS,
                    }
                },
            },
            "required": True,
        }
    },
    dependencies=[data_changed(Change.REPORT_INPUTS)],
)
async def import_entries(request: Request, session: SessionDep, account: CurrentAccount) -> ImportResult:
    """Import entries from CSV (header: list,title,guid,connection_id,upstream_id,note,expires_at) or a JSON
    array. All or nothing: a bad row is named and nothing is written (422; 404 when a row names a server
    that is not yours). The body may be 5 MB (413 beyond)."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    try:
        if "json" in content_type:
            rows = orjson.loads(body)
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ImportInvalid("The JSON must be an array of objects.")
        else:
            rows = parse_csv(body.decode("utf-8-sig"))
    except (orjson.JSONDecodeError, UnicodeDecodeError):
        raise ImportInvalid("The file could not be read: send UTF-8 CSV or JSON.") from None
    return await AllowlistService(session, account.id).import_entries(rows)


@router.get(
    "/export",
    responses={
        200: {
            "description": "The entries as CSV (`format=csv`) or JSON (`format=json`)",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ImportedEntry"}}
                },
            },
        },
        **error_responses(Unauthorized),
    },
)
async def export_entries(
    session: SessionDep,
    account: CurrentAccount,
    format: Literal["csv", "json"] = "csv",
    list_name: Annotated[ListName | None, Query(alias="list")] = None,
) -> Response:
    """Every entry (or one list's) as CSV or JSON, in the format the import takes."""
    rows = await AllowlistService(session, account.id).export_rows(list_name)
    headers = {"Content-Disposition": f'attachment; filename="media-janitor-allowlists.{format}"'}
    if format == "json":
        return Response(orjson.dumps(rows), media_type="application/json", headers=headers)
    return PlainTextResponse(to_csv_text(rows), media_type="text/csv", headers=headers)
