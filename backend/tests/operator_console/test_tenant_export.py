"""A tenant's data export (``GET /api/v1/account/export``): their account, connections without any
secret, settings, allowlist, people, assignments and deletion audit log; nobody else's rows. An
operator downloads the same document for any tenant, and the download is in the operator audit log."""

from __future__ import annotations

import json
import uuid

import httpx
from sqlalchemy import select

from janitor.allowlists.models import AllowlistEntry, ListName
from janitor.connections.models import Connection
from janitor.core.deps import AppContext
from janitor.deletions.models import DeletionEvent
from janitor.devtools.pytest_plugin import SignupFn
from janitor.operator.models import OperatorAuditEntry
from janitor.people.models import Person

from .conftest import MakeOperator, add_connection

TOKEN = "plex-token-that-must-never-leave-xyz"


async def _fill(ctx: AppContext, account_id: uuid.UUID, *, tag: str) -> Connection:
    connection = await add_connection(ctx, account_id, token=f"{TOKEN}-{tag}")
    async with ctx.sessionmaker() as s, s.begin():
        s.add(AllowlistEntry(account_id=account_id, list=ListName.PROTECTED, guid=f"tmdb:{tag}", title=f"Kept {tag}"))
        s.add(Person(account_id=account_id, name=f"Person {tag}"))
        s.add(
            DeletionEvent(
                account_id=account_id,
                event="cancelled",
                title=f"Film {tag}",
                server_name="Requests",
                message="cancelled by the owner",
                details={},
            )
        )
    return connection


async def test_my_export_has_my_data_and_no_secret_and_nobody_elses(
    client: httpx.AsyncClient, signup: SignupFn, ctx: AppContext
) -> None:
    me, other = await signup(), await signup()
    connection = await _fill(ctx, me.account_id, tag="mine")
    await _fill(ctx, other.account_id, tag="theirs")
    r = await client.get("/api/v1/account/export", headers=me.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith('attachment; filename="media-janitor-export-')
    body = r.json()
    assert body["format"] == "media-janitor-export/1"
    assert body["account"]["email"] == me.email and "password_hash" not in body["account"]
    assert [c["id"] for c in body["connections"]] == [str(connection.id)]
    assert body["connections"][0]["base_url"] == "http://seerr.example"
    assert [a["title"] for a in body["allowlist"]] == ["Kept mine"]
    assert [p["name"] for p in body["people"]] == ["Person mine"]
    assert [(e["event"], e["title"]) for e in body["deletion_audit_log"]] == [("cancelled", "Film mine")]
    for section in ("report_settings", "deletion_settings", "assignments", "libraries", "server_users"):
        assert isinstance(body[section], list), section

    text = r.text
    assert TOKEN not in text  # the token in clear, neither mine nor theirs
    assert connection.token_ciphertext not in text and "token_ciphertext" not in text
    assert "password" not in text and "theirs" not in text and other.email not in text
    assert str(other.account_id) not in text
    assert json.loads(text) == body


async def test_the_export_needs_a_sign_in(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/account/export")
    assert r.status_code == 401 and r.json()["error"] == "not_authenticated"


async def test_an_operator_exports_any_tenant_and_it_is_audited(
    client: httpx.AsyncClient, signup: SignupFn, make_operator: MakeOperator, ctx: AppContext
) -> None:
    operator, tenant = await make_operator(), await signup()
    await _fill(ctx, tenant.account_id, tag="t")
    r = await client.get(f"/api/v1/operator/tenants/{tenant.account_id}/export", headers=operator.headers)
    assert r.status_code == 200, r.text
    assert r.json()["account"]["email"] == tenant.email
    assert [a["title"] for a in r.json()["allowlist"]] == ["Kept t"]
    assert TOKEN not in r.text and "token_ciphertext" not in r.text
    assert "attachment" in r.headers["content-disposition"]
    async with ctx.sessionmaker() as s:
        entry = (
            await s.scalars(select(OperatorAuditEntry).where(OperatorAuditEntry.action == "tenant_exported"))
        ).one()
    assert (entry.actor_id, entry.target_id) == (operator.account_id, tenant.account_id)
