from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
import structlog
from fastapi import APIRouter, FastAPI
from pydantic import SecretStr, ValidationError
from sqlalchemy import text

from janitor.core.config import PLACEHOLDER_FERNET_KEY, PLACEHOLDER_SECRET, Settings
from janitor.core.deps import SessionDep
from janitor.devtools.pytest_plugin import TEST_PASSWORD, SignupFn, running_client
from janitor.main import create_app
from janitor.openapi import render

REPO = Path(__file__).resolve().parents[3]


async def test_healthz(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["x-request-id"]


@pytest.mark.parametrize("given", ["abc-1234", "A.b_c-12345678", "x" * 64])
async def test_request_id_is_echoed_when_sane(client: httpx.AsyncClient, given: str) -> None:
    r = await client.get("/api/healthz", headers={"X-Request-ID": given})
    assert r.headers["x-request-id"] == given


@pytest.mark.parametrize("given", ["abc-123", "x" * 65, "bad id with space", "a/b/c/d/e/f", "<script>1</script>", ""])
async def test_request_id_is_replaced_when_not_strictly_an_id(client: httpx.AsyncClient, given: str) -> None:
    r = await client.get("/api/healthz", headers={"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])


async def test_readyz_reports_ready(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "database": True, "redis": True, "schema_current": True}


async def test_readyz_is_503_when_redis_is_down(settings: Settings) -> None:
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    app = create_app(broken)
    async with running_client(app) as c:
        r = await c.get("/api/readyz")
    assert r.status_code == 503
    assert r.json()["redis"] is False
    assert r.json()["database"] is True


async def test_readyz_is_503_when_schema_is_behind(settings: Settings, app: FastAPI) -> None:
    ctx = app.state.ctx
    async with ctx.engine.begin() as conn:
        old = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        await conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get("/api/readyz")
        assert r.status_code == 503
        assert r.json()["schema_current"] is False
    finally:
        async with ctx.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": old})


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/api/healthz")
    await client.get("/api/v1/account")
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert 'janitor_http_requests_total{method="GET",route="/api/healthz",status="200"}' in r.text
    assert 'route="/api/v1/account",status="401"' in r.text


async def test_metrics_need_the_token_when_one_is_set(settings: Settings) -> None:
    token = "scrape-" + "t" * 20
    for env in ("production", "test"):
        app = create_app(settings.model_copy(update={"env": env, "metrics_token": SecretStr(token)}))
        async with running_client(app) as c:
            assert (await c.get("/metrics")).status_code == 401
            wrong = await c.get("/metrics", headers={"Authorization": "Bearer " + "x" * 27})
            assert wrong.status_code == 401
            assert wrong.json()["error"] == "not_authenticated"
            assert wrong.headers["www-authenticate"] == "Bearer"
            assert token not in wrong.text
            ok = await c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200
            assert "janitor_http_requests_total" in ok.text


async def test_production_without_a_token_serves_no_metrics_and_no_docs(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"env": "production"}))
    async with running_client(app) as c:
        for path in ("/metrics", "/api/docs", "/api/openapi.json", "/api/redoc"):
            r = await c.get(path)
            assert r.status_code == 404, path
            assert r.json()["error"] == "not_found"


@pytest.mark.parametrize(("env", "api_docs", "served"), [("production", True, True), ("test", None, True), ("development", False, False)])  # fmt: skip
async def test_api_docs_are_served_as_the_setting_says(
    settings: Settings, env: str, api_docs: bool | None, served: bool
) -> None:
    app = create_app(settings.model_copy(update={"env": env, "api_docs": api_docs}))
    async with running_client(app) as c:
        assert ((await c.get("/api/docs")).status_code == 200) is served
        assert ((await c.get("/api/openapi.json")).status_code == 200) is served


def test_empty_settings_as_in_env_example_mean_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("JANITOR_COOKIE_SECURE", "JANITOR_API_DOCS", "JANITOR_METRICS_TOKEN"):
        monkeypatch.setenv(key, "")
    s = Settings(env="development")
    assert (s.cookie_secure, s.api_docs, s.metrics_token) == (None, None, None)
    assert s.serve_api_docs and s.serve_metrics


def test_a_metrics_token_is_long_or_empty() -> None:
    assert Settings(metrics_token="").metrics_token is None
    assert Settings(metrics_token="x" * 16).metrics_token is not None
    with pytest.raises(ValidationError, match="JANITOR_METRICS_TOKEN"):
        Settings(metrics_token="short")


async def test_unknown_api_route_is_json_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def _boom_app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    router = APIRouter()

    @router.get("/api/v1/_boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.include_router(router)
    return app


async def test_unhandled_error_is_a_generic_500_without_details(settings: Settings) -> None:
    async with running_client(_boom_app(settings), raise_app_exceptions=False) as c:
        r = await c.get("/api/v1/_boom", headers={"X-Request-ID": "req-0042"})
    assert r.status_code == 500
    assert r.json() == {
        "error": "internal_error",
        "detail": "Something went wrong on our side. Reference: req-0042.",
        "request_id": "req-0042",
    }
    assert r.headers["x-request-id"] == "req-0042"


async def test_a_500_names_its_request_id_in_body_header_and_log(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A caller's id that is not strictly an id is replaced, in the 500 body too (it used to be
    echoed there raw), and the logged error carries the id the caller was given."""
    async with running_client(_boom_app(settings), raise_app_exceptions=False) as c:
        r = await c.get("/api/v1/_boom", headers={"X-Request-ID": "<img src=x>"})
    assert r.status_code == 500
    request_id = r.json()["request_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert r.headers["x-request-id"] == request_id
    assert "<img" not in r.text
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    error = next(line for line in lines if line["event"] == "unhandled_error")
    assert error["request_id"] == request_id


async def test_a_failed_commit_is_an_error_response_not_a_success(settings: Settings) -> None:
    """The unit of work commits before the response is sent."""
    app = create_app(settings)
    router = APIRouter()

    @router.post("/api/v1/_deferred_violation")
    async def deferred(session: SessionDep) -> dict[str, str]:
        await session.execute(text("CREATE TEMP TABLE t (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)"))
        await session.execute(text("INSERT INTO t VALUES (1), (1)"))  # fails only at COMMIT
        return {"status": "saved"}

    app.include_router(router)
    async with running_client(app, raise_app_exceptions=False) as c:
        r = await c.post("/api/v1/_deferred_violation")
    assert r.status_code == 500
    assert "saved" not in r.text


async def test_logs_are_json_with_request_id_and_never_hold_secrets(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str], signup: SignupFn
) -> None:
    user = await signup(password=TEST_PASSWORD)
    await client.post("/api/v1/auth/login", json={"email": user.email, "password": TEST_PASSWORD})
    await client.get("/api/v1/account", headers={**user.headers, "X-Request-ID": "trace-me"})
    structlog.get_logger("t").info("probe", password="hunter2", api_key="k", token="t")
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "trace-me" and line["event"] == "request" for line in lines)
    probe = next(line for line in lines if line["event"] == "probe")
    assert probe["password"] == probe["api_key"] == probe["token"] == "[redacted]"
    for secret in (TEST_PASSWORD, user.access_token, user.refresh_cookie, "hunter2"):
        assert secret not in out


async def test_production_refuses_placeholder_secrets() -> None:
    with pytest.raises(ValidationError, match="JANITOR_SECRET_KEY"):
        Settings(env="production")
    with pytest.raises(ValidationError, match="JANITOR_FERNET_KEYS"):
        Settings(env="production", secret_key="x" * 40, fernet_keys=PLACEHOLDER_FERNET_KEY)
    ok = Settings(env="production", secret_key="x" * 40, fernet_keys="a-real-key-list")
    assert ok.secure_cookies is True
    assert Settings(env="development").secret_key.get_secret_value() == PLACEHOLDER_SECRET
    assert Settings(database_url="postgres://u@h/db").database_url == "postgresql+asyncpg://u@h/db"


async def test_spa_is_served_with_client_route_fallback(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "_app" / "immutable").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<html>spa shell</html>")
    (tmp_path / "_app" / "immutable" / "app.js").write_text("console.log(1)")
    app = create_app(settings.model_copy(update={"spa_dir": tmp_path}))
    async with running_client(app) as c:
        deep = await c.get("/settings")
        asset = await c.get("/_app/immutable/app.js")
        api_missing = await c.get("/api/v1/does-not-exist")
        health = await c.get("/api/healthz")
    assert deep.status_code == 200
    assert "spa shell" in deep.text
    assert deep.headers["cache-control"] == "no-cache"
    assert asset.headers["cache-control"].endswith("immutable")
    assert api_missing.status_code == 404
    assert api_missing.json()["error"] == "not_found"
    assert health.json() == {"status": "ok"}


async def test_openapi_lists_typed_errors_and_the_frontend_copy_is_current() -> None:
    spec = json.loads(render())
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert set(login["responses"]) >= {"200", "401", "422", "429"}
    assert login["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("ValidationErrorBody")
    committed = (REPO / "frontend" / "src" / "lib" / "api" / "openapi.json").read_text()
    assert committed == render(), "frontend/src/lib/api/openapi.json is stale: run `task gen:api`"
