"""Serves the built SPA, with ``index.html`` for client-side routes, so production is one port."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


def _not_the_spa(path: str) -> bool:
    """The API's own paths: never a file, never index.html or a 404 page, whatever the method."""
    return path in ("api", "metrics") or path.startswith("api/")


class SPAStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        if _not_the_spa(path):
            # A JSON 404 from the app's handler (before StaticFiles could answer 405 or 404.html).
            raise HTTPException(status_code=404)
        try:
            response: Response | None = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404:
                raise
            response = None
        if response is None or response.status_code == 404:  # a 404.html page is not the app
            response = await super().get_response("index.html", scope)
        if path.startswith("_app/immutable/"):
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        elif response.media_type == "text/html":
            response.headers["cache-control"] = "no-cache"
        return response


def spa_available(directory: Path) -> bool:
    return (directory / "index.html").is_file()
