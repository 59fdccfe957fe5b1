"""Checks every request's input passes before any route sees it (an app-wide dependency).

A query parameter the operation does not declare is refused (422), not ignored.

A NUL character is refused wherever it comes: query and path parameters, any string (or key) of a
JSON body, any other body (a CSV import). Postgres cannot store NUL in text, so a NUL that reached a
query or an insert was a 500; here it is one 422 with the field it came in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError

NUL = "\x00"
NUL_MESSAGE = "must not contain a NUL character"
UNKNOWN_MESSAGE = "is not a parameter of this operation"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _nul_error(*loc: str | int) -> RequestValidationError:
    return RequestValidationError([{"type": "nul_character", "loc": loc, "msg": NUL_MESSAGE, "input": None}])


def _nul_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Where a NUL sits in a parsed JSON document (a key or a string value)."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*path, key.replace(NUL, "\\u0000"))
            yield from _nul_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, index))


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _declared_query(request: Request) -> set[str] | None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    return {f.alias for f in get_flat_params(dependant) if isinstance(f.field_info, params.Query)}


async def check_request_input(request: Request) -> None:
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise _nul_error("query", name.replace(NUL, "\\u0000"))
    declared = _declared_query(request)
    if declared is not None:
        # A parameter the route does not take is refused, not ignored: a misspelt filter
        # (`?sortby=`) must not silently return the unfiltered report.
        for name in request.query_params:
            if name not in declared:
                raise RequestValidationError(
                    [{"type": "unknown_parameter", "loc": ("query", name), "msg": UNKNOWN_MESSAGE, "input": None}]
                )
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise _nul_error("path", name)
    if request.method not in _BODY_METHODS:
        return
    body = await request.body()  # read once: the route (or FastAPI) gets the same bytes
    if not body:
        return
    if _is_json(request.headers.get("content-type", "")):
        try:
            document = await request.json()
        except ValueError:  # not JSON: FastAPI (or the route) says so
            return
        for where in _nul_paths(document):
            raise _nul_error("body", *where)
    elif b"\x00" in body:
        raise _nul_error("body")
