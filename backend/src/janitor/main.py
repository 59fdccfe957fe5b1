"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from janitor.accounts.router import account_router, auth
from janitor.allowlists.posters import router as posters_router
from janitor.allowlists.router import router as allowlists_router
from janitor.allowlists.schemas import ImportedEntry
from janitor.connections.router import router as connections_router
from janitor.core import health
from janitor.core.bodylimit import BodyLimitMiddleware
from janitor.core.config import Settings, get_settings
from janitor.core.context import build_context, close_context
from janitor.core.errors import FieldError, ValidationErrorBody, install_error_handlers
from janitor.core.events import Events
from janitor.core.headers import SecurityHeadersMiddleware, spa_policy
from janitor.core.logging import RequestContextMiddleware, configure_logging
from janitor.core.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from janitor.core.pagecache import PageCacheMiddleware
from janitor.core.request_input import check_request_input
from janitor.core.security import dummy_hash
from janitor.core.spa import SPAStaticFiles, spa_available
from janitor.deletions.router import router as deletions_router
from janitor.deletions.schedule_router import router as schedule_router
from janitor.export.router import router as export_router
from janitor.operator.router import router as operator_router
from janitor.people.assignment_router import router as assignments_router
from janitor.people.router import router as people_router
from janitor.reports import events as report_events
from janitor.reports.router import CACHED_REPORT_PATHS
from janitor.reports.router import router as reports_router
from janitor.setup.router import router as setup_router
from janitor.sync import events as sync_events
from janitor.sync.router import router as sync_router

# Routes that take a file: they get the larger body limit.
IMPORT_PATHS = ("/api/v1/allowlists/import",)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.ctx = await build_context(settings)
        # The stand-in hash for unknown emails costs a real hash's time: make it before the first login.
        await to_thread.run_sync(dummy_hash, settings.bcrypt_rounds)
        try:
            yield
        finally:
            await close_context(app.state.ctx)

    app = FastAPI(
        title="Media Janitor API",
        version="0.1.0",
        description="Clean-up reports and safe deletions for Plex, Jellyfin and Jellyseerr.",
        lifespan=lifespan,
        # Public only where the settings say so (default: outside production).
        docs_url="/api/docs" if settings.serve_api_docs else None,
        redoc_url=None,
        openapi_url="/api/openapi.json" if settings.serve_api_docs else None,
        generate_unique_id_function=lambda route: route.name,
        dependencies=[Depends(check_request_input)],
    )
    app.state.metrics = Metrics()
    app.state.events = wire_events()
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(auth)
    app.include_router(account_router)
    app.include_router(connections_router)
    app.include_router(sync_router)
    app.include_router(reports_router)
    app.include_router(allowlists_router)
    app.include_router(posters_router)
    app.include_router(people_router)
    app.include_router(assignments_router)
    app.include_router(schedule_router)
    app.include_router(deletions_router)
    app.include_router(setup_router)
    app.include_router(export_router)
    app.include_router(operator_router)
    if settings.serve_metrics:
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        app.add_route("/metrics", metrics_endpoint(token), include_in_schema=False)
    app.add_middleware(
        PageCacheMiddleware, paths=CACHED_REPORT_PATHS, secret_key=settings.secret_key.get_secret_value()
    )
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        per_path=dict.fromkeys(IMPORT_PATHS, settings.max_import_body_bytes),
    )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware,
        spa_policy=spa_policy(settings.spa_dir),
        hsts_max_age=settings.hsts_max_age_seconds if settings.send_hsts else None,
    )
    # Outermost: everything inside (rate limits, logs) sees the client as the trusted proxies name
    # it, and a client that connects directly cannot name itself. The server runs with
    # --no-proxy-headers (Dockerfile), so this is the only place forwarding headers are read.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    _document_validation_errors(app)
    if spa_available(settings.spa_dir):
        # Mounted last: API routes win, everything else is the SPA.
        app.mount("/", SPAStaticFiles(directory=settings.spa_dir, html=True), name="spa")
    return app


def wire_events() -> Events:
    """Who follows which change of an account's data (core/events.py): the packages deriving data
    subscribe here, so the packages changing it need not import them."""
    events = Events()
    report_events.subscribe(events)
    sync_events.subscribe(events)
    return events


def _document_validation_errors(app: FastAPI) -> None:
    """Describe 422s as our ``ValidationErrorBody``, which is what the handler sends."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        # Models referenced by hand (openapi_extra) must be listed too.
        for model in (ValidationErrorBody, FieldError, ImportedEntry):
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            model_schema.pop("$defs", None)
            components[model.__name__] = model_schema
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        ref = {"$ref": "#/components/schemas/ValidationErrorBody"}
        for path in schema.get("paths", {}).values():
            for op in path.values():
                # Every operation checks its input (core/request_input.py), so every one can answer 422.
                # The app's own 422s (typed errors) keep their codes and send the same shape.
                own = op.setdefault("responses", {}).get("422", {}).get("description", "")
                codes = ", ".join(["`validation_error`", *([own] if "`" in own else [])])
                op["responses"]["422"] = {
                    "description": f"Validation error: {codes}",
                    "content": {"application/json": {"schema": ref}},
                }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def app() -> FastAPI:
    """Entry point for ``uvicorn --factory janitor.main:app``."""
    return create_app()
