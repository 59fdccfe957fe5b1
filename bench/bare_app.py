"""The reference for the report benchmark: a bare FastAPI JSON endpoint, served the same way as the
product (``uvicorn bench.bare_app:app``, same workers, same event loop and HTTP parser)."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/bare")
async def bare() -> dict[str, object]:
    return {"status": "ok", "items": [], "total": 0}
