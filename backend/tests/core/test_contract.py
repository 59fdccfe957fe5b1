"""What the OpenAPI contract promises is what the server sends (the findings schemathesis made;
test_api_contract.py runs schemathesis itself over every operation)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from janitor.core.request_input import UNKNOWN_MESSAGE
from janitor.devtools.pytest_plugin import SignupFn


async def test_a_body_that_is_not_utf8_is_the_documented_validation_error(
    client: httpx.AsyncClient, signup: SignupFn
) -> None:
    user = await signup()
    headers = {**user.headers, "Content-Type": "application/json"}
    r = await client.patch("/api/v1/settings/reports", content=b'{"time_zone": "\xff\xfe"}', headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "validation_error"
    assert r.json()["fields"] == [{"field": "body", "message": "is not valid JSON (send UTF-8)"}]


async def test_the_apps_own_422s_have_the_validation_shape(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    r = await client.post(
        "/api/v1/allowlists/import", content=b"no,header\n", headers={**user.headers, "Content-Type": "text/csv"}
    )
    assert r.status_code == 422
    assert r.json()["error"] == "allowlist_import_invalid" and r.json()["fields"] == []


async def test_a_query_parameter_the_operation_does_not_take_is_refused(
    client: httpx.AsyncClient, signup: SignupFn
) -> None:
    user = await signup()
    r = await client.get("/api/v1/reports/stale", params={"sortby": "title"}, headers=user.headers)
    assert r.status_code == 422
    assert r.json()["fields"] == [{"field": "sortby", "message": UNKNOWN_MESSAGE}]
    assert (
        await client.get("/api/v1/reports/stale", params={"sort": "title"}, headers=user.headers)
    ).status_code == 200


async def test_405_names_every_method_of_the_path(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    r = await client.request("OPTIONS", "/api/v1/allowlists", headers=user.headers)
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    # A word where an id goes is not an id: /connections/jellyfin takes POST only (it was a 422 on PATCH).
    r = await client.patch("/api/v1/connections/jellyfin", json={}, headers=user.headers)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = await client.get("/api/v1/allowlists/import", headers=user.headers)
    assert r.status_code == 405 and r.headers["allow"] == "POST"


async def test_the_sse_route_and_the_csv_exports_are_documented_as_sent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    paths = app.openapi()["paths"]
    events = paths["/api/v1/sync/events"]["get"]["responses"]
    assert "401" in events
    assert (await client.get("/api/v1/sync/events")).status_code == 401
    export = paths["/api/v1/allowlists/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/json"}
    assert "text/csv" in paths["/api/v1/reports/{report}/export.csv"]["get"]["responses"]["200"]["content"]
    for path, ops in paths.items():
        for method, op in ops.items():
            assert "422" in op["responses"], f"{method} {path}"
