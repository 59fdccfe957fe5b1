"""The OpenAPI contract, checked by schemathesis: every operation, every standard check.

The published contract (frontend/src/lib/api/openapi.json, kept equal to the app's by
test_openapi_lists_typed_errors_and_the_frontend_copy_is_current) is tested against the app
in-process: schemathesis calls the ASGI app directly, in an event loop of its own, against the
session's real Postgres and Redis. It is signed in as an account with three connections to the
simulator, a finished sync and an allowlist entry, so the routes answer with real bodies and not only
401/404. Operations that end sessions (log out, refresh, password change, account deletion) run as a
fresh account per case, so they cannot sign the main account out halfway through the run; the
password is the right one in about half of those cases.

Every standard check runs, the two data checks included:
- negative_data_rejection: a request the schema refuses (an unknown property, a wrong JSON type, a
  value out of bounds or off its pattern) is refused.
- positive_data_acceptance: a request the schema accepts is not refused with a 4xx unless the
  operation documents that status. The statuses each operation may answer to valid data are read
  from the OpenAPI document (its 4xx responses other than 422, e.g. 400 for a server that cannot be
  reached, 404 for an id that is not the account's, 409 for a state that forbids it). Two documented
  rules the schema does not carry per field are given to the generator instead: no string holds a NUL
  (refused everywhere, core/request_input.py), and a CSV import's content is described in words
  (its 422s name the row; the import's own tests check them), so its CSV cases skip that check; and an
  e-mail address the schema's format allows but the validator refuses (a special-use domain such as
  `.test`) is a 422 naming the field, so such cases skip it too.

The app under test reaches the network only through the simulator: host names resolve to loopback
for the simulator's own name and to nothing else, so a generated server address fails at once (400)
instead of leaving the machine or waiting for a timeout.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from janitor.accounts.schemas import normalize_email
from janitor.core import ssrf
from janitor.core.config import Settings
from janitor.core.context import build_context, close_context
from janitor.devtools.pytest_plugin import TEST_PASSWORD, SignedUp, running_client, truncate_all
from janitor.devtools.sim_fixtures import connect_all
from janitor.jobs.names import JobName
from janitor.jobs.runner import tenant_job
from janitor.main import create_app
from janitor_worker.registry import TENANT_HANDLERS
from mediasim import SimServer, generate_world

CONTRACT = Path(__file__).resolve().parents[2] / "frontend/src/lib/api/openapi.json"

# Cases per operation in the fuzzing phase; the examples and coverage phases add their own (the
# coverage phase a case per boundary and per kind of invalid value of every parameter). Sized for
# about a minute on a 2-core machine.
MAX_EXAMPLES = 20
SEED = 20261205


def accepted_statuses(operations: dict[str, Any]) -> list[dict[str, Any]]:
    """Per operation, what it may answer to schema-valid data: a success, or a 4xx it documents
    other than 422 (which says the data does not match the schema)."""
    out = []
    for path_item in operations.values():
        for operation in path_item.values():
            refusals = sorted(s for s in operation["responses"] if s.startswith("4") and s != "422")
            out.append(
                {
                    "include-operation-id": operation["operationId"],
                    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", *refusals]}},
                }
            )
    return out


CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            "allow-x00": False,
        },
        # The live-progress stream never ends on its own: one event is its whole answer here.
        "max-stream-events": 1,
        "request-timeout": 10,
        "operations": accepted_statuses(json.loads(CONTRACT.read_text())["paths"]),
    }
)

# Operations that end the caller's sessions: each case runs as an account of its own.
SESSION_ENDING = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/account/password"),
    ("POST", "/api/v1/account/delete"),
}


class DeferredApp:
    """The app under test, built by a fixture once the session's databases exist (the schema, and so
    the parametrized tests, exist at import time)."""

    app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "the contract_app fixture builds the app"
        await self.app(scope, receive, send)


TARGET = DeferredApp()
schema = schemathesis.openapi.from_path(CONTRACT, config=CONFIG)
schema.app = TARGET


@dataclass(frozen=True)
class Tenant:
    user: SignedUp
    connections: dict[str, str]


@pytest.fixture(scope="module")
def contract_sim() -> Iterator[SimServer]:
    with SimServer(generate_world(seed=11, size="tiny")) as server:
        yield server


@pytest.fixture(scope="module")
def only_the_simulator(contract_sim: SimServer) -> Iterator[None]:
    """Names resolve to the simulator's address when they are the simulator's, to nothing otherwise:
    no DNS query, no connection off this machine, no timeout (the SSRF guard resolves every name)."""
    sim_host = urlsplit(contract_sim.info["admin"]).hostname

    async def resolve(host: str, port: int) -> list[str]:
        if host == sim_host:
            return [host]
        raise OSError(f"{host} is not the simulator")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ssrf, "system_resolver", resolve)
        yield


@pytest.fixture(scope="module")
def contract_settings(settings: Settings, contract_sim: SimServer, only_the_simulator: None) -> Settings:
    return settings.model_copy(
        update={
            "allow_private_networks": True,
            "plex_tv_url": contract_sim.info["plextv"]["base_url"],
            "plex_auth_url": contract_sim.info["plextv"]["auth_app_url"],
            # Each session-ending case signs up an account of its own, all from the same address.
            "signups_per_ip": 100_000,
        }
    )


@pytest.fixture(scope="module")
async def tenant(contract_settings: Settings, contract_sim: SimServer) -> Tenant:
    await truncate_all(contract_settings.database_url)
    async with running_client(create_app(contract_settings), client=("198.51.100.77", 1)) as api:
        email = f"contract-{uuid.uuid4().hex[:8]}@example.com"
        r = await api.post("/api/v1/auth/signup", json={"email": email, "password": TEST_PASSWORD})
        assert r.status_code == 201, r.text
        body = r.json()
        user = SignedUp(
            email=email,
            password=TEST_PASSWORD,
            access_token=body["access_token"],
            account_id=uuid.UUID(body["account"]["id"]),
            refresh_cookie=r.cookies["mj_refresh"],
        )
        connections = await connect_all(api, user, contract_sim)
        # A server anywhere else is unreachable, and says so at once.
        started_at = time.monotonic()
        elsewhere = await api.post(
            "/api/v1/connections/jellyseerr",
            json={"url": "https://seerr.example.com", "api_key": "k"},
            headers=user.headers,
        )
        assert elsewhere.status_code == 400, elsewhere.text
        assert time.monotonic() - started_at < 2
        started = await api.post("/api/v1/sync/runs", headers=user.headers)
        assert started.status_code == 202, started.text
        job_ctx = await build_context(contract_settings)
        try:
            job = tenant_job(JobName.SYNC, TENANT_HANDLERS[JobName.SYNC])
            await job(
                {"app": job_ctx, "worker_id": "contract", "job_try": 1, "job_id": "contract"}, str(user.account_id)
            )
        finally:
            await close_context(job_ctx)
        stale = await api.get("/api/v1/reports/stale", headers=user.headers)
        assert stale.status_code == 200 and stale.json()["items"], stale.text
        row = stale.json()["items"][0]
        item = {"connection_id": row["connection_id"], "upstream_id": row["upstream_id"]}
        added = await api.post(
            "/api/v1/allowlists", json={"list": "protected", "items": [item], "note": "keep"}, headers=user.headers
        )
        assert added.status_code == 201, added.text
    return Tenant(user=user, connections=connections)


@pytest.fixture(scope="module")
def contract_app(contract_settings: Settings, tenant: Tenant) -> Iterator[FastAPI]:
    TARGET.app = create_app(contract_settings)
    try:
        yield TARGET.app
    finally:
        asgi.shutdown_lifespans()
        TARGET.app = None


def _fresh_account() -> dict[str, str]:
    with asgi.get_client(TARGET) as client:
        email = f"contract-{uuid.uuid4().hex[:12]}@example.com"
        r = client.post("/api/v1/auth/signup", json={"email": email, "password": TEST_PASSWORD})
        assert r.status_code == 201, r.text
        return {"token": r.json()["access_token"], "refresh": r.cookies["mj_refresh"]}


def _undeliverable(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        normalize_email(value)
    except ValueError:
        return True
    return False


@schema.parametrize()
def test_every_operation_keeps_its_contract(case: schemathesis.Case, tenant: Tenant, contract_app: FastAPI) -> None:
    # A CSV body is a string to the schema; what a valid CSV is, the import's description says. An
    # e-mail address the schema's `format: email` allows but the validator refuses (a special-use
    # domain such as `.test`, which no mail reaches) is a 422 naming the field.
    refused_address = isinstance(case.body, dict) and any(
        _undeliverable(value) for key, value in case.body.items() if "email" in key
    )
    excluded = [positive_data_acceptance] if case.media_type == "text/csv" or refused_address else []
    if (case.method.upper(), case.path) not in SESSION_ENDING:
        case.call_and_validate(headers=tenant.user.headers, excluded_checks=excluded)
        return
    fresh = _fresh_account()
    if isinstance(case.body, dict):
        for key in ("current_password", "password"):
            if isinstance(case.body.get(key), str) and len(case.body[key]) % 2 == 0:
                case.body[key] = TEST_PASSWORD
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fresh['token']}"},
        cookies={"mj_refresh": fresh["refresh"]},
        excluded_checks=excluded,
    )
