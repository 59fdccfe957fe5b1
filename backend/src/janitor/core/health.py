from __future__ import annotations

from typing import Literal

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from janitor.core.deps import ContextDep
from janitor.core.migrations import schema_is_current

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: bool
    redis: bool
    schema_current: bool


@router.get("/healthz")
async def healthz() -> Health:
    """The process is up (no dependencies checked)."""
    return Health()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(ctx: ContextDep) -> Readiness | JSONResponse:
    """Postgres and Redis answer and the schema is at the latest migration."""
    database = redis = schema = False
    try:
        async with ctx.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        database = True
        schema = await schema_is_current(ctx.engine)
    except Exception as exc:  # readiness reports failures, it does not raise them
        log.warning("readyz_database_unavailable", error=type(exc).__name__)
    try:
        redis = bool(await ctx.redis.ping())
    except Exception as exc:
        log.warning("readyz_redis_unavailable", error=type(exc).__name__)
    ready = database and redis and schema
    body = Readiness(status="ready" if ready else "not_ready", database=database, redis=redis, schema_current=schema)
    return body if ready else JSONResponse(body.model_dump(), status_code=503)
