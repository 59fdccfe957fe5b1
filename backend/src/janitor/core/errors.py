"""Typed errors rendered as ``{"error": code, "detail": message}``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from janitor.core.headers import API_HEADERS
from janitor.core.logging import request_id_of

log = structlog.get_logger(__name__)


class ErrorBody(BaseModel):
    error: str
    detail: str


class InternalErrorBody(ErrorBody):
    """A 500: the request id (also the ``X-Request-ID`` header) is what support needs to find the log."""

    request_id: str


class FieldError(BaseModel):
    field: str
    message: str


class ValidationErrorBody(ErrorBody):
    fields: list[FieldError]


# The statuses whose body is the validation error's (``fields`` names what to fix, when known).
FIELD_STATUSES = frozenset({400, 422})


class AppError(Exception):
    """Base for every error a client may see. Subclasses fix the status and the stable code.

    Statuses: 400 a request that matches the documented schema, refused on its meaning (a server
    that cannot be reached, a password too common, a folder given twice); 404 an object, in the path
    or the body, that is not the account's; 409 the object's current state forbids it; 422 a request
    that does not match the documented schema. 400 and 422 send the validation error's shape, with
    the field when the error has one."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[str] = "The request could not be processed."
    # True for errors that record something (a revoked token family): the unit of work commits
    # what the service wrote before the error is sent, instead of rolling it back.
    keeps_changes: ClassVar[bool] = False

    def __init__(
        self, detail: str | None = None, *, headers: dict[str, str] | None = None, field: str | None = None
    ) -> None:
        message = detail or self.message
        self.fields = [FieldError(field=field, message=message)] if field else []
        self.detail = f"{field}: {message}" if field else message
        self.headers = headers
        super().__init__(self.detail)


class BadRequest(AppError):
    """Matches the schema, refused on its meaning (see AppError): the code says why."""

    status_code = 400
    code = "bad_request"


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Unauthorized(AppError):
    status_code = 401
    code = "not_authenticated"
    message = "Sign in to continue."


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    message = "That conflicts with the current state."


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many attempts."

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many attempts. Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entry listing the typed errors a route can answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        model = ValidationErrorBody if err.status_code in FIELD_STATUSES else ErrorBody
        entry = out.setdefault(err.status_code, {"model": model, "description": ""})
        entry["description"] = ", ".join(filter(None, [entry["description"], f"`{err.code}`"]))
    return out


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


# The unit of a number, from the end of its field's name: "stale_months" counts months.
# (singular, plural); a field not listed here gets the bare number.
_UNITS: dict[str, tuple[str, str]] = {
    "seconds": ("second", "seconds"),
    "minutes": ("minute", "minutes"),
    "hours": ("hour", "hours"),
    "days": ("day", "days"),
    "months": ("month", "months"),
    "items": ("item", "items"),
    "gb": ("GB", "GB"),
}
GB = 1_000_000_000


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _amount(value: Any, field: str | None) -> str:
    """``1 month``, ``3 months``, ``1 GB`` (sizes in bytes are shown in GB, as the forms take them)."""
    suffix = (field or "").rsplit("_", 1)[-1].lower()
    if suffix == "bytes" and isinstance(value, int) and value % GB == 0:
        value, suffix = value // GB, "gb"
    if suffix not in _UNITS:
        return _number(value)
    one, many = _UNITS[suffix]
    return f"{_number(value)} {one if value == 1 else many}"


def _count(n: int, one: str, many: str) -> str:
    return f"{_number(n)} {one if n == 1 else many}"


_FIXED = {
    "missing": "Required",
    "int_parsing": "Must be a whole number",
    "int_from_float": "Must be a whole number",
    "int_type": "Must be a whole number",
    "float_parsing": "Must be a number",
    "float_type": "Must be a number",
    "finite_number": "Must be a number",
    "decimal_parsing": "Must be a number",
    "bool_parsing": "Must be true or false",
    "bool_type": "Must be true or false",
    "string_type": "Must be text",
    "list_type": "Must be a list",
    "dict_type": "Must be an object",
    "model_type": "Must be an object",
    "model_attributes_type": "Must be an object",
    "extra_forbidden": "Unknown field",
    "uuid_parsing": "Must be an id (a UUID)",
    "uuid_type": "Must be an id (a UUID)",
    "date_parsing": "Must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "Must be a date (YYYY-MM-DD)",
    "datetime_parsing": "Must be a date and time (ISO 8601)",
    "datetime_from_date_parsing": "Must be a date and time (ISO 8601)",
    "json_invalid": "Not valid JSON",
    "string_pattern_mismatch": "Not in the expected format",
    "url_parsing": "Must be a web address",
    "url_scheme": "Must be a web address starting with http:// or https://",
}


def plain_message(err: dict[str, Any]) -> str:
    """A pydantic error in plain words: "At least 1 month", "At most 72 characters", "Required".

    Errors of our own validators keep their words; a type not mapped here keeps pydantic's."""
    kind = str(err.get("type", ""))
    ctx: dict[str, Any] = err.get("ctx") or {}
    names = [p for p in err.get("loc", ()) if isinstance(p, str)]
    field = names[-1] if names else None
    if kind in _FIXED:
        return _FIXED[kind]
    if kind == "greater_than_equal" and "ge" in ctx:
        return f"At least {_amount(ctx['ge'], field)}"
    if kind == "greater_than" and "gt" in ctx:
        return f"More than {_amount(ctx['gt'], field)}"
    if kind == "less_than_equal" and "le" in ctx:
        return f"At most {_amount(ctx['le'], field)}"
    if kind == "less_than" and "lt" in ctx:
        return f"Less than {_amount(ctx['lt'], field)}"
    if kind == "string_too_short" and "min_length" in ctx:
        n = ctx["min_length"]
        return "Required" if n == 1 else f"At least {_count(n, 'character', 'characters')}"
    if kind == "string_too_long" and "max_length" in ctx:
        return f"At most {_count(ctx['max_length'], 'character', 'characters')}"
    if kind == "too_short" and "min_length" in ctx:
        return f"At least {_count(ctx['min_length'], 'entry', 'entries')}"
    if kind == "too_long" and "max_length" in ctx:
        return f"At most {_count(ctx['max_length'], 'entry', 'entries')}"
    if kind in ("literal_error", "enum") and "expected" in ctx:
        # pydantic's ``expected``: "'a', 'b' or 'c'", read without the quotes. A long list (hundreds
        # of names) is no help in a message: the schema lists them.
        expected = str(ctx["expected"])
        if expected.count(",") >= 10:
            return "Not one of the accepted values"
        choices = expected.replace("'", "")
        return f"Must be one of: {choices}"
    msg = str(err.get("msg", "is invalid"))
    # pydantic prefixes messages of custom validators with "Value error, "
    return msg.removeprefix("Value error, ")


def _flat_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    # FastAPI keeps an included router as one entry (our routers are included without a prefix).
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat_routes(inner.routes)
        else:
            yield route


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in _flat_routes(request.app.router.routes):
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route_methods)
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        body = ErrorBody(error=exc.code, detail=exc.detail)
        if exc.status_code in FIELD_STATUSES:  # every 400 and 422 has one shape: the validation error's
            body = ValidationErrorBody(error=exc.code, detail=exc.detail, fields=exc.fields)
        return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [FieldError(field=_field_name(tuple(e["loc"])), message=plain_message(e)) for e in exc.errors()]
        detail = "; ".join(f"{f.field}: {f.message}" for f in fields) or "The request is invalid."
        body = ValidationErrorBody(error="validation_error", detail=detail, fields=fields)
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # FastAPI could not read the body (not UTF-8): a validation error like any bad JSON.
            field = FieldError(field="body", message="is not valid JSON (send UTF-8)")
            body = ValidationErrorBody(error="validation_error", detail="body: " + field.message, fields=[field])
            return JSONResponse(body.model_dump(), status_code=422)
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            # Starlette names the methods of the first route with this path; every route counts.
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
        codes = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}
        code = codes.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        sent = ErrorBody(error=code, detail=detail)
        if exc.status_code in FIELD_STATUSES:
            sent = ValidationErrorBody(error=code, detail=detail, fields=[])
        return JSONResponse(
            sent.model_dump(),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        # Runs outside the request middleware (whose log context is already cleared): the id
        # comes from the request's state, never from the raw header.
        request_id = request_id_of(request.scope)
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            log.exception("unhandled_error", error_type=type(exc).__name__)
        body = InternalErrorBody(
            error="internal_error",
            detail=f"Something went wrong on our side. Reference: {request_id}.",
            request_id=request_id,
        )
        # Sent from outside every middleware: it carries the API's security headers itself.
        headers = {**API_HEADERS, "X-Request-ID": request_id}
        return JSONResponse(body.model_dump(), status_code=500, headers=headers)


class TransientError(Exception):
    """An upstream or infrastructure hiccup worth retrying (timeouts, 5xx, 429, dropped connections)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
