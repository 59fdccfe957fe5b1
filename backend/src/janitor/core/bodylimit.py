"""A request-body limit enforced while the body arrives, before anything parses it.

A declared ``Content-Length`` over the limit is refused without reading a byte; a body without
one (chunked) is counted as it is received and refused at the first byte over the limit, whatever
the route was doing with it. The answer is a 413 in the app's error format.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from janitor.core.errors import ErrorBody


class _BodyTooLarge(Exception):
    pass


def _megabytes(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, default: int, per_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.per_path = dict(per_path or {})

    def _too_large(self, limit: int) -> JSONResponse:
        body = ErrorBody(
            error="payload_too_large", detail=f"The request body is too large ({_megabytes(limit)} at most)."
        )
        return JSONResponse(body.model_dump(), status_code=413, headers={"Connection": "close"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"].rstrip("/") or "/", self.default)
        declared = next((v for k, v in scope.get("headers") or [] if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(limit)(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app makes of the cut-off body, the client gets the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._too_large(limit)(scope, receive, send)
