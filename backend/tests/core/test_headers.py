"""Issue 14, point 6: security headers on the API and the SPA."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
import pytest

from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import SignupFn, running_client
from janitor.main import create_app

REPO = Path(__file__).resolve().parents[3]
COMMON = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


def _directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}


async def test_api_responses_carry_the_headers_and_are_never_cached(
    client: httpx.AsyncClient, signup: SignupFn
) -> None:
    user = await signup()
    responses = [
        await client.get("/api/healthz"),
        await client.get("/api/v1/account", headers=user.headers),
        await client.get("/api/v1/account"),  # 401
        await client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong-password-1"}),
        await client.post("/api/v1/auth/refresh", headers={"Cookie": f"mj_refresh={user.refresh_cookie}"}),
        await client.get("/api/v1/nope"),
    ]
    for r in responses:
        for name, value in COMMON.items():
            assert r.headers[name] == value, (r.url, name)
        assert r.headers["cache-control"] == "no-store", r.url
        assert _directives(r.headers["content-security-policy"]) == {
            "default-src": ["'none'"],
            "frame-ancestors": ["'none'"],
        }
        assert "strict-transport-security" not in r.headers  # test env: no HSTS


async def test_the_spa_gets_a_strict_csp_with_the_hashes_of_its_inline_scripts(
    settings: Settings, tmp_path: Path
) -> None:
    theme, boot = b"\n document.documentElement.classList.add('dark');\n", b"{ kit.start(); }"
    (tmp_path / "_app" / "immutable").mkdir(parents=True)
    (tmp_path / "_app" / "immutable" / "app.js").write_text("console.log(1)")
    (tmp_path / "index.html").write_bytes(
        b"<html><head><script>" + theme + b"</script><script type=module src=/_app/x.js></script></head>"
        b"<body><div><script>" + boot + b"</script></div></body></html>"
    )
    app = create_app(settings.model_copy(update={"spa_dir": tmp_path}))
    async with running_client(app) as c:
        page = await c.get("/reports/duplicates")
        asset = await c.get("/_app/immutable/app.js")
    for r in (page, asset):
        for name, value in COMMON.items():
            assert r.headers[name] == value
    csp = _directives(page.headers["content-security-policy"])
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(s).digest()).decode() + "'" for s in (theme, boot)]
    assert csp["script-src"] == ["'self'", *hashes]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == csp["frame-ancestors"] == csp["base-uri"] == ["'none'"]
    assert not any("unsafe" in v for v in csp["script-src"] + csp["default-src"])
    assert page.headers["cache-control"] == "no-cache"  # the SPA keeps its own caching
    assert asset.headers["cache-control"].endswith("immutable")


@pytest.mark.parametrize(("env", "hsts", "sent"), [("production", None, True), ("test", None, False), ("production", False, False), ("test", True, True)])  # fmt: skip
async def test_hsts_is_sent_in_production(settings: Settings, env: str, hsts: bool | None, sent: bool) -> None:
    app = create_app(settings.model_copy(update={"env": env, "hsts": hsts}))
    async with running_client(app) as c:
        r = await c.get("/api/healthz")
    assert (r.headers.get("strict-transport-security") == "max-age=31536000; includeSubDomains") is sent
    assert ("strict-transport-security" in r.headers) is sent


async def test_a_500_carries_the_api_headers(settings: Settings) -> None:
    from fastapi import APIRouter

    app = create_app(settings)
    router = APIRouter()

    @router.get("/api/v1/_boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    app.include_router(router)
    async with running_client(app, raise_app_exceptions=False) as c:
        r = await c.get("/api/v1/_boom")
    assert r.status_code == 500
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
