"""The operator console's API: behind the role (401 without a token, 403 for a tenant), the tenants
list, disabling and enabling, the kill switch, the queues, failing syncs, the usage CSV and the
operator audit log."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from janitor import cli
from janitor.cli import tenants
from janitor.connections.models import Library
from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.core.queue import FIRST_SYNC_QUEUE, INTERACTIVE_QUEUE
from janitor.deletions.switches import global_switch
from janitor.devtools.pytest_plugin import SignupFn, queued_mails
from janitor.library.models import MediaItem
from janitor.operator.models import OperatorAuditEntry

from .conftest import MakeOperator, add_connection, add_run

PREFIX = "/api/v1/operator"


def _operator_operations(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (re.sub(r"\{\w+_id\}", str(uuid.uuid4()), path), method.upper())
        for path, ops in app.openapi()["paths"].items()
        if path.startswith(PREFIX + "/")
        for method in ops
    ]


async def test_every_operator_route_is_401_without_a_token_and_403_for_a_tenant(
    app: FastAPI, client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    operations = _operator_operations(app)
    assert len(operations) >= 10
    tenant = await signup()
    for path, method in operations:
        anonymous = await client.request(method, path, json={})
        assert anonymous.status_code == 401, f"{method} {path}: {anonymous.status_code}"
        refused = await client.request(method, path, json={"disabled": True}, headers=tenant.headers)
        assert refused.status_code == 403, f"{method} {path}: {refused.status_code}"
        assert refused.json()["error"] == "operators_only"
        assert "janitor operator grant" in refused.json()["detail"]
    disabled = await client.request("POST", f"{PREFIX}/tenants/{tenant.account_id}/disable", headers=tenant.headers)
    assert disabled.status_code == 403
    assert (await client.get("/api/v1/account", headers=tenant.headers)).status_code == 200
    assert not (await global_switch_now(ctx))
    async with ctx.sessionmaker() as s:
        assert (await s.scalars(select(OperatorAuditEntry))).all() == []  # no operator yet, nothing done


async def global_switch_now(ctx: AppContext) -> bool:
    async with ctx.sessionmaker() as s:
        return (await global_switch(s)).disabled


async def test_the_tenants_list_shows_each_tenants_figures_and_is_searchable_and_paged(
    client: httpx.AsyncClient, signup: SignupFn, make_operator: MakeOperator, ctx: AppContext, settings: Settings
) -> None:
    operator = await make_operator()
    alice = await signup("alice@example.com")
    bob = await tenants.create_account(settings, "bob@example.org", "correct horse battery staple")
    connection = await add_connection(ctx, alice.account_id)
    now = datetime.now(UTC)
    await add_run(ctx, alice.account_id, "complete", at=now - timedelta(hours=2))
    await add_run(ctx, alice.account_id, "failed", at=now - timedelta(hours=1), error="Plex did not answer")
    await _add_items(ctx, alice.account_id, connection.id, count=3)

    r = await client.get(f"{PREFIX}/tenants", headers=operator.headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 3 and page["page"] == 1
    rows = {t["email"]: t for t in page["items"]}
    a, b = rows["alice@example.com"], rows["bob@example.org"]
    assert a["connections"] == 1 and a["items"] == 3
    assert a["last_sync_status"] == "failed"
    # Signed up and not yet verified; bob was created on the command line: verified, never signed in.
    assert a["verified"] is False and b["verified"] is True
    assert a["last_sign_in_at"] is not None and b["last_sign_in_at"] is None
    assert a["disabled_at"] is None and a["is_operator"] is False
    assert b["connections"] == 0 and b["items"] == 0 and b["last_sync_status"] is None and b["last_sync_at"] is None
    assert a["row_bytes"] > b["row_bytes"] >= 0
    assert rows[operator.email]["is_operator"] is True

    found = (await client.get(f"{PREFIX}/tenants", params={"q": "ALICE@"}, headers=operator.headers)).json()
    assert [t["email"] for t in found["items"]] == ["alice@example.com"] and found["total"] == 1
    literal = (await client.get(f"{PREFIX}/tenants", params={"q": "%"}, headers=operator.headers)).json()
    assert literal["total"] == 0  # searched as text, not as a pattern
    first = (await client.get(f"{PREFIX}/tenants", params={"page_size": 2}, headers=operator.headers)).json()
    second = (await client.get(f"{PREFIX}/tenants?page_size=2&page=2", headers=operator.headers)).json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {t["email"] for t in first["items"] + second["items"]} == set(rows)
    assert rows["bob@example.org"]["id"] == str(bob.id)
    bad = await client.get(f"{PREFIX}/tenants", params={"page_size": 0}, headers=operator.headers)
    assert bad.status_code == 422


async def _add_items(ctx: AppContext, account_id: uuid.UUID, connection_id: uuid.UUID, *, count: int) -> None:
    async with ctx.sessionmaker() as s, s.begin():
        library = Library(
            id=uuid.uuid4(),
            account_id=account_id,
            connection_id=connection_id,
            upstream_key="1",
            title="Films",
            kind="movie",
            enabled=True,
        )
        s.add(library)
        await s.flush()
        for i in range(count):
            s.add(
                MediaItem(
                    account_id=account_id,
                    connection_id=connection_id,
                    library_id=library.id,
                    upstream_id=str(i),
                    kind="movie",
                    title=f"Film {i}",
                    guids={},
                    parts=[],
                )
            )


async def test_disabling_a_tenant_signs_it_out_at_once_and_enabling_lets_it_in(
    client: httpx.AsyncClient, signup: SignupFn, make_operator: MakeOperator, ctx: AppContext
) -> None:
    operator, tenant = await make_operator(), await signup()
    r = await client.post(
        f"{PREFIX}/tenants/{tenant.account_id}/disable", json={"note": "abuse report 12"}, headers=operator.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["disabled_at"] is not None
    assert (await client.get("/api/v1/account", headers=tenant.headers)).status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", headers={"Cookie": f"mj_refresh={tenant.refresh_cookie}"})
    assert refreshed.status_code == 401
    client.cookies.clear()
    login = await client.post("/api/v1/auth/login", json={"email": tenant.email, "password": tenant.password})
    assert login.status_code == 403 and login.json()["error"] == "account_disabled"

    r = await client.post(f"{PREFIX}/tenants/{tenant.account_id}/enable", headers=operator.headers)
    assert r.status_code == 200 and r.json()["disabled_at"] is None
    login = await client.post("/api/v1/auth/login", json={"email": tenant.email, "password": tenant.password})
    assert login.status_code == 200

    audit = (await client.get(f"{PREFIX}/audit", headers=operator.headers)).json()
    assert audit["total"] == 3
    assert [(e["action"], e["actor_email"], e["target_email"], e["note"]) for e in audit["items"]] == [
        ("tenant_enabled", operator.email, tenant.email, None),
        ("tenant_disabled", operator.email, tenant.email, "abuse report 12"),
        ("operator_granted", "command line", operator.email, None),
    ]
    paged = (await client.get(f"{PREFIX}/audit?page=2&page_size=2", headers=operator.headers)).json()
    assert [e["action"] for e in paged["items"]] == ["operator_granted"] and paged["total"] == 3


async def test_an_operator_cannot_disable_themself_and_an_unknown_tenant_is_404(
    client: httpx.AsyncClient, make_operator: MakeOperator, ctx: AppContext
) -> None:
    operator = await make_operator()
    me = await client.post(f"{PREFIX}/tenants/{operator.account_id}/disable", headers=operator.headers)
    assert me.status_code == 400 and me.json()["error"] == "cannot_disable_self"
    assert "Ask another operator" in me.json()["detail"]
    assert (await client.get("/api/v1/account", headers=operator.headers)).status_code == 200
    for action in ("disable", "enable", "export", "verification"):
        method = "GET" if action == "export" else "POST"
        gone = await client.request(method, f"{PREFIX}/tenants/{uuid.uuid4()}/{action}", headers=operator.headers)
        assert gone.status_code == 404 and gone.json()["error"] == "tenant_not_found", action
    too_long = await client.post(
        f"{PREFIX}/tenants/{operator.account_id}/enable", json={"note": "x" * 501}, headers=operator.headers
    )
    assert too_long.status_code == 422
    async with ctx.sessionmaker() as s:  # nothing half-written: only the grant of the fixture
        assert (await s.scalars(select(OperatorAuditEntry.action))).all() == ["operator_granted"]


async def test_the_kill_switch_is_read_and_switched_and_audited(
    client: httpx.AsyncClient, make_operator: MakeOperator, ctx: AppContext
) -> None:
    operator = await make_operator()
    off = (await client.get(f"{PREFIX}/deletions-switch", headers=operator.headers)).json()
    assert off == {"disabled": False, "note": None, "updated_at": None}
    on = await client.put(
        f"{PREFIX}/deletions-switch", json={"disabled": True, "note": "disk check"}, headers=operator.headers
    )
    assert on.status_code == 200 and on.json()["disabled"] is True and on.json()["note"] == "disk check"
    assert await global_switch_now(ctx)  # what the deleter reads
    assert (await client.get(f"{PREFIX}/deletions-switch", headers=operator.headers)).json()["disabled"] is True
    back = await client.put(f"{PREFIX}/deletions-switch", json={"disabled": False}, headers=operator.headers)
    assert back.json()["disabled"] is False and not await global_switch_now(ctx)
    wrong = await client.put(f"{PREFIX}/deletions-switch", json={"disabled": "yes"}, headers=operator.headers)
    assert wrong.status_code == 422
    audit = (await client.get(f"{PREFIX}/audit", headers=operator.headers)).json()["items"]
    assert [(e["action"], e["note"], e["target_email"]) for e in audit] == [
        ("deletions_enabled", None, None),
        ("deletions_disabled", "disk check", None),
        ("operator_granted", None, operator.email),
    ]


async def test_queue_depth_and_failing_syncs_across_tenants(
    client: httpx.AsyncClient, signup: SignupFn, make_operator: MakeOperator, ctx: AppContext
) -> None:
    operator = await make_operator()
    failing, recovered, partial = await signup(), await signup(), await signup()
    now = datetime.now(UTC)
    await add_run(ctx, failing.account_id, "complete", at=now - timedelta(days=1))
    failed_run = await add_run(ctx, failing.account_id, "failed", at=now - timedelta(hours=1), error="timed out")
    await add_run(ctx, recovered.account_id, "failed", at=now - timedelta(days=1), error="old")
    await add_run(ctx, recovered.account_id, "complete", at=now - timedelta(hours=3))
    await add_run(ctx, partial.account_id, "partial", at=now - timedelta(hours=2), error="Jellyfin: 500")
    await ctx.redis.enqueue_job("sync", "x", _job_id="a", _queue_name=INTERACTIVE_QUEUE)
    await ctx.redis.enqueue_job("sync", "y", _job_id="b")
    await ctx.redis.enqueue_job("sync", "z", _job_id="c")
    await ctx.redis.enqueue_job("sync", "w", _job_id="d", _queue_name=FIRST_SYNC_QUEUE)

    depth = (await client.get(f"{PREFIX}/queue", headers=operator.headers)).json()
    assert depth == {"interactive": 1, "first_sync": 1, "quick": 0, "background": 2}
    runs = (await client.get(f"{PREFIX}/failing-syncs", headers=operator.headers)).json()
    assert [(r["email"], r["status"], r["error"]) for r in runs] == [
        (failing.email, "failed", "timed out"),
        (partial.email, "partial", "Jellyfin: 500"),
    ]
    assert runs[0]["run_id"] == str(failed_run)
    limited = (await client.get(f"{PREFIX}/failing-syncs", params={"limit": 1}, headers=operator.headers)).json()
    assert len(limited) == 1


async def test_usage_csv_has_a_header_and_a_row_per_tenant(
    client: httpx.AsyncClient, signup: SignupFn, make_operator: MakeOperator, ctx: AppContext
) -> None:
    operator, tenant = await make_operator(), await signup()
    connection = await add_connection(ctx, tenant.account_id)
    await _add_items(ctx, tenant.account_id, connection.id, count=2)
    now = datetime.now(UTC)
    await add_run(ctx, tenant.account_id, "failed", at=now - timedelta(days=2))
    await add_run(ctx, tenant.account_id, "complete", at=now - timedelta(days=1))
    await add_run(ctx, tenant.account_id, "failed", at=now - timedelta(days=40))  # outside the 30 days

    r = await client.get(f"{PREFIX}/usage.csv", headers=operator.headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert list(table[0]) == [
        "email",
        "created",
        "verified",
        "last_sign_in",
        "disabled",
        "connections",
        "items",
        "syncs_30d",
        "failed_syncs_30d",
        "deletions_executed",
        "row_bytes",
    ]
    rows = {row["email"]: row for row in table}
    assert set(rows) == {operator.email, tenant.email}
    row = rows[tenant.email]
    assert (row["verified"], row["disabled"], row["connections"], row["items"]) == ("no", "no", "1", "2")
    assert (row["syncs_30d"], row["failed_syncs_30d"], row["deletions_executed"]) == ("2", "1", "0")
    assert datetime.fromisoformat(row["created"]) <= now and datetime.fromisoformat(row["last_sign_in"]) <= now
    assert int(row["row_bytes"]) > int(rows[operator.email]["row_bytes"]) > 0
    async with ctx.sessionmaker() as s:
        entry = (await s.scalars(select(OperatorAuditEntry).where(OperatorAuditEntry.action == "usage_exported"))).one()
    assert (entry.actor_id, entry.note) == (operator.account_id, "2 tenants")


async def test_an_operator_sends_a_tenant_its_verification_link_again(
    client: httpx.AsyncClient, make_operator: MakeOperator, signup: SignupFn, ctx: AppContext, settings: Settings
) -> None:
    await cli.verification_switch(settings, "on")
    operator, tenant = await make_operator(), await signup()
    r = await client.post(f"{PREFIX}/tenants/{tenant.account_id}/verification", headers=operator.headers)
    assert r.status_code == 202, r.text
    assert r.json()["email"] == tenant.email and r.json()["verified"] is False
    mails = await queued_mails(ctx, tenant.account_id)
    assert [(t, to) for t, to, _ in mails] == [("verify_email", tenant.email)] * 2  # the sign-up's, and this one
    link = mails[-1][2]["link"]
    (token,) = parse_qs(urlsplit(link).query)["token"]
    assert (await client.post("/api/v1/account/email/verify", json={"token": token})).status_code == 200
    again = await client.post(f"{PREFIX}/tenants/{tenant.account_id}/verification", headers=operator.headers)
    assert again.status_code == 409 and again.json()["error"] == "already_verified"
    async with ctx.sessionmaker() as s:
        actions = (await s.scalars(select(OperatorAuditEntry.action).order_by(OperatorAuditEntry.id))).all()
    assert actions == ["operator_granted", "verification_sent"]
