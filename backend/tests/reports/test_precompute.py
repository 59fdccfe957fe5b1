"""The reports' derived data (last plays, the dashboard summary) is right after a sync, after a
settings, allowlist or keeper change, and per tenant."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import event, text

from janitor.core.context import AppContext
from janitor.core.queue import QUEUES, QUICK_QUEUE
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob
from janitor.jobs.names import JobName
from janitor.jobs.runner import tenant_job
from janitor.library import video_rows
from janitor.library.watch import EVIDENCE_SQL
from janitor.reports import dashboard, precompute
from janitor.reports.dashboard import compute_summary
from janitor.reports.precompute import refresh_summary_job
from janitor.reports.service import ReportSettingsService
from janitor.sync.jellyfin import STATE_COLUMNS
from janitor.sync.upsert import driver_connection
from mediasim import SimServer

from .test_allowlists import _add, _row
from .test_stale_and_large import _synced


async def _clear_of_the_hour() -> None:
    """The stored summary's fingerprint holds the UTC hour (cut-offs move with the clock): a test that
    compares stored and fresh figures must not straddle an hour. Start it after the hour turns when
    fewer than 90 s are left (these tests take 5-20 s)."""
    now = datetime.now(UTC)
    left = 3600 - (now.minute * 60 + now.second)
    if left < 90:
        await asyncio.sleep(left + 1)


async def _board(api: httpx.AsyncClient, user: SignedUp) -> dict[str, Any]:
    r = await api.get("/api/v1/dashboard", headers=user.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _cards(board: dict[str, Any]) -> dict[str, tuple[int, int | None]]:
    return {c["report"]: (c["count"], c["reclaimable_bytes"]) for c in board["cards"]}


async def _live(job_ctx: AppContext, user: SignedUp) -> dict[str, Any]:
    """The summary computed from the reports right now, bypassing the stored one."""
    async with job_ctx.sessionmaker() as session:
        settings = await ReportSettingsService(session, user.account_id).get()
        fresh = await compute_summary(session, user.account_id, settings=settings, now=datetime.now(UTC))
        await session.rollback()
    return fresh.model_dump(mode="json", exclude={"parts"})


async def _total(api: httpx.AsyncClient, user: SignedUp, report: str) -> int:
    r = await api.get(f"/api/v1/reports/{report}", params={"page_size": 1}, headers=user.headers)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


async def _assert_matches_reports(api: httpx.AsyncClient, user: SignedUp, job_ctx: AppContext) -> dict[str, Any]:
    board = await _board(api, user)
    live = await _live(job_ctx, user)
    assert {k: board[k] for k in ("cards", "storage", "stale_by_age")} == live
    for report in ("stale", "large", "duplicates", "languages", "requests", "recently-available"):
        assert _cards(board)[report][0] == await _total(api, user, report), report
    return board


async def test_the_sync_stores_last_plays_and_the_summary(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    await _clear_of_the_hour()
    user = await _synced(api, signup, sim, run_job)
    async with job_ctx.sessionmaker() as session:
        stored = (
            await session.execute(
                text("SELECT count(*) FROM report_summaries WHERE account_id = :a"), {"a": user.account_id}
            )
        ).scalar_one()
        plays = (
            await session.execute(
                text(
                    "SELECT p.played_at, p.user_upstream_id FROM item_last_plays p JOIN media_items m "
                    "ON m.connection_id = p.connection_id AND m.upstream_id = p.target "
                    "WHERE p.account_id = :a AND m.title = 'Forgotten'"
                ),
                {"a": user.account_id},
            )
        ).all()
    assert stored == 1  # computed by the sync, before anyone opened the dashboard
    assert len(plays) == 1
    assert (datetime.now(UTC) - plays[0].played_at).days in (364, 365, 366)
    forgotten = await _row(api, user, "stale", "Forgotten")
    assert forgotten["last_watched_by"] == "hank"
    await _assert_matches_reports(api, user, job_ctx)

    # The stored summary is what the dashboard shows...
    async with job_ctx.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE report_summaries SET body = jsonb_set(body, '{cards,0,count}', '999') WHERE account_id = :a"),
            {"a": user.account_id},
        )
        await session.execute(text("DELETE FROM item_last_plays WHERE account_id = :a"), {"a": user.account_id})
    await job_ctx.page_cache.bump(user.account_id)  # changed behind the API's back: no cached page either
    assert _cards(await _board(api, user))["duplicates"][0] == 999
    # ...and the next sync rebuilds it and the last plays.
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    assert _cards(await _board(api, user))["duplicates"][0] == 4
    assert (await _row(api, user, "stale", "Forgotten"))["last_watched_by"] == "hank"
    await _assert_matches_reports(api, user, job_ctx)


async def test_the_summary_follows_settings_allowlists_and_keepers(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await _synced(api, signup, sim, run_job)
    before = _cards(await _assert_matches_reports(api, user, job_ctx))
    assert before["stale"][0] == 4
    assert before["large"][0] == 1

    r = await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 1.5}, headers=user.headers)
    assert r.status_code == 200, r.text
    after = _cards(await _assert_matches_reports(api, user, job_ctx))
    assert after["large"][0] > 1

    forgotten = await _row(api, user, "stale", "Forgotten")
    assert (await _add(api, user, "protected", forgotten)).status_code == 201
    protected = _cards(await _assert_matches_reports(api, user, job_ctx))
    assert protected["stale"][0] == 3
    assert protected["stale"][1] == before["stale"][1] - forgotten["size_bytes"]

    entry = (await api.get("/api/v1/allowlists", params={"list": "protected"}, headers=user.headers)).json()[0]
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    assert (
        await api.patch(f"/api/v1/allowlists/{entry['id']}", json={"expires_at": soon}, headers=user.headers)
    ).status_code == 200
    assert _cards(await _board(api, user))["stale"][0] == 3
    async with job_ctx.sessionmaker() as session, session.begin():  # let the entry expire without waiting
        await session.execute(
            text("UPDATE allowlist_entries SET expires_at = now() - interval '1 second' WHERE id = :i"),
            {"i": entry["id"]},
        )
    # Cached pages follow the clock within report_cache_seconds; the test does not wait that long.
    await job_ctx.page_cache.bump(user.account_id)
    assert _cards(await _assert_matches_reports(api, user, job_ctx))["stale"][0] == 4

    assert (await api.delete(f"/api/v1/allowlists/{entry['id']}", headers=user.headers)).status_code == 204
    assert _cards(await _assert_matches_reports(api, user, job_ctx))["stale"][0] == 4

    dups = (await api.get("/api/v1/reports/duplicates", params={"q": "song a"}, headers=user.headers)).json()
    song_a = next(g for g in dups["items"] if g["title"].lower() == "song a")
    other = next(c for c in song_a["copies"] if not c["keeper"])
    r = await api.put(
        "/api/v1/reports/duplicates/keeper",
        json={
            "group_id": song_a["group_id"],
            "connection_id": other["connection_id"],
            "upstream_id": other["upstream_id"],
        },
        headers=user.headers,
    )
    assert r.status_code == 204, r.text
    chosen = _cards(await _assert_matches_reports(api, user, job_ctx))
    assert chosen["duplicates"][1] != after["duplicates"][1]  # another copy would be removed now


async def test_a_write_recomputes_only_the_parts_of_the_summary_it_feeds(
    api: httpx.AsyncClient,
    signup: SignupFn,
    sim: SimServer,
    run_job: RunJob,
    job_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _clear_of_the_hour()
    user = await _synced(api, signup, sim, run_job)
    before = _cards(await _assert_matches_reports(api, user, job_ctx))
    forgotten = await _row(api, user, "stale", "Forgotten")

    calls: list[str] = []
    for name in ("duplicate_groups", "large_movies", "stale_totals", "language_issues", "request_counts"):

        def counted(*a: Any, _name: str = name, _fn: Any = getattr(dashboard, name), **kw: Any) -> Any:
            calls.append(_name)
            return _fn(*a, **kw)

        monkeypatch.setattr(dashboard, name, counted)

    # A protected entry feeds stale alone; a language exemption languages alone.
    assert (await _add(api, user, "protected", forgotten)).status_code == 201
    protected = _cards(await _board(api, user))
    assert sorted(set(calls)) == ["stale_totals"]
    assert protected["stale"] == (before["stale"][0] - 1, before["stale"][1] - forgotten["size_bytes"])
    assert {k: v for k, v in protected.items() if k != "stale"} == {k: v for k, v in before.items() if k != "stale"}
    await _assert_matches_reports(api, user, job_ctx)
    calls.clear()
    assert (await _add(api, user, "language_exempt", forgotten)).status_code == 201
    await _board(api, user)
    assert sorted(set(calls)) == ["language_issues"]
    await _assert_matches_reports(api, user, job_ctx)

    # A threshold feeds its own report only.
    calls.clear()
    r = await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 1.5}, headers=user.headers)
    assert r.status_code == 200, r.text
    larger = _cards(await _board(api, user))
    assert sorted(set(calls)) == ["large_movies"]
    assert larger["large"][0] > before["large"][0]
    await _assert_matches_reports(api, user, job_ctx)

    # The rest of the settings (here the time zone) feeds every part.
    calls.clear()
    r = await api.patch("/api/v1/settings/reports", json={"time_zone": "Europe/Paris"}, headers=user.headers)
    assert r.status_code == 200, r.text
    await _board(api, user)
    assert sorted(set(calls)) == [
        "duplicate_groups",
        "language_issues",
        "large_movies",
        "request_counts",
        "stale_totals",
    ]
    await _assert_matches_reports(api, user, job_ctx)


async def test_the_summary_never_shows_another_tenants_data(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    alice = await _synced(api, signup, sim, run_job)
    bob = await _synced(api, signup, sim, run_job)  # the same servers, synced into another account
    stranger = await signup()
    forgotten = await _row(api, alice, "stale", "Forgotten")
    assert (await _add(api, alice, "protected", forgotten)).status_code == 201
    await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 1.5}, headers=alice.headers)

    a = _cards(await _assert_matches_reports(api, alice, job_ctx))
    b = _cards(await _assert_matches_reports(api, bob, job_ctx))
    assert (a["stale"][0], b["stale"][0]) == (3, 4)
    assert a["large"][0] > 1
    assert b["large"][0] == 1
    empty = await _board(api, stranger)
    assert all(c["count"] == 0 for c in empty["cards"])
    assert empty["storage"] == []
    assert empty["last_sync"] is None
    async with job_ctx.sessionmaker() as session:
        owners = (
            await session.execute(
                text(
                    "SELECT DISTINCT p.account_id = m.account_id FROM item_last_plays p JOIN media_items m "
                    "ON m.connection_id = p.connection_id AND m.upstream_id = p.target"
                )
            )
        ).scalars()
        assert list(owners) == [True]


async def test_a_write_the_summary_depends_on_queues_its_recomputation_in_the_background(
    api: httpx.AsyncClient,
    signup: SignupFn,
    sim: SimServer,
    run_job: RunJob,
    job_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _clear_of_the_hour()
    user = await _synced(api, signup, sim, run_job)

    async def queued() -> list[str]:
        # the recompute is quick work (core/queue.py), never queued behind a sync: it must be in the
        # quick queue and no other
        jobs = {q: await job_ctx.redis.queued_jobs(queue_name=q) for q in QUEUES}
        mine = {q: [j.function for j in js if j.args == (str(user.account_id),)] for q, js in jobs.items()}
        assert "report_summary" not in [f for q, fs in mine.items() if q != QUICK_QUEUE for f in fs]
        return [f for fs in mine.values() for f in fs]

    async def stored() -> tuple[int, str]:
        async with job_ctx.sessionmaker() as s:
            row = (
                await s.execute(
                    text("SELECT xmin::text::bigint, fingerprint FROM report_summaries WHERE account_id = :a"),
                    {"a": user.account_id},
                )
            ).one()
        return int(row[0]), str(row[1])

    before_jobs = await queued()
    bad = await api.patch("/api/v1/settings/reports", json={"large_movie_gb": -1}, headers=user.headers)
    assert bad.status_code == 422
    assert await queued() == before_jobs  # nothing is queued for a write that saved nothing
    for gb in (1.2, 1.3, 1.5):  # writes before the job starts: one pending recomputation
        r = await api.patch("/api/v1/settings/reports", json={"large_movie_gb": gb}, headers=user.headers)
        assert r.status_code == 200
    assert (await queued()).count("report_summary") == 1
    old = await stored()
    job = tenant_job(JobName.REPORT_SUMMARY, refresh_summary_job)
    # A write while the job runs finds its id taken and queues nothing: the job looks again.
    passes: list[bool] = []
    real = precompute.refresh_summary_after_sync

    async def with_a_write_meanwhile(*args: Any, **kwargs: Any) -> bool:
        computed = await real(*args, **kwargs)
        passes.append(computed)
        if len(passes) == 1:
            r = await api.patch("/api/v1/settings/reports", json={"large_movie_gb": 1.4}, headers=user.headers)
            assert r.status_code == 200
        return computed

    monkeypatch.setattr(precompute, "refresh_summary_after_sync", with_a_write_meanwhile)
    await job({"app": job_ctx, "worker_id": "test", "job_try": 1, "job_id": "summary-1"}, str(user.account_id))
    assert passes == [True, True, False]
    # Only this patch: undo() would also lift the reports' pinned clock (conftest), and a dashboard read
    # in another hour than the session's NOW would find another fingerprint.
    monkeypatch.setattr(precompute, "refresh_summary_after_sync", real)
    recomputed = await stored()
    assert recomputed != old
    # The dashboard now reads the stored figures (no recomputation), and they are the new ones.
    board = await _assert_matches_reports(api, user, job_ctx)
    assert _cards(board)["large"][0] > 1
    assert await stored() == recomputed
    # A second run of the job finds the summary current and leaves it alone.
    await job({"app": job_ctx, "worker_id": "test", "job_try": 1, "job_id": "summary-2"}, str(user.account_id))
    assert await stored() == recomputed


async def test_last_plays_are_rebuilt_after_the_statistics_of_a_bulk_load(
    api: httpx.AsyncClient, signup: SignupFn, job_ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planned on freshly loaded tables without statistics, the last plays' join became a nested loop
    over every play and item: after a bulk load it waits for ANALYZE (the candidates need not)."""
    events: list[str] = []

    def traced(name: str, fn: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            events.append(f"{name} start")
            try:
                return await fn(*args, **kwargs)
            finally:
                events.append(f"{name} end")

        return wrapper

    for name in ("analyze_tables", "refresh_last_plays", "refresh_duplicate_candidates"):
        monkeypatch.setattr(precompute, name, traced(name, getattr(precompute, name)))
    user = await signup()
    await precompute.refresh_data_after_sync(job_ctx.sessionmaker, user.account_id, analyze=True)
    assert events.count("analyze_tables end") == 2
    last_analyze = max(i for i, e in enumerate(events) if e == "analyze_tables end")
    assert events.index("refresh_last_plays start") > last_analyze, events
    assert "refresh_duplicate_candidates end" in events
    # without a bulk load nothing is analysed and nothing waits
    events.clear()
    await precompute.refresh_data_after_sync(job_ctx.sessionmaker, user.account_id, analyze=False)
    assert "analyze_tables start" not in events
    assert {"refresh_last_plays end", "refresh_duplicate_candidates end"} <= set(events)


async def test_after_a_bulk_load_the_new_watch_evidence_is_analysed_before_the_last_plays_read_it(
    api: httpx.AsyncClient, signup: SignupFn, job_ctx: AppContext
) -> None:
    """Planned on statistics that knew only the deployment's first account, the last plays of the
    second account's first sync took 26 s: after a bulk load the evidence just written is analysed (in
    the same transaction, so its own rows are sampled) before the last plays are read from it."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split())[:40])

    user = await signup()
    event.listen(job_ctx.engine.sync_engine, "before_cursor_execute", record)
    try:
        await precompute.refresh_data_after_sync(job_ctx.sessionmaker, user.account_id, analyze=True)
        bulk = list(statements)
        statements.clear()
        await precompute.refresh_data_after_sync(job_ctx.sessionmaker, user.account_id, analyze=False)
    finally:
        event.remove(job_ctx.engine.sync_engine, "before_cursor_execute", record)
    evidence = next(i for i, s in enumerate(bulk) if s.startswith("INSERT INTO watch_evidence"))
    last_plays = next(i for i, s in enumerate(bulk) if s.startswith("INSERT INTO item_last_plays"))
    assert evidence < bulk.index("ANALYZE watch_evidence") < last_plays, bulk
    assert not any(s.startswith("ANALYZE") for s in statements), statements


async def test_the_last_plays_join_never_loops_over_every_pair_without_statistics(
    api: httpx.AsyncClient, signup: SignupFn, job_ctx: AppContext
) -> None:
    """A new account's rows are not in the statistics yet (or none exist): planned from those
    estimates, the join of its plays and items became a nested loop (9.1 s for 6,000 x 5,000). In the
    rebuild's transaction the plan is a hash join whatever the statistics say."""
    user = await signup()
    account, connection, library = user.account_id, uuid.uuid4(), uuid.uuid4()
    async with job_ctx.sessionmaker() as session, session.begin():
        raw = await driver_connection(session)
        await raw.execute(
            "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, "
            "options, status) VALUES ($1, $2, 'jellyfin', 'j', 'http://x', 'x', false, '{}', 'ok')",
            connection,
            account,
        )
        await raw.execute(
            "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
            "VALUES ($1, $2, $3, '1', 'Shows', 'show', true)",
            library,
            account,
            connection,
        )
        await raw.copy_records_to_table(
            "media_items",
            columns=[
                "account_id",
                "connection_id",
                "library_id",
                "upstream_id",
                "kind",
                "grandparent_id",
                "title",
                "guids",
                "parts",
            ],
            records=[
                (account, connection, library, f"e{i}", "episode", f"s{i // 10}", "t", "{}", "[]") for i in range(6000)
            ],
        )
        await raw.copy_records_to_table(
            "user_item_states",
            columns=STATE_COLUMNS,
            records=[(account, connection, f"e{i}", "u", 1, True, datetime.now(UTC), 0, None) for i in range(5000)],
        )
        for table in ("media_items", "user_item_states", "watch_events"):
            await raw.execute(f"DELETE FROM pg_statistic WHERE starelid = '{table}'::regclass")

    def nested_loops(plan: Any) -> int:
        node = plan.get("Plan", plan)
        return int(node["Node Type"] == "Nested Loop") + sum(nested_loops(p) for p in node.get("Plans", ()))

    def as_json(value: Any) -> Any:  # the session's driver may decode json itself
        return orjson.loads(value) if isinstance(value, str | bytes) else value

    explain = "EXPLAIN (FORMAT JSON) " + EVIDENCE_SQL.replace(":a", "$1")
    async with job_ctx.sessionmaker() as session, session.begin():
        raw = await driver_connection(session)
        plain = as_json(await raw.fetchval(explain, account))[0]
        assert nested_loops(plain) > 0  # the trap is real on this data
        await precompute.refresh_last_plays(session, account)
        guarded = as_json(await raw.fetchval(explain, account))[0]
        assert nested_loops(guarded) == 0
        rows = await raw.fetchval("SELECT count(*) FROM item_last_plays WHERE account_id = $1", account)
        evidence = await raw.fetchval("SELECT count(*) FROM watch_evidence WHERE account_id = $1", account)
    assert rows == 500  # one per show
    assert evidence == 5000  # one per played episode and person


async def test_the_reports_rows_follow_the_items_a_deletion_touched(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """An episode marked gone leaves the reports' rows, and its show's episodes and size are summed
    again (``refresh_items``, what a deletion's aftermath calls): as a full rebuild would make them."""
    user = await _synced(api, signup, sim, run_job)
    a = user.account_id
    rows_sql = text("SELECT * FROM report_video_items WHERE account_id = :a ORDER BY id")
    async with job_ctx.sessionmaker() as session, session.begin():
        before = {r["id"]: dict(r) for r in (await session.execute(rows_sql, {"a": a})).mappings()}
        show = next(r for r in before.values() if r["kind"] == "show" and (r["episodes"] or 0) >= 2)
        episode = next(
            r
            for r in before.values()
            if r["kind"] == "episode"
            and r["connection_id"] == show["connection_id"]
            and r["grandparent_id"] == show["upstream_id"]
        )
        await session.execute(text("UPDATE media_items SET gone = true WHERE id = :e"), {"e": episode["id"]})
        await video_rows.refresh_items(session, a, [episode["id"]])
        after = {r["id"]: dict(r) for r in (await session.execute(rows_sql, {"a": a})).mappings()}
        await video_rows.refresh_video_items(session, a)
        rebuilt = {r["id"]: dict(r) for r in (await session.execute(rows_sql, {"a": a})).mappings()}
    assert episode["id"] not in after
    assert after[show["id"]]["episodes"] == show["episodes"] - 1
    assert after[show["id"]]["total_size_bytes"] == show["total_size_bytes"] - episode["size_bytes"]
    assert after == rebuilt
    assert len(after) == len(before) - 1
