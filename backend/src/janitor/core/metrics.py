"""Prometheus metrics for the API process."""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from janitor.core.audit import SecurityEvents
from janitor.core.errors import ErrorBody


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "janitor_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "janitor_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.security = SecurityEvents(self.registry)

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def _route_template(scope: Scope) -> str:
    # Label by route template (set on the scope by the router), never the raw path: ids in
    # paths would explode the number of series.
    route = scope.get("route")
    return str(getattr(route, "path", "other")) if route is not None else "other"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api"):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = _route_template(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - start)


def metrics_endpoint(token: str | None) -> Callable[[Request], Awaitable[Response]]:
    """``GET /metrics``; with a token, only for ``Authorization: Bearer <token>``."""
    expected = f"Bearer {token}".encode() if token else None

    async def endpoint(request: Request) -> Response:
        if expected is not None:
            given = request.headers.get("authorization", "").encode("latin-1", "replace")
            if not hmac.compare_digest(given, expected):
                body = ErrorBody(error="not_authenticated", detail="A metrics token is required.")
                return JSONResponse(body.model_dump(), status_code=401, headers={"WWW-Authenticate": "Bearer"})
        metrics: Metrics = request.app.state.metrics
        return metrics.render()

    return endpoint
