"""Large movies kept at their size: dismiss, restore, per tenant, and back when the file changes."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from mediasim import SimServer

from .test_stale_and_large import _synced, _titles


async def _huge(api: httpx.AsyncClient, user: SignedUp) -> dict[str, Any]:
    body = (await api.get("/api/v1/reports/large", headers=user.headers)).json()
    return next(r for r in body["items"] if r["title"] == "Huge Remux")


async def _dismiss(api: httpx.AsyncClient, user: SignedUp, row: dict[str, Any], **extra: Any) -> httpx.Response:
    body = {"connection_id": row["connection_id"], "upstream_id": row["upstream_id"], **extra}
    return await api.post("/api/v1/reports/large/dismissals", json=body, headers=user.headers)


async def test_a_dismissed_movie_leaves_the_report_until_restored(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    user = await _synced(api, signup, sim, run_job)
    row = await _huge(api, user)
    assert await _titles(api, user, "large", show="dismissed") == []
    before = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    large_card = next(c for c in before["cards"] if c["report"] == "large")
    assert large_card["count"] == 1

    r = await _dismiss(api, user, row, note="  the director's cut  ")
    assert r.status_code == 201, r.text
    assert r.json()["note"] == "the director's cut"
    assert r.json()["size_bytes"] == row["size_bytes"]
    assert await _titles(api, user, "large") == []
    dismissed = (await api.get("/api/v1/reports/large", params={"show": "dismissed"}, headers=user.headers)).json()
    assert [d["title"] for d in dismissed["items"]] == ["Huge Remux"]
    assert dismissed["items"][0]["dismissed_note"] == "the director's cut"
    assert dismissed["items"][0]["dismissed_at"] is not None
    # the dashboard's card follows the report
    after = (await api.get("/api/v1/dashboard", headers=user.headers)).json()
    assert next(c for c in after["cards"] if c["report"] == "large")["count"] == 0
    # the export follows the view
    csv = await api.get("/api/v1/reports/large/export.csv", headers=user.headers)
    assert len(csv.text.strip().splitlines()) == 1
    csv = await api.get("/api/v1/reports/large/export.csv", params={"show": "dismissed"}, headers=user.headers)
    assert "Huge Remux" in csv.text and "the director's cut" in csv.text

    # dismissing again replaces the note (no second row)
    assert (await _dismiss(api, user, row, note=None)).status_code == 201
    again = (await api.get("/api/v1/reports/large", params={"show": "dismissed"}, headers=user.headers)).json()
    assert again["total"] == 1 and again["items"][0]["dismissed_note"] is None

    path = f"/api/v1/reports/large/dismissals/{row['connection_id']}/{row['upstream_id']}"
    assert (await api.delete(path, headers=user.headers)).status_code == 204
    assert await _titles(api, user, "large") == ["Huge Remux"]
    assert await _titles(api, user, "large", show="dismissed") == []
    gone = await api.delete(path, headers=user.headers)
    assert gone.status_code == 404
    assert "not dismissed" in gone.json()["detail"]


async def test_a_different_file_brings_the_movie_back(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await _synced(api, signup, sim, run_job)
    row = await _huge(api, user)
    assert (await _dismiss(api, user, row)).status_code == 201
    assert await _titles(api, user, "large") == []
    # A sync saw a new file: another size (a re-encode, a replacement).
    async with job_ctx.sessionmaker() as session:
        await session.execute(
            text("UPDATE media_items SET size_bytes = size_bytes + 1000 WHERE connection_id = :c AND upstream_id = :u"),
            {"c": row["connection_id"], "u": row["upstream_id"]},
        )
        await session.commit()
    # (any write bumps the page cache, as a sync run does)
    await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 13}, headers=user.headers)
    assert await _titles(api, user, "large") == ["Huge Remux"]
    assert await _titles(api, user, "large", show="dismissed") == []
    # Another path with the same size is another file too.
    assert (await _dismiss(api, user, await _huge(api, user))).status_code == 201
    assert await _titles(api, user, "large") == []
    async with job_ctx.sessionmaker() as session:
        await session.execute(
            text(
                "UPDATE media_items SET parts = jsonb_set(parts, '{0,file}', '\"/movies/Huge Remux (2).mkv\"') "
                "WHERE connection_id = :c AND upstream_id = :u"
            ),
            {"c": row["connection_id"], "u": row["upstream_id"]},
        )
        await session.commit()
    await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 13}, headers=user.headers)
    assert await _titles(api, user, "large") == ["Huge Remux"]


async def test_dismissals_are_per_tenant_and_validate_input(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    owner = await _synced(api, signup, sim, run_job)
    other = await signup()
    row = await _huge(api, owner)
    # another tenant cannot dismiss my movie, nor restore my dismissal
    stolen = await _dismiss(api, other, row)
    assert stolen.status_code == 404
    assert "No such movie" in stolen.json()["detail"]
    assert (await _dismiss(api, owner, row)).status_code == 201
    path = f"/api/v1/reports/large/dismissals/{row['connection_id']}/{row['upstream_id']}"
    assert (await api.delete(path, headers=other.headers)).status_code == 404
    assert await _titles(api, owner, "large") == []
    assert await _titles(api, other, "large", show="dismissed") == []
    # a show, an unknown id, a bad body
    unknown = await _dismiss(api, owner, {**row, "upstream_id": "no-such-item"})
    assert unknown.status_code == 404
    bad = await _dismiss(api, owner, row, note="x" * 1001)
    assert bad.status_code == 422
    bad = await api.post("/api/v1/reports/large/dismissals", json={"upstream_id": "1"}, headers=owner.headers)
    assert bad.status_code == 422
    bad = await api.get("/api/v1/reports/large", params={"show": "everything"}, headers=owner.headers)
    assert bad.status_code == 422
    assert (await api.delete("/api/v1/reports/large/dismissals/not-a-uuid/1", headers=owner.headers)).status_code == 422
