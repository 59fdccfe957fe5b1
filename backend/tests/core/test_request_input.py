"""A NUL character is refused with one 422 wherever it comes in: query, path, JSON body, CSV import.

Postgres cannot store or compare NUL in text: before this check, a NUL in a search was a 500 on the
reports and the allowlists, and one in an imported title or a note a 500 on insert."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from janitor.core.request_input import NUL_MESSAGE
from janitor.devtools.pytest_plugin import SignupFn

SEARCHABLE = [
    "/api/v1/reports/large",
    "/api/v1/reports/stale",
    "/api/v1/reports/languages",
    "/api/v1/reports/requests",
    "/api/v1/reports/recently-available",
    "/api/v1/reports/duplicates",
    "/api/v1/reports/duplicates/albums",
    "/api/v1/reports/stale/export.csv",
    "/api/v1/allowlists",
]


def _refused(r: httpx.Response, field: str) -> None:
    assert r.status_code == 422, r.text
    body: dict[str, Any] = r.json()
    assert body["error"] == "validation_error"
    assert body["fields"] == [{"field": field, "message": NUL_MESSAGE}]


@pytest.mark.parametrize("path", SEARCHABLE)
async def test_a_nul_in_a_query_parameter_is_refused(client: httpx.AsyncClient, signup: SignupFn, path: str) -> None:
    user = await signup()
    _refused(await client.get(path, params={"q": "a\x00b"}, headers=user.headers), "q")
    assert (await client.get(path, params={"q": "a b"}, headers=user.headers)).status_code == 200


async def test_a_nul_in_a_path_parameter_is_refused(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    _refused(await client.get("/api/v1/reports/la%00rge/export.csv", headers=user.headers), "report")


async def test_a_nul_in_a_json_string_or_key_is_refused(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    entries = [{"list": "protected", "title": "Alien", "guid": "tmdb:348", "note": "mine\x00"}]
    r = await client.post("/api/v1/allowlists/import", json=entries, headers=user.headers)
    _refused(r, "0.note")
    r = await client.patch("/api/v1/settings/reports", json={"time\x00zone": "UTC"}, headers=user.headers)
    _refused(r, "time\\u0000zone")
    # Not even the password: bcrypt refuses NUL bytes, which was a 500.
    r = await client.post("/api/v1/auth/login", json={"email": user.email, "password": "pass\x00word"})
    _refused(r, "password")
    assert (await client.get("/api/v1/allowlists", headers=user.headers)).json() == []


async def test_a_nul_in_a_csv_import_is_refused(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    csv = "list,title,guid\nprotected,Ali\x00en,tmdb:348\n"
    headers = {**user.headers, "Content-Type": "text/csv"}
    _refused(await client.post("/api/v1/allowlists/import", content=csv.encode(), headers=headers), "body")
    assert (await client.get("/api/v1/allowlists", headers=user.headers)).json() == []
