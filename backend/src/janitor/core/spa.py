"""Serves the built SPA, with ``index.html`` for client-side routes, so production is one port."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


class SPAStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or path == "api" or path.startswith("api/") or path == "metrics":
                raise
            response = await super().get_response("index.html", scope)
        if path.startswith("_app/immutable/"):
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        elif response.media_type == "text/html":
            response.headers["cache-control"] = "no-cache"
        return response


def spa_available(directory: Path) -> bool:
    return (directory / "index.html").is_file()
