"""The queue: listing, one row with its events, cancel (keep forever), postpone, run now. The changes
are compare-and-sets on `scheduled`, so a row the deleter took answers 409; cancelling always works."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from janitor.core.deps import AppContext
from janitor.deletions.deleter import run_deletions
from janitor.deletions.models import DeletionEvent, DeletionStatus, QueuedDeletion
from janitor.deletions.switches import set_global_switch
from janitor.devtools.pytest_plugin import SignupFn
from janitor.jobs.names import JobName, dedupe_id
from janitor.main import wire_events

from .conftest import World


async def _queued(world: World, reason: str, label: str) -> dict[str, Any]:
    r = await world.queue(reason, label)
    assert r.status_code == 200, r.text
    row: dict[str, Any] = r.json()["rows"][0]
    return row


async def _set(ctx: AppContext, row_id: str, **values: Any) -> None:
    async with ctx.sessionmaker() as session, session.begin():
        await session.execute(update(QueuedDeletion).where(QueuedDeletion.id == uuid.UUID(row_id)).values(**values))


async def _events(ctx: AppContext, row_id: str) -> list[str]:
    async with ctx.sessionmaker() as session:
        rows = await session.scalars(
            select(DeletionEvent.event).where(DeletionEvent.queue_id == uuid.UUID(row_id)).order_by(DeletionEvent.id)
        )
        return list(rows)


async def test_the_queue_lists_active_rows_soonest_first_with_filters(ctx: AppContext, world: World) -> None:
    forgotten = await _queued(world, "stale", "forgotten")
    huge = await _queued(world, "large", "huge")
    never = await _queued(world, "stale", "never")
    now = datetime.now(UTC)
    await _set(ctx, huge["id"], due_at=now + timedelta(hours=1), dry_run_at=now)
    await _set(ctx, never["id"], status=DeletionStatus.EXECUTING)
    done = await _queued(world, "stale", "keep")
    await _set(ctx, done["id"], status=DeletionStatus.DELETED, finished_at=now)
    body = (await world.get("/queue")).json()
    assert [r["id"] for r in body["items"]] == [huge["id"], forgotten["id"], never["id"]]  # by due time
    assert body["total"] == 3 and body["total_bytes"] == 40_000_000_000 + 4_000_000_000 * 2
    first = body["items"][0]
    assert first["dry_run_at"] is not None
    assert "above the 13 GB threshold" in first["why"]
    assert [r["id"] for r in (await world.get("/queue", reason="large")).json()["items"]] == [huge["id"]]
    assert [r["id"] for r in (await world.get("/queue", status="executing")).json()["items"]] == [never["id"]]
    assert (await world.get("/queue", connection_id=str(uuid.uuid4()))).json()["total"] == 0
    assert [r["title"] for r in (await world.get("/queue", q="forgot")).json()["items"]] == ["Forgotten (2020)"]
    page2 = (await world.get("/queue", page=2, page_size=2)).json()
    assert ([r["id"] for r in page2["items"]], page2["total"]) == ([never["id"]], 3)
    assert (await world.get("/queue", status="deleted")).status_code == 422  # finished rows are the history's
    assert (await world.get("/queue", page_size=501)).status_code == 422


async def test_one_row_with_its_fingerprint_and_events(world: World) -> None:
    row = await _queued(world, "stale", "forgotten")
    await world.post(f"/queue/{row['id']}/postpone", {"hours": 5})
    detail = (await world.get(f"/queue/{row['id']}")).json()
    assert detail["fingerprint"]["item"] == world.rk("forgotten")
    assert [e["event"] for e in detail["events"]] == ["queued", "postponed"]
    assert (await world.get(f"/queue/{uuid.uuid4()}")).status_code == 404


async def test_cancel_always_works_on_a_scheduled_row(ctx: AppContext, world: World) -> None:
    row = await _queued(world, "stale", "forgotten")
    # every switch says "delete nothing": cancelling is still allowed (it deletes nothing)
    async with ctx.sessionmaker() as session, session.begin():
        await set_global_switch(session, disabled=True, note="maintenance")
    assert (await world.put("/settings", {"paused": True})).status_code == 200
    r = await world.post(f"/queue/{row['id']}/cancel", {"note": "changed my mind"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_reason"]) == ("cancelled", "Cancelled by you: changed my mind")
    assert r.json()["finished_at"] is not None
    assert await _events(ctx, row["id"]) == ["queued", "cancelled"]
    again = await world.post(f"/queue/{row['id']}/cancel", {})
    assert again.status_code == 409 and again.json()["error"] == "deletion_finished"
    assert await _events(ctx, row["id"]) == ["queued", "cancelled"]
    # it left the queue; the item may be queued anew
    assert (await world.get("/queue")).json()["total"] == 0
    assert (await world.queue("stale", "forgotten")).json()["created"] == 1


async def test_keep_forever_protects_the_item_in_the_same_step(ctx: AppContext, world: World) -> None:
    row = await _queued(world, "stale", "forgotten")
    r = await world.post(f"/queue/{row['id']}/cancel", {"keep_forever": True, "note": "a classic"})
    assert r.status_code == 200, r.text
    assert r.json()["status_reason"] == "Cancelled by you: a classic; added to the Protected list"
    entries = (await world.api.get("/api/v1/allowlists", headers=world.headers)).json()
    assert [(e["list"], e["upstream_id"], e["note"]) for e in entries] == [
        ("protected", world.rk("forgotten"), "a classic")
    ]
    stale = (await world.api.get("/api/v1/reports/stale", headers=world.headers)).json()["items"]
    assert "Forgotten" not in [s["title"] for s in stale]
    assert (await world.queue("stale", "forgotten")).status_code == 409


async def test_keep_forever_of_an_item_gone_changes_nothing(ctx: AppContext, world: World) -> None:
    row = await _queued(world, "stale", "forgotten")
    async with ctx.sessionmaker() as session, session.begin():
        from janitor.library.models import MediaItem

        await session.execute(
            update(MediaItem).where(MediaItem.upstream_id == world.rk("forgotten")).values(upstream_id="gone-1")
        )
    r = await world.post(f"/queue/{row['id']}/cancel", {"keep_forever": True})
    assert r.status_code == 409 and r.json()["error"] == "deletion_keep_forever_impossible"
    assert (await world.get(f"/queue/{row['id']}")).json()["status"] == "scheduled"  # nothing half-done
    assert (await world.post(f"/queue/{row['id']}/cancel", {})).status_code == 200


async def test_a_row_the_deleter_took_cannot_be_changed(ctx: AppContext, world: World) -> None:
    row = await _queued(world, "stale", "forgotten")
    for status, words in ((DeletionStatus.EXECUTING, "already being deleted"), (DeletionStatus.UNKNOWN, "did not say")):
        await _set(ctx, row["id"], status=status)
        for action, body in (("cancel", {}), ("postpone", {"hours": 2}), ("run-now", {})):
            r = await world.post(f"/queue/{row['id']}/{action}", body)
            assert r.status_code == 409, r.text
            assert r.json()["error"] == "deletion_already_executing" and words in r.json()["detail"]
    assert await _events(ctx, row["id"]) == ["queued"]


async def test_two_cancels_at_once_cancel_once(ctx: AppContext, world: World) -> None:
    row = await _queued(world, "stale", "forgotten")
    answers = await asyncio.gather(*(world.post(f"/queue/{row['id']}/cancel", {}) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    assert await _events(ctx, row["id"]) == ["queued", "cancelled"]


async def test_postpone_by_hours_or_until_bounded(ctx: AppContext, world: World) -> None:
    row = await _queued(world, "stale", "forgotten")
    due = datetime.fromisoformat(row["due_at"])
    r = await world.post(f"/queue/{row['id']}/postpone", {"hours": 12, "note": "after the weekend"})
    assert r.status_code == 200, r.text
    assert datetime.fromisoformat(r.json()["due_at"]) == due + timedelta(hours=12)
    assert r.json()["status"] == "scheduled"
    until = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    r = await world.post(f"/queue/{row['id']}/postpone", {"until": until.isoformat()})
    assert datetime.fromisoformat(r.json()["due_at"]) == until
    # an overdue row is postponed from now, not from its past due time
    await _set(ctx, row["id"], due_at=datetime.now(UTC) - timedelta(days=3))
    before = datetime.now(UTC)
    r = await world.post(f"/queue/{row['id']}/postpone", {"hours": 1})
    assert abs(datetime.fromisoformat(r.json()["due_at"]) - (before + timedelta(hours=1))) < timedelta(minutes=1)
    for body, words in (
        ({"until": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}, "must be later"),
        ({"until": (datetime.now(UTC) + timedelta(days=91)).isoformat()}, "90 days from now at most"),
    ):
        r = await world.post(f"/queue/{row['id']}/postpone", body)
        assert r.status_code == 400 and words in r.json()["detail"], r.text
        assert r.json()["error"] == "deletion_postpone_invalid"
    for body in (
        {},
        {"hours": 1, "until": until.isoformat()},
        {"hours": None},
        {"hours": 0},
        {"hours": 24 * 90 + 1},
        {"days": 1},
        {"until": until.replace(tzinfo=None).isoformat()},
    ):
        assert (await world.post(f"/queue/{row['id']}/postpone", body)).status_code == 422, body
    events = (await world.get(f"/queue/{row['id']}")).json()["events"]
    assert [e["event"] for e in events] == ["queued", "postponed", "postponed", "postponed"]
    assert events[1]["message"] == "Postponed by you: after the weekend"
    assert events[1]["details"]["to"] == (due + timedelta(hours=12)).isoformat()


async def test_another_tenant_gets_404(world: World, signup: SignupFn) -> None:
    row = await _queued(world, "stale", "forgotten")
    other = await signup()
    for method, path, body in (
        ("GET", f"/queue/{row['id']}", None),
        ("POST", f"/queue/{row['id']}/cancel", {}),
        ("POST", f"/queue/{row['id']}/postpone", {"hours": 1}),
        ("POST", f"/queue/{row['id']}/run-now", {}),
    ):
        r = await world.api.request(method, f"/api/v1/deletions{path}", json=body, headers=other.headers)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["error"] == "deletion_not_found"
    assert (await world.api.get("/api/v1/deletions/queue", headers=other.headers)).json()["total"] == 0
    assert (await world.get(f"/queue/{row['id']}")).json()["status"] == "scheduled"


async def test_run_now_makes_the_row_due_and_starts_a_run_that_checks_everything(
    ctx: AppContext, job_ctx: AppContext, world: World
) -> None:
    row = await _queued(world, "stale", "forgotten")
    assert datetime.fromisoformat(row["due_at"]) > datetime.now(UTC) + timedelta(hours=23)
    job_key = "arq:job:" + dedupe_id(JobName.DELETION_RUN, world.user.account_id)
    await ctx.redis.delete(job_key)
    before = datetime.now(UTC)
    r = await world.post(f"/queue/{row['id']}/run-now")
    assert r.status_code == 200, r.text
    due = datetime.fromisoformat(r.json()["due_at"])
    assert before - timedelta(seconds=5) <= due <= datetime.now(UTC)
    assert r.json()["status"] == "scheduled"
    assert await ctx.redis.exists(job_key)  # the account's run is asked for at once
    events = (await world.get(f"/queue/{row['id']}")).json()["events"]
    assert [e["event"] for e in events] == ["queued", "run_now"]
    assert events[1]["message"] == "Run now by you: the rest of the wait was skipped"
    assert datetime.fromisoformat(events[1]["details"]["from"]) == datetime.fromisoformat(row["due_at"])
    # Already due: it keeps its time (never later), and the run is asked for again.
    again = await world.post(f"/queue/{row['id']}/run-now")
    assert again.status_code == 200 and datetime.fromisoformat(again.json()["due_at"]) == due
    # The run the job makes (as the worker, which reaches servers on the home network): the server is
    # in dry-run, so it records the row and deletes nothing.
    now = datetime.now(UTC)
    outcome = await run_deletions(job_ctx, world.user.account_id, world.plex, now=now, events=wire_events())
    assert outcome is not None and outcome.tally.dry_run == 1 and outcome.tally.deleted == 0
    after = (await world.get(f"/queue/{row['id']}")).json()
    assert after["status"] == "scheduled" and after["dry_run_at"] is not None
    history = (await world.get("/history", status="dry_run")).json()
    assert [r["id"] for r in history["items"]] == [row["id"]]  # the history keeps what it would delete
    assert (await world.get("/audit", event="run_now")).json()["total"] == 2
    cancelled = await _queued(world, "stale", "never")
    await world.post(f"/queue/{cancelled['id']}/cancel", {})
    late = await world.post(f"/queue/{cancelled['id']}/run-now")
    assert late.status_code == 409 and late.json()["error"] == "deletion_finished"


async def test_a_row_the_deleter_held_back_says_why_until_something_newer_happens(
    ctx: AppContext, job_ctx: AppContext, world: World
) -> None:
    row = await _queued(world, "stale", "forgotten")
    other = await _queued(world, "stale", "never")
    listed = (await world.get("/queue")).json()["items"]
    assert all(r["waiting"] is None and r["waiting_at"] is None for r in listed)
    assert (await world.put("/settings", {"paused": True})).status_code == 200
    await world.post(f"/queue/{row['id']}/run-now")
    await run_deletions(job_ctx, world.user.account_id, world.plex, now=datetime.now(UTC), events=wire_events())
    by_id = {r["id"]: r for r in (await world.get("/queue")).json()["items"]}
    assert "paused" in by_id[row["id"]]["waiting"] and by_id[row["id"]]["waiting_at"] is not None
    assert by_id[other["id"]]["waiting"] is None  # not due: the deleter did not look at it
    detail = (await world.get(f"/queue/{row['id']}")).json()
    assert detail["waiting"] == by_id[row["id"]]["waiting"]
    # A newer event (postponed by the owner) is where the row stands now: no longer "waiting".
    await world.post(f"/queue/{row['id']}/postpone", {"hours": 5})
    assert (await world.get(f"/queue/{row['id']}")).json()["waiting"] is None
    assert {r["id"]: r["waiting"] for r in (await world.get("/queue")).json()["items"]}[row["id"]] is None
