from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from mediasim import SimServer

from .test_stale_and_large import _synced, _titles


async def _row(api: httpx.AsyncClient, user: SignedUp, report: str, title: str) -> dict[str, Any]:
    body = (await api.get(f"/api/v1/reports/{report}", params={"page_size": 200}, headers=user.headers)).json()
    return next(r for r in body["items"] if r["title"] == title)


async def _add(
    api: httpx.AsyncClient, user: SignedUp, list_name: str, *rows: dict[str, Any], **extra: Any
) -> httpx.Response:
    items = [{"connection_id": r["connection_id"], "upstream_id": r["upstream_id"]} for r in rows]
    return await api.post("/api/v1/allowlists", json={"list": list_name, "items": items, **extra}, headers=user.headers)


async def test_protected_titles_leave_the_stale_report_until_they_expire(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    forgotten = await _row(api, user, "stale", "Forgotten")
    r = await _add(api, user, "protected", forgotten, note="family favourite")
    assert r.status_code == 201, r.text
    assert r.json() == {"added": 1, "already_listed": 0}
    assert (await _add(api, user, "protected", forgotten)).json() == {"added": 0, "already_listed": 1}
    assert "Forgotten" not in await _titles(api, user, "stale")
    entries = (await api.get("/api/v1/allowlists", params={"list": "protected"}, headers=user.headers)).json()
    assert [(e["title"], e["note"], e["list"]) for e in entries] == [("Forgotten", "family favourite", "protected")]
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    expired = await api.patch(f"/api/v1/allowlists/{entries[0]['id']}", json={"expires_at": past}, headers=user.headers)
    assert expired.json()["expired"] is True
    assert "Forgotten" in await _titles(api, user, "stale")
    assert (await api.delete(f"/api/v1/allowlists/{entries[0]['id']}", headers=user.headers)).status_code == 204
    assert (await api.get("/api/v1/allowlists", headers=user.headers)).json() == []


async def test_language_exemptions(api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob) -> None:
    user = await _synced(api, signup, sim, run_job)
    rows = {
        t: await _row(api, user, "languages", t)
        for t in ("English Only", "No Subs", "Untagged Audio", "Active Show S01E01 · E1")
    }
    await _add(api, user, "french_only", rows["English Only"])  # no English audio needed... but French is
    await _add(api, user, "language_exempt", rows["No Subs"])
    await _add(api, user, "french_subs_only", rows["Untagged Audio"])
    await _add(api, user, "episode_exempt", rows["Active Show S01E01 · E1"])
    remaining = {
        r["title"]: r for r in (await api.get("/api/v1/reports/languages", headers=user.headers)).json()["items"]
    }
    assert sorted(remaining) == ["English Only"]
    assert remaining["English Only"]["missing_audio"] == ["fr"]


async def test_unknown_items_are_refused_and_nothing_is_added(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    real = await _row(api, user, "stale", "Forgotten")
    fake = {"connection_id": real["connection_id"], "upstream_id": "999999"}
    r = await _add(api, user, "protected", real, fake)
    assert r.status_code == 404
    assert r.json()["error"] == "allowlist_unknown_items"
    assert (await api.get("/api/v1/allowlists", headers=user.headers)).json() == []
    bad = await api.post("/api/v1/allowlists", json={"list": "nope", "items": []}, headers=user.headers)
    assert bad.status_code == 422


async def test_import_export_round_trip_and_errors(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    never = await _row(api, user, "stale", "Never Seen")
    csv_text = (
        "list,title,guid,connection_id,upstream_id,note,expires_at\n"
        f"protected,Never Seen,,{never['connection_id']},{never['upstream_id']},kept,\n"
        "protected,The Matrix,tmdb:603,,,from my old spreadsheet,\n"
        "language_exempt,Amélie,imdb:tt0211915,,,,2030-01-01T00:00:00Z\n"
    )
    r = await api.post(
        "/api/v1/allowlists/import", content=csv_text, headers={**user.headers, "content-type": "text/csv"}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"added": 3, "already_listed": 0}
    assert "Never Seen" not in await _titles(api, user, "stale")
    exported = await api.get("/api/v1/allowlists/export", params={"format": "json"}, headers=user.headers)
    rows = exported.json()
    assert sorted(r["title"] for r in rows) == ["Amélie", "Never Seen", "The Matrix"]
    # what was exported imports again as "already listed"
    again = await api.post(
        "/api/v1/allowlists/import",
        content=exported.content,
        headers={**user.headers, "content-type": "application/json"},
    )
    assert again.json() == {"added": 0, "already_listed": 3}
    csv_export = await api.get("/api/v1/allowlists/export", headers=user.headers)
    assert csv_export.text.splitlines()[0] == "list,title,guid,connection_id,upstream_id,note,expires_at"
    broken = "list,title,guid\nprotected,Fine,tmdb:1\nwhitelist,Bad List,tmdb:2\nprotected,No Key,\n"
    r = await api.post(
        "/api/v1/allowlists/import", content=broken, headers={**user.headers, "content-type": "text/csv"}
    )
    assert r.status_code == 422
    assert "row 2" in r.json()["detail"]
    assert "row 3" in r.json()["detail"]
    assert len((await api.get("/api/v1/allowlists", headers=user.headers)).json()) == 3
    garbage = await api.post(
        "/api/v1/allowlists/import", content=b"\xff\xfe", headers={**user.headers, "content-type": "text/csv"}
    )
    assert garbage.status_code == 422


async def _import_csv(api: httpx.AsyncClient, user: SignedUp, text: str) -> httpx.Response:
    headers = {**user.headers, "content-type": "text/csv"}
    return await api.post("/api/v1/allowlists/import", content=text.encode(), headers=headers)


async def test_a_csv_the_import_cannot_read_is_refused_naming_the_row(api: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    # A cell over the csv module's field limit (128 KiB) in the third row: the file is under the
    # import's 5 MB, so the reader's own error is what refuses it.
    huge = "x" * (csv.field_size_limit() + 1)
    r = await _import_csv(api, user, f"list,title,note\nprotected,A,\nprotected,B,\nprotected,C,{huge}\n")
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "allowlist_import_invalid"
    assert "row 3 could not be read" in r.json()["detail"]
    assert "field larger than field limit" in r.json()["detail"]
    # The same cell quoted, spanning lines: the row is still named.
    r = await _import_csv(api, user, f'list,title,note\nprotected,A,"{huge[:100]}\n{huge}"\n')
    assert r.status_code == 422 and "row 1 could not be read" in r.json()["detail"]
    # A column the import does not take, a row longer than the header.
    r = await _import_csv(api, user, "list,title,notes\nprotected,A,kept\n")
    assert r.status_code == 422 and "Unknown column 'notes'" in r.json()["detail"]
    r = await _import_csv(api, user, "list,title,guid\nprotected,A,tmdb:1\nprotected,B,tmdb:2,extra\n")
    assert r.status_code == 422 and "row 2: more cells than columns" in r.json()["detail"]
    assert (await api.get("/api/v1/allowlists", headers=user.headers)).json() == []


async def test_allowlists_are_per_tenant(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    owner = await _synced(api, signup, sim, run_job)
    other = await signup()
    forgotten = await _row(api, owner, "stale", "Forgotten")
    await _add(api, owner, "protected", forgotten)
    entry = (await api.get("/api/v1/allowlists", headers=owner.headers)).json()[0]
    assert (await api.get("/api/v1/allowlists", headers=other.headers)).json() == []
    assert (
        await api.patch(f"/api/v1/allowlists/{entry['id']}", json={"note": "x"}, headers=other.headers)
    ).status_code == 404
    assert (await api.delete(f"/api/v1/allowlists/{entry['id']}", headers=other.headers)).status_code == 404
    # another tenant cannot add my items, nor import entries pointing at my server
    assert (await _add(api, other, "protected", forgotten)).status_code == 404
    stolen = (
        f"list,title,connection_id,upstream_id\nprotected,x,{forgotten['connection_id']},{forgotten['upstream_id']}\n"
    )
    r = await api.post(
        "/api/v1/allowlists/import", content=stolen, headers={**other.headers, "content-type": "text/csv"}
    )
    assert r.status_code == 404 and r.json()["error"] == "allowlist_import_unknown_server"
    assert "not one of your servers" in r.json()["detail"]
    export = await api.get("/api/v1/allowlists/export", params={"format": "json"}, headers=other.headers)
    assert export.json() == []


async def test_allowlist_search_takes_percent_and_underscore_literally(
    api: httpx.AsyncClient, signup: SignupFn
) -> None:
    user = await signup()
    entries = [
        {"list": "protected", "title": title, "guid": f"tmdb:{n}"}
        for n, title in enumerate(["100% Pure", "1000 Days", "a_b", "axb"], start=1)
    ]
    r = await api.post("/api/v1/allowlists/import", json=entries, headers=user.headers)
    assert r.status_code == 200, r.text

    async def found(q: str) -> list[str]:
        listed = await api.get("/api/v1/allowlists", params={"q": q}, headers=user.headers)
        assert listed.status_code == 200, listed.text
        return sorted(e["title"] for e in listed.json())

    assert await found("100%") == ["100% Pure"]
    assert await found("a_b") == ["a_b"]
    assert await found("100") == ["100% Pure", "1000 Days"]
