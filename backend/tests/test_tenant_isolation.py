"""Tenant isolation sweeps: they grow with every domain and fail when a new table or route skips them."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Table
from sqlalchemy.engine import make_url

from janitor.core.config import Settings
from janitor.devtools.pytest_plugin import SignupFn
from janitor.models import Base

# Tables that are not tenant data (global or the tenant itself).
# service_flags: the operator's switches of the whole deployment (the global deletion kill switch).
# sync_seen_items: scratch rows of a running full pass (a run id, a connection id, upstream ids),
# cleared when the source finishes; deleting an account clears them explicitly (no per-row FK check
# on the sync's hot path). test_delete_account_removes_every_tenant_row covers it.
# service_flags: the operator's switches of the whole deployment (the global kill switch).
# operator_audit: what the service's operators did; it outlives the accounts it names (SET NULL).
NOT_TENANT_TABLES = {"accounts", "sync_seen_items", "service_flags", "operator_audit"}
# A mail of no account (the notice that an account was deleted, sent after its rows are gone) has no
# account_id; every row that has one is the account's and goes with it.
ACCOUNT_OPTIONAL = {"mail_outbox"}

# Every route with an id in its path, and the test that proves another tenant gets 404 from it.
# A new route that takes an id must be added here (and to that test).
ID_ROUTES: dict[str, str] = {
    "/api/v1/connections/{connection_id}": "connections/test_connections_api.py::test_another_tenant_sees_nothing",
    "/api/v1/connections/{connection_id}/test": "connections/test_connections_api.py::test_another_tenant_sees_nothing",
    "/api/v1/connections/{connection_id}/path-mappings": "library/test_copies_api.py::test_path_mappings_belong_to_their_account",
    "/api/v1/libraries/{library_id}": "connections/test_connections_api.py::test_another_tenant_sees_nothing",
    "/api/v1/connections/plex/pins/{pin_id}": "connections/test_plex_signin.py::test_another_tenant_cannot_use_my_pin",
    "/api/v1/allowlists/{entry_id}": "reports/test_allowlists.py::test_allowlists_are_per_tenant",
    "/api/v1/reports/large/dismissals/{connection_id}/{upstream_id}": (
        "reports/test_large_dismissals.py::test_dismissals_are_per_tenant_and_validate_input"
    ),
    "/api/v1/sync/runs/{run_id}": "sync/test_sync_runs.py::test_cancel_and_other_tenants",
    "/api/v1/sync/runs/{run_id}/cancel": "sync/test_sync_runs.py::test_cancel_and_other_tenants",
    "/api/v1/deletions/queue/{queue_id}": "deletions/api/test_queue_actions.py::test_another_tenant_gets_404",
    "/api/v1/deletions/queue/{queue_id}/cancel": "deletions/api/test_queue_actions.py::test_another_tenant_gets_404",
    "/api/v1/deletions/queue/{queue_id}/postpone": "deletions/api/test_queue_actions.py::test_another_tenant_gets_404",
    "/api/v1/deletions/queue/{queue_id}/run-now": "deletions/api/test_queue_actions.py::test_another_tenant_gets_404",
    "/api/v1/deletions/libraries/{library_id}/delay": (
        "deletions/api/test_settings_servers.py::test_another_tenant_gets_404"
    ),
    "/api/v1/deletions/servers/{connection_id}/live": (
        "deletions/api/test_settings_servers.py::test_another_tenant_gets_404"
    ),
    "/api/v1/deletions/servers/{connection_id}/dry-run": (
        "deletions/api/test_settings_servers.py::test_another_tenant_gets_404"
    ),
    "/api/v1/deletions/servers/{connection_id}/vanish": (
        "deletions/api/test_settings_servers.py::test_only_a_frozen_server_of_your_own_takes_an_answer"
    ),
    "/api/v1/connections/plex/pins/{pin_id}/connect": (
        "connections/test_plex_signin.py::test_another_tenant_cannot_use_my_pin"
    ),
    "/api/v1/people/{person_id}": "people/test_people_api.py::test_another_accounts_people_are_not_found",
    "/api/v1/people/{person_id}/merge": "people/test_people_api.py::test_another_accounts_people_are_not_found",
    "/api/v1/people/{person_id}/accounts/{remote_user_id}/unlink": (
        "people/test_people_api.py::test_another_accounts_people_are_not_found"
    ),
    "/api/v1/library/items/{connection_id}/{upstream_id}/poster": (
        "connections/test_posters.py::test_another_accounts_item_or_an_unknown_one_is_a_404_without_asking_the_server"
    ),
    "/api/v1/assignments/{assignment_id}": (
        "people/test_assignments_api.py::test_another_accounts_assignments_and_items_are_not_found"
    ),
    # The operator's routes take any tenant's id by design; they are behind the role (403 for a tenant,
    # tested for every operator route) and answer 404 for an id that is no account.
    **{
        f"/api/v1/operator/tenants/{{account_id}}/{action}": (
            "operator_console/test_operator_api.py::test_an_operator_cannot_disable_themself_and_an_unknown_tenant_is_404"
        )
        for action in ("disable", "enable", "export", "verification")
    },
}

PUBLIC_ROUTES = {
    "/api/healthz",
    "/api/readyz",
    "/api/v1/auth/signup",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/auth/password/forgot",
    "/api/v1/auth/password/reset",
    # The links of the address mails: the token is the proof, on whatever device they are opened.
    "/api/v1/account/email/verify",
    "/api/v1/account/email/undo",
}


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    return [(path, method.upper()) for path, ops in app.openapi()["paths"].items() for method in ops]


def _account_key_parent(table: Table) -> Table:
    """The table ``table.account_id`` is a key into, with cascade: ``accounts`` itself, or (for rows
    written by the hundred thousand, keyed once by their connection or library together with the
    account) a tenant table whose own ``account_id`` the column must equal."""
    for constraint in table.foreign_key_constraints:
        for element in constraint.elements:
            if element.parent is table.c.account_id and element.column.name in ("id", "account_id"):
                assert constraint.ondelete == "CASCADE", f"{table.name}: deleting an account must delete its rows"
                parent = element.column.table
                expected = "id" if parent.name == "accounts" else "account_id"
                assert element.column.name == expected, f"{table.name}.account_id references {element.column}"
                return parent
    raise AssertionError(f"{table.name}.account_id must reference accounts (or its parent's account_id)")


def test_every_tenant_table_is_keyed_by_account_with_cascade() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_TENANT_TABLES:
            continue
        assert "account_id" in table.c, f"{table.name} holds tenant data but has no account_id"
        if table.name not in ACCOUNT_OPTIONAL:
            assert not table.c.account_id.nullable, f"{table.name}.account_id must be NOT NULL"
        chain, parent = [table.name], _account_key_parent(table)
        while parent.name != "accounts":
            assert parent.name not in chain and parent.name not in NOT_TENANT_TABLES, chain
            chain.append(parent.name)
            parent = _account_key_parent(parent)


def test_rows_below_a_connection_are_keyed_by_it_and_its_account_together() -> None:
    """The hot tables' single composite key proves the ids agree (a row cannot claim another
    tenant's library or connection)."""
    tables = Base.metadata.tables
    for name, parent in (
        ("media_items", "libraries"),
        ("watch_events", "connections"),
        ("user_item_states", "connections"),
        ("libraries", "connections"),
    ):
        keys = [fk for fk in tables[name].foreign_key_constraints if fk.referred_table.name == parent]
        assert len(keys) == 1 and "account_id" in keys[0].column_keys, name


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
        concrete = re.sub(r"\{\w+_id\}", str(uuid.uuid4()), path.replace("{pin_id}", "1"))
        r = await client.request(method, concrete.replace("{", "").replace("}", ""), json={})
        assert r.status_code == 401, f"{method} {path} answered {r.status_code} without a token"
        assert r.json()["error"] == "not_authenticated"


async def test_a_row_cannot_claim_another_tenants_library_and_goes_with_its_account(
    settings: Settings, signup: SignupFn
) -> None:
    """The composite keys at work in the database: ids that disagree are refused, and deleting an
    account takes its synced rows (and the reports' derived rows) with it through connection -> library
    -> item."""
    a, b = await signup(), await signup()
    dsn = make_url(settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    db = await asyncpg.connect(dsn)
    try:
        ids: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]] = {}
        for account in (a.account_id, b.account_id):
            connection, library = uuid.uuid4(), uuid.uuid4()
            await db.execute(
                "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, "
                "options, status) VALUES ($1, $2, 'plex', 'p', 'http://x', 'x', false, '{}', 'ok')",
                connection,
                account,
            )
            await db.execute(
                "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
                "VALUES ($1, $2, $3, '1', 'Music', 'music', true)",
                library,
                account,
                connection,
            )
            ids[account] = (connection, library)
        item = (
            "INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, title, "
            "guids, parts) VALUES ($1, $2, $3, $4, 'track', 't', '{}', '[]')"
        )
        play = (
            "INSERT INTO watch_events (account_id, connection_id, upstream_id, user_upstream_id, viewed_at) "
            "VALUES ($1, $2, $3, '1', now())"
        )
        state = (
            "INSERT INTO user_item_states (account_id, connection_id, item_upstream_id, user_upstream_id, "
            "play_count, played) VALUES ($1, $2, $3, '1', 1, true)"
        )
        # The reports' derived rows (rebuilt at the end of each sync) are keyed the same way.
        candidate = (
            "INSERT INTO duplicate_candidates (item_id, account_id, connection_id, library_id, upstream_id, title, "
            "match_key, multi) VALUES ($1, $2, $3, $4, '10', 't', 'k', false)"
        )
        last_play = (
            "INSERT INTO item_last_plays (connection_id, target, account_id, played_at) VALUES ($1, $2, $3, now())"
        )
        a_conn, a_lib = ids[a.account_id]
        b_conn, b_lib = ids[b.account_id]
        for account in (a.account_id, b.account_id):
            conn, lib = ids[account]
            item_id = await db.fetchval(item + " RETURNING id", account, conn, lib, "10")
            await db.execute(play, account, conn, "10")
            await db.execute(state, account, conn, "10")
            await db.execute(candidate, item_id, account, conn, lib)
            await db.execute(last_play, conn, "10", account)
        # b's account on a's library or connection, or a's library under b's connection: refused
        for stmt, args in (
            (item, (b.account_id, a_conn, a_lib, "11")),
            (item, (a.account_id, b_conn, a_lib, "12")),
            (play, (b.account_id, a_conn, "13")),
            (state, (b.account_id, a_conn, "14")),
            (candidate, (15, b.account_id, a_conn, a_lib)),
            (candidate, (16, a.account_id, b_conn, a_lib)),
            (last_play, (a_conn, "17", b.account_id)),
        ):
            with pytest.raises(asyncpg.ForeignKeyViolationError):
                await db.execute(stmt, *args)
        # A library removed on its own takes its candidates with it.
        await db.execute("DELETE FROM libraries WHERE id = $1", b_lib)
        assert await db.fetchval("SELECT count(*) FROM duplicate_candidates WHERE library_id = $1", b_lib) == 0
        await db.execute("DELETE FROM accounts WHERE id = $1", a.account_id)
        for table in ("watch_events", "user_item_states", "item_last_plays", "connections"):
            left = {r["account_id"] for r in await db.fetch(f"SELECT account_id FROM {table}")}
            assert a.account_id not in left, table
            assert b.account_id in left, table
        for table in ("media_items", "duplicate_candidates", "libraries"):  # b's library was removed above
            left = {r["account_id"] for r in await db.fetch(f"SELECT account_id FROM {table}")}
            assert a.account_id not in left, table
    finally:
        await db.close()
