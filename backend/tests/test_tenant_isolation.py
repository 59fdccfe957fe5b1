"""Tenant isolation sweeps: they grow with every domain and fail when a new table or route skips them."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from janitor.models import Base

# Tables that are not tenant data (global or the tenant itself).
# sync_seen_items: scratch rows of a running full pass (a run id, a connection id, upstream ids),
# cleared when the source finishes; deleting an account clears them explicitly (no per-row FK check
# on the sync's hot path). test_delete_account_removes_every_tenant_row covers it.
NOT_TENANT_TABLES = {"accounts", "sync_seen_items"}

# Every route with an id in its path, and the test that proves another tenant gets 404 from it.
# A new route that takes an id must be added here (and to that test).
ID_ROUTES: dict[str, str] = {
    "/api/v1/connections/{connection_id}": "connections/test_connections_api.py::test_another_tenant_sees_nothing",
    "/api/v1/connections/{connection_id}/test": "connections/test_connections_api.py::test_another_tenant_sees_nothing",
    "/api/v1/libraries/{library_id}": "connections/test_connections_api.py::test_another_tenant_sees_nothing",
    "/api/v1/connections/plex/pins/{pin_id}": "connections/test_plex_signin.py::test_another_tenant_cannot_use_my_pin",
    "/api/v1/allowlists/{entry_id}": "reports/test_allowlists.py::test_allowlists_are_per_tenant",
    "/api/v1/sync/runs/{run_id}": "sync/test_sync_runs.py::test_cancel_and_other_tenants",
    "/api/v1/sync/runs/{run_id}/cancel": "sync/test_sync_runs.py::test_cancel_and_other_tenants",
    "/api/v1/connections/plex/pins/{pin_id}/connect": (
        "connections/test_plex_signin.py::test_another_tenant_cannot_use_my_pin"
    ),
}

PUBLIC_ROUTES = {
    "/api/healthz",
    "/api/readyz",
    "/api/v1/auth/signup",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
}


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    return [(path, method.upper()) for path, ops in app.openapi()["paths"].items() for method in ops]


def test_every_tenant_table_is_keyed_by_account_with_cascade() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_TENANT_TABLES:
            continue
        assert "account_id" in table.c, f"{table.name} holds tenant data but has no account_id"
        fks = [fk for fk in table.c.account_id.foreign_keys if fk.column.table.name == "accounts"]
        assert fks, f"{table.name}.account_id must reference accounts"
        assert fks[0].ondelete == "CASCADE", f"{table.name}: deleting an account must delete its rows"
        assert not table.c.account_id.nullable, f"{table.name}.account_id must be NOT NULL"


async def test_every_route_with_an_id_is_in_the_cross_tenant_sweep(app: FastAPI) -> None:
    with_ids = {path for path, _ in _operations(app) if "_id}" in path}
    assert with_ids == set(ID_ROUTES), "add the new id routes to ID_ROUTES and to a cross-tenant test"
    here = Path(__file__).parent
    for path, where in ID_ROUTES.items():
        file, test = where.split("::")
        assert f"def {test}" in (here / file).read_text(), f"{path}: {where} does not exist"


async def test_every_non_public_route_needs_a_token(app: FastAPI, client: httpx.AsyncClient) -> None:
    operations = [(p, m) for p, m in _operations(app) if p not in PUBLIC_ROUTES]
    assert {p for p, _ in _operations(app)} >= PUBLIC_ROUTES
    assert len(operations) >= 3
    for path, method in operations:
        r = await client.request(method, path.replace("{", "").replace("}", ""), json={})
        assert r.status_code == 401, f"{method} {path} answered {r.status_code} without a token"
        assert r.json()["error"] == "not_authenticated"
