"""History (finished rows with bytes freed), the audit log (filters, pages, CSV) and the dashboard's
figures."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from janitor.core.deps import AppContext
from janitor.deletions import audit
from janitor.deletions.models import AuditEvent, DeletionStatus, QueuedDeletion
from janitor.deletions.switches import set_global_switch
from janitor.devtools.pytest_plugin import SignupFn

from .conftest import World

NOW = datetime.now(UTC)


async def _queued(world: World, reason: str, label: str) -> str:
    r = await world.queue(reason, label)
    assert r.status_code == 200, r.text
    return str(r.json()["rows"][0]["id"])


async def _finish(ctx: AppContext, row_id: str, status: DeletionStatus, finished: datetime, **values: Any) -> None:
    """What the deleter does to a row (its lane): the end status, and its events."""
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(
            update(QueuedDeletion)
            .where(QueuedDeletion.id == uuid.UUID(row_id))
            .values(status=status, finished_at=finished, **values)
        )
        row = await session.get(QueuedDeletion, uuid.UUID(row_id))
        assert row is not None
        event = {"deleted": AuditEvent.VERIFIED, "failed": AuditEvent.FAILED}.get(status.value, AuditEvent.CANCELLED)
        await audit.record(session, row, event, server_name="Home", message=f"=1+1 {status.value}")


async def _world_with_history(ctx: AppContext, world: World) -> dict[str, str]:
    ids = {
        label: await _queued(world, reason, label)
        for reason, label in (
            ("stale", "forgotten"),
            ("large", "huge"),
            ("stale", "never"),
            ("stale", "keep"),
        )
    }
    await _finish(ctx, ids["forgotten"], DeletionStatus.DELETED, NOW - timedelta(days=2))
    await _finish(ctx, ids["huge"], DeletionStatus.DELETED, NOW - timedelta(days=40))
    await _finish(ctx, ids["never"], DeletionStatus.FAILED, NOW - timedelta(days=1), status_reason="server said 500")
    return ids


async def test_history_lists_finished_rows_with_bytes_freed(ctx: AppContext, world: World) -> None:
    ids = await _world_with_history(ctx, world)
    cancel = await world.post(f"/queue/{ids['keep']}/cancel", {})
    assert cancel.status_code == 200
    body = (await world.get("/history")).json()
    assert [r["id"] for r in body["items"]] == [ids["keep"], ids["never"], ids["forgotten"], ids["huge"]]
    assert body["totals"] == {
        "deleted": 2,
        "failed": 1,
        "cancelled": 1,
        "dry_run": 0,
        "bytes_freed": 44_000_000_000,
        "dry_run_bytes": 0,
    }
    assert body["total"] == 4
    failed = (await world.get("/history", status="failed")).json()
    assert [(r["title"], r["status_reason"]) for r in failed["items"]] == [("Never Seen (2020)", "server said 500")]
    recent = (await world.get("/history", since=(NOW - timedelta(days=30)).isoformat())).json()
    assert recent["totals"]["bytes_freed"] == 4_000_000_000
    older = (await world.get("/history", until=(NOW - timedelta(days=30)).isoformat(), reason="large")).json()
    assert [r["title"] for r in older["items"]] == ["Huge Remux (2020)"]
    # A time without its zone could be any of 24 hours: refused, as the schema's date-time says.
    naive = await world.get("/history", since=(NOW - timedelta(days=30)).replace(tzinfo=None).isoformat())
    assert naive.status_code == 422
    assert (await world.get("/history", status="scheduled")).status_code == 422
    assert (await world.get("/queue")).json()["total"] == 0


async def test_history_keeps_what_dry_runs_would_have_deleted(ctx: AppContext, world: World) -> None:
    ids = await _world_with_history(ctx, world)
    # English everywhere: Dubbed Only (German) misses it.
    r = await world.api.put(
        "/api/v1/settings/languages", json={"audio": ["en"], "subtitles": []}, headers=world.headers
    )
    assert r.status_code == 200, r.text
    waiting = await _queued(world, "language", "dubbed")  # queued, never run: not history
    recorded_at = NOW - timedelta(days=1, hours=12)
    await _set_values(ctx, ids["keep"], dry_run_at=recorded_at)
    body = (await world.get("/history")).json()
    assert [r["id"] for r in body["items"]] == [ids["never"], ids["keep"], ids["forgotten"], ids["huge"]]
    assert ids["keep"] in {r["id"] for r in body["items"]} and waiting not in {r["id"] for r in body["items"]}
    row = next(r for r in body["items"] if r["id"] == ids["keep"])
    assert (row["status"], row["finished_at"]) == ("scheduled", None)
    assert datetime.fromisoformat(row["dry_run_at"]) == recorded_at
    assert body["totals"]["dry_run"] == 1 and body["totals"]["dry_run_bytes"] == 4_000_000_000
    assert body["totals"]["bytes_freed"] == 44_000_000_000  # a dry run frees nothing
    only = (await world.get("/history", status="dry_run")).json()
    assert [r["id"] for r in only["items"]] == [ids["keep"]] and only["total"] == 1
    assert only["totals"]["deleted"] == 0
    assert [r["id"] for r in (await world.get("/history", status="deleted")).json()["items"]] == [
        ids["forgotten"],
        ids["huge"],
    ]
    # The period filters the time the dry run recorded it.
    assert (await world.get("/history", status="dry_run", since=(NOW - timedelta(days=1)).isoformat())).json()[
        "total"
    ] == 0
    assert (await world.get("/history", status="dry_run", until=NOW.isoformat())).json()["total"] == 1
    # Still queued: the queue keeps it too, and once it is deleted for real it is one history row.
    assert ids["keep"] in {r["id"] for r in (await world.get("/queue")).json()["items"]}
    await _finish(ctx, ids["keep"], DeletionStatus.DELETED, NOW)
    after = (await world.get("/history")).json()
    assert [r["id"] for r in after["items"]].count(ids["keep"]) == 1
    assert (after["totals"]["dry_run"], after["totals"]["deleted"]) == (0, 3)


async def _set_values(ctx: AppContext, row_id: str, **values: Any) -> None:
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(update(QueuedDeletion).where(QueuedDeletion.id == uuid.UUID(row_id)).values(**values))


async def test_the_audit_log_filters_and_pages_newest_first(ctx: AppContext, world: World) -> None:
    ids = await _world_with_history(ctx, world)
    await world.post(f"/queue/{ids['keep']}/postpone", {"hours": 3, "note": "friday"})
    body = (await world.get("/audit")).json()
    assert body["total"] == 8
    assert [e["event"] for e in body["items"]][:1] == ["postponed"]
    assert [e["id"] for e in body["items"]] == sorted((e["id"] for e in body["items"]), reverse=True)
    assert [e["title"] for e in (await world.get("/audit", event="failed")).json()["items"]] == ["Never Seen (2020)"]
    assert (await world.get("/audit", event="queued")).json()["total"] == 4
    assert (await world.get("/audit", reason="large")).json()["total"] == 2
    assert (await world.get("/audit", q="friday")).json()["total"] == 1  # messages are searched
    assert (await world.get("/audit", q="huge")).json()["total"] == 2  # and titles
    assert (await world.get("/audit", connection_id=str(uuid.uuid4()))).json()["total"] == 0
    later = (await world.get("/audit", since=(NOW + timedelta(days=1)).isoformat())).json()
    assert later["total"] == 0
    page = (await world.get("/audit", page=2, page_size=3)).json()
    assert [e["id"] for e in page["items"]] == [e["id"] for e in body["items"][3:6]]
    assert (await world.get("/audit", event="nope")).status_code == 422


async def test_the_audit_log_as_csv(ctx: AppContext, world: World, signup: SignupFn) -> None:
    await _world_with_history(ctx, world)
    r = await world.get("/audit.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 7
    assert list(rows[0]) == [
        "at",
        "event",
        "server",
        "title",
        "reason",
        "size_bytes",
        "message",
        "upstream_id",
        "media_id",
        "queue_id",
        "run_id",
        "connection_id",
        "details",
    ]
    failed = next(x for x in rows if x["event"] == "failed")
    assert failed["message"] == "'=1+1 failed"  # a spreadsheet would read it as a formula
    queued = next(x for x in rows if x["event"] == "queued")
    assert '"why"' in queued["details"]
    only = list(csv.DictReader(io.StringIO((await world.get("/audit.csv", event="verified")).text)))
    assert [x["title"] for x in only] == ["Huge Remux (2020)", "Forgotten (2020)"]  # the newest event first
    other = await signup()
    empty = await world.api.get("/api/v1/deletions/audit.csv", headers=other.headers)
    assert empty.text.strip().splitlines() == [r.text.splitlines()[0]]


async def test_the_export_reads_every_page(ctx: AppContext, world: World, monkeypatch: Any) -> None:
    from janitor.deletions import history

    monkeypatch.setattr(history, "EXPORT_PAGE", 2)
    await _world_with_history(ctx, world)
    rows = list(csv.DictReader(io.StringIO((await world.get("/audit.csv")).text)))
    everything = (await world.get("/audit", page_size=100)).json()["items"]
    assert [int(x["size_bytes"]) for x in rows] == [e["size_bytes"] for e in everything]
    assert len(rows) == 7


async def test_the_summary(ctx: AppContext, world: World) -> None:
    ids = await _world_with_history(ctx, world)
    soon = ids["keep"]
    body = (await world.get("/summary")).json()
    assert body == {
        "bytes_freed_total": 44_000_000_000,
        "bytes_freed_30d": 4_000_000_000,
        "due_this_week": 1,
        "due_this_week_bytes": 4_000_000_000,
        "queued": 1,
        "servers_in_dry_run": 1,
        "frozen_servers": [],
        "operator_disabled": False,
        "account_paused": False,
    }
    # postponed beyond the week: still queued, not due this week
    await world.post(f"/queue/{soon}/postpone", {"hours": 24 * 8})
    body = (await world.get("/summary")).json()
    assert (body["due_this_week"], body["due_this_week_bytes"], body["queued"]) == (0, 0, 1)
    await world.post(f"/servers/{world.plex}/live", (await world.get(f"/servers/{world.plex}/live")).json()["caps"])
    await world.put("/settings", {"paused": True})
    async with ctx.sessionmaker() as session, session.begin():
        await set_global_switch(session, disabled=True)
    body = (await world.get("/summary")).json()
    assert (body["servers_in_dry_run"], body["account_paused"], body["operator_disabled"]) == (0, True, True)
