"""Issue 14, point 13: a request-body limit enforced before parsing, and JSON 404s for the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request

from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import SignupFn, running_client
from janitor.main import create_app

MB = 1_000_000


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A body without Content-Length (chunked): only counting can stop it."""
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b"a" * n


def _assert_413(r: httpx.Response, limit: str) -> None:
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"error": "payload_too_large", "detail": f"The request body is too large ({limit} at most)."}


async def test_a_declared_body_over_1_mb_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login", content=b"{" + b" " * MB + b"}", headers={"content-type": "application/json"}
    )
    _assert_413(r, "1 MB")


async def test_a_chunked_body_over_1_mb_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/login", content=_chunks(MB + 1), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    _assert_413(r, "1 MB")


async def test_a_body_under_the_limit_is_parsed_as_before(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x" * 10})
    assert r.status_code == 401


async def test_the_import_route_takes_up_to_5_mb(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    headers = {**user.headers, "content-type": "text/csv"}
    # 2 MB: over the global limit, within the import's; the CSV is refused for its content, not its size.
    big = b"list,title\n" + b"no-such-list,x\n" * (2 * MB // 15)
    r = await client.post("/api/v1/allowlists/import", content=big, headers=headers)
    assert r.status_code not in (413, 500)
    _assert_413(await client.post("/api/v1/allowlists/import", content=b"a" * (5 * MB + 1), headers=headers), "5 MB")
    _assert_413(await client.post("/api/v1/allowlists/import", content=_chunks(5 * MB + 1), headers=headers), "5 MB")


async def test_the_limit_holds_before_the_route_has_read_the_body(settings: Settings) -> None:
    """A route reading the stream sees at most the limit: the rest is never taken in."""
    app = create_app(settings.model_copy(update={"max_body_bytes": 100_000}))
    seen: list[int] = []
    router = APIRouter()

    @router.post("/api/v1/_sink")
    async def sink(request: Request) -> dict[str, int]:
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            seen.append(total)
        return {"total": total}

    app.include_router(router)
    async with running_client(app, raise_app_exceptions=False) as c:
        r = await c.post("/api/v1/_sink", content=_chunks(300_000, size=10_000))
        ok = await c.post("/api/v1/_sink", content=_chunks(90_000, size=10_000))
    _assert_413(r, "0.1 MB")
    # The route (or the app-wide input check before it, which reads the body whole) never holds more.
    assert seen and all(total <= 100_000 for total in seen)
    assert ok.json() == {"total": 90_000}


@pytest.fixture
def spa_dir(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<html>spa shell</html>")
    (tmp_path / "404.html").write_text("<html>not found page</html>")
    return tmp_path


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api", "/api/", "/api/v1/nope", "/api/v2/x/y.html", "/api/index.html", "/metrics"])
async def test_unknown_api_paths_are_json_404_never_the_spa(
    settings: Settings, spa_dir: Path, method: str, path: str
) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"spa_dir": spa_dir, "env": "production"}))
    async with running_client(app) as c:
        r = await c.request(method, path)
        spa = await c.get("/settings/connections")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/json"
    if method != "HEAD":
        assert r.json()["error"] == "not_found"
    assert "spa shell" in spa.text
