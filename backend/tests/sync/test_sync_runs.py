from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.devtools.sim_fixtures import RunJob, connect_all
from janitor.reports import precompute
from mediasim import SimServer


async def _scalar(ctx: AppContext, sql: str, **params: Any) -> Any:
    async with ctx.sessionmaker() as s:
        return (await s.execute(text(sql), params)).scalar()


async def test_refresh_syncs_every_source_completely(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    started = await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "queued"
    # a second click returns the same run instead of starting another
    again = await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    assert again.status_code == 200
    assert again.json()["id"] == run["id"]
    await run_job(user)
    done = (await api.get(f"/api/v1/sync/runs/{run['id']}", headers=user.headers)).json()
    assert done["status"] == "complete", done
    assert done["error"] is None
    assert {s["status"] for s in done["sources"].values()} == {"complete"}
    assert done["upstream_requests"] > 0
    world = sim.state.world.summary()
    plex_items = await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"])
    assert plex_items > 0
    assert done["sources"][ids["plex"]]["items"] == plex_items
    # every movie and episode has its languages (fetched in batches)
    unknown = await _scalar(
        job_ctx,
        "SELECT count(*) FROM media_items WHERE kind IN ('movie','episode') AND streams_synced_at IS NULL",
    )
    assert unknown == 0
    assert await _scalar(job_ctx, "SELECT count(*) FROM watch_events") > 0
    assert await _scalar(job_ctx, "SELECT count(*) FROM remote_users") > 0
    assert await _scalar(job_ctx, "SELECT count(*) FROM user_item_states") > 0
    assert await _scalar(job_ctx, "SELECT count(*) FROM media_requests") > 0
    assert await _scalar(job_ctx, "SELECT count(*) FROM media_requests WHERE title IS NULL") == 0
    assert world  # the simulator describes its world
    libs = (await api.get("/api/v1/libraries", headers=user.headers)).json()
    assert all(lib["last_synced_at"] for lib in libs if lib["enabled"])
    plex_libs = [lib for lib in libs if lib["connection_id"] == ids["plex"] and lib["enabled"]]
    counted = await _scalar(
        job_ctx,
        "SELECT count(*) FROM media_items WHERE connection_id = :c AND kind IN ('movie', 'episode', 'track')",
        c=ids["plex"],
    )
    assert sum(lib["item_count"] for lib in plex_libs) == counted > 0


async def test_an_unchanged_library_stays_put_over_runs(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    await connect_all(api, user, sim)
    counts = []
    for _ in range(2):
        await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
        await run_job(user)
        counts.append(await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE NOT gone AND missing_runs = 0"))
    assert counts[0] == counts[1] > 0
    runs = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()
    assert [r["status"] for r in runs] == ["complete", "complete"]


async def test_a_failing_source_makes_the_run_partial_and_marks_nothing_missing(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    before = await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"])
    # Plex listings now fail for good; Jellyfin and Jellyseerr still answer.
    httpx.post(sim.info["admin"] + "/faults", json={"server": "pms:*", "route": "/library/sections/*", "status": 500})
    for _ in range(2):
        await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
        await run_job(user)
    run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert run["status"] == "partial", run
    assert run["sources"][ids["plex"]]["status"] in ("failed", "partial")
    assert run["sources"][ids["jellyfin"]]["status"] == "complete"
    assert run["error"]
    missing = await _scalar(
        job_ctx,
        "SELECT count(*) FROM media_items WHERE connection_id = :c AND (missing_runs > 0 OR gone)",
        c=ids["plex"],
    )
    assert missing == 0
    assert await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"]) == before
    # the next healthy run repairs everything
    httpx.delete(sim.info["admin"] + "/faults")
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    assert (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]["status"] == "complete"


async def test_cancel_and_other_tenants(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob
) -> None:
    owner, other = await signup(), await signup()
    await connect_all(api, owner, sim)
    run = (await api.post("/api/v1/sync/runs", headers=owner.headers)).json()
    assert (await api.get(f"/api/v1/sync/runs/{run['id']}", headers=other.headers)).status_code == 404
    assert (await api.post(f"/api/v1/sync/runs/{run['id']}/cancel", headers=other.headers)).status_code == 404
    assert (await api.get("/api/v1/sync/runs", headers=other.headers)).json() == []
    cancelled = await api.post(f"/api/v1/sync/runs/{run['id']}/cancel", headers=owner.headers)
    assert cancelled.json()["status"] == "cancelled"
    await run_job(owner)  # the worker finds nothing queued
    assert (await api.get(f"/api/v1/sync/runs/{run['id']}", headers=owner.headers)).json()["status"] == "cancelled"
    # a new run can start after a cancelled one
    assert (await api.post("/api/v1/sync/runs", headers=owner.headers)).status_code == 202


async def test_an_item_is_gone_only_after_two_complete_runs_without_it(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    movie = await _scalar(
        job_ctx,
        "SELECT upstream_id FROM media_items WHERE connection_id = :c AND kind = 'movie' LIMIT 1",
        c=ids["plex"],
    )
    pms = sim.info["pms"]["home"]
    deleted = httpx.delete(f"{pms['base_url']}/library/metadata/{movie}", headers={"X-Plex-Token": pms["owner_token"]})
    assert deleted.status_code == 200
    states = []
    for _ in range(2):
        await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
        await run_job(user)
        async with job_ctx.sessionmaker() as s:
            row = (
                await s.execute(
                    text("SELECT missing_runs, gone FROM media_items WHERE connection_id = :c AND upstream_id = :u"),
                    {"c": ids["plex"], "u": movie},
                )
            ).one()
        states.append(tuple(row))
    assert states == [(1, False), (2, True)]


async def test_an_empty_answer_after_a_failure_is_not_taken_for_an_empty_library(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    admin = sim.info["admin"]
    # totalSize says items exist but the pages come back short: the listing is incomplete
    httpx.post(admin + "/faults", json={"server": "pms:*", "route": "/library/sections/*/all", "short_page": 1})
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert run["status"] == "partial"
    assert "server counts" in (run["sources"][ids["plex"]]["error"] or "")
    flagged = await _scalar(
        job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c AND missing_runs > 0", c=ids["plex"]
    )
    assert flagged == 0


async def _refresh(api: httpx.AsyncClient, user: SignedUp, run_job: RunJob) -> dict[str, Any]:
    """Queue a "Refresh now" run, run it, and return it."""
    await api.post("/api/v1/sync/runs", headers=user.headers)
    await run_job(user)
    run: dict[str, Any] = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    return run


async def _lose_track_of_one(job_ctx: AppContext, connection_id: str, kind: str) -> None:
    """Forget one stored item of that kind behind the sync's back: the server now counts more than we hold."""
    async with job_ctx.sessionmaker() as s, s.begin():
        await s.execute(
            text(
                "DELETE FROM media_items WHERE connection_id = :c AND kind = :k AND upstream_id = "
                "(SELECT upstream_id FROM media_items WHERE connection_id = :c AND kind = :k LIMIT 1)"
            ),
            {"c": connection_id, "k": kind},
        )


async def test_a_refresh_reads_only_what_changed_and_reads_a_level_in_full_when_items_are_missed(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    full = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    await api.post("/api/v1/sync/runs", headers=user.headers)
    await run_job(user)
    quick = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert quick["status"] == "complete"
    assert quick["full"] is False
    plex_full = full["sources"][ids["plex"]]
    plex_quick = quick["sources"][ids["plex"]]
    assert plex_quick["items"] < plex_full["items"]
    items = await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"])
    movie = await _scalar(
        job_ctx,
        "SELECT upstream_id FROM media_items WHERE connection_id = :c AND kind = 'movie' LIMIT 1",
        c=ids["plex"],
    )
    # A removed movie: the server now counts fewer. Only a full pass may count it missing, so a
    # refresh stays cheap and marks nothing.
    pms = sim.info["pms"]["home"]
    httpx.delete(f"{pms['base_url']}/library/metadata/{movie}", headers={"X-Plex-Token": pms["owner_token"]})
    await api.post("/api/v1/sync/runs", headers=user.headers)
    await run_job(user)
    again = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert again["status"] == "complete"
    assert again["sources"][ids["plex"]]["items"] == plex_quick["items"]
    assert await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE missing_runs > 0") == 0
    # An item we lost track of (the server counts more than we hold): that level is read in full.
    await _lose_track_of_one(job_ctx, ids["plex"], "episode")
    repaired = await _refresh(api, user, run_job)
    assert repaired["status"] == "complete"
    assert repaired["sources"][ids["plex"]]["items"] > plex_quick["items"]
    assert await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["plex"]) == items


async def test_a_jellyfin_refresh_lists_only_what_was_saved_since_and_reads_a_library_in_full_when_items_are_missed(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    full = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]["sources"][ids["jellyfin"]]
    items = await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["jellyfin"])
    assert full["items"] == items > 0
    quick_run = await _refresh(api, user, run_job)
    quick = quick_run["sources"][ids["jellyfin"]]
    assert quick_run["status"] == "complete"
    assert quick["status"] == "complete"
    assert quick["items"] == 0  # nothing was saved on the server since the last complete pass
    # An item we lost track of (the server counts more than we hold): that library is read in full.
    await _lose_track_of_one(job_ctx, ids["jellyfin"], "movie")
    repaired = await _refresh(api, user, run_job)
    assert repaired["status"] == "complete"
    assert repaired["sources"][ids["jellyfin"]]["items"] > 0
    assert (
        await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE connection_id = :c", c=ids["jellyfin"]) == items
    )
    assert await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE missing_runs > 0") == 0


async def _versions(ctx: AppContext, connection_id: str) -> dict[str, int]:
    """Each item's row version (xmin): it changes exactly when the row is rewritten."""
    async with ctx.sessionmaker() as s:
        rows = await s.execute(
            text("SELECT upstream_id, xmin::text::bigint FROM media_items WHERE connection_id = :c"),
            {"c": connection_id},
        )
        return {r[0]: r[1] for r in rows}


async def test_a_full_pass_rewrites_only_what_changed_and_still_counts_the_missing(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    before = {c: await _versions(job_ctx, ids[c]) for c in ("plex", "jellyfin")}
    assert before["plex"] and before["jellyfin"]

    # Upstream: one movie renamed (Plex bumps updatedAt), one deleted; nothing else changes.
    server = sim.state.world.pms("home")
    assert server is not None
    movies = sorted((i for i in server.items.values() if i.type == "movie" and not i.deleted), key=lambda i: i.id)
    renamed, removed = movies[0], movies[1]
    renamed.title += " (Director's Cut)"
    renamed.updated_at += 60
    sim.state.forget_parts(server.name, renamed.id)
    sim.state.invalidate()
    pms = sim.info["pms"]["home"]
    gone = httpx.delete(
        f"{pms['base_url']}/library/metadata/{removed.id}", headers={"X-Plex-Token": pms["owner_token"]}
    )
    assert gone.status_code == 200

    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    assert (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]["status"] == "complete"
    after = {c: await _versions(job_ctx, ids[c]) for c in ("plex", "jellyfin")}
    rewritten = {k for k, v in after["plex"].items() if before["plex"][k] != v}
    # the renamed movie (new title) and the deleted one (counted missing) are the only rows written
    assert rewritten == {str(renamed.id), str(removed.id)}
    assert after["jellyfin"] == before["jellyfin"]
    title = await _scalar(
        job_ctx,
        "SELECT title FROM media_items WHERE connection_id = :c AND upstream_id = :u",
        c=ids["plex"],
        u=str(renamed.id),
    )
    assert title == renamed.title
    missing = await _scalar(
        job_ctx,
        "SELECT missing_runs FROM media_items WHERE connection_id = :c AND upstream_id = :u",
        c=ids["plex"],
        u=str(removed.id),
    )
    assert missing == 1
    # what the pass recorded as seen is cleared when it settles
    assert await _scalar(job_ctx, "SELECT count(*) FROM sync_seen_items") == 0

    # the item comes back: the next full pass rewrites it as present again
    removed.deleted = False
    sim.state.invalidate()
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    back = await _scalar(
        job_ctx,
        "SELECT missing_runs = 0 AND NOT gone FROM media_items WHERE connection_id = :c AND upstream_id = :u",
        c=ids["plex"],
        u=str(removed.id),
    )
    assert back is True


async def test_a_refresh_after_a_deletion_marks_nothing_missing_and_leaves_no_seen_rows(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)
    server = sim.state.world.pms("home")
    assert server is not None
    movie = next(i for i in server.items.values() if i.type == "movie" and not i.deleted)
    pms = sim.info["pms"]["home"]
    httpx.delete(f"{pms['base_url']}/library/metadata/{movie.id}", headers={"X-Plex-Token": pms["owner_token"]})
    await api.post("/api/v1/sync/runs", headers=user.headers)  # Refresh: not a full pass
    await run_job(user)
    assert await _scalar(job_ctx, "SELECT count(*) FROM sync_seen_items") == 0
    assert (
        await _scalar(
            job_ctx,
            "SELECT count(*) FROM media_items WHERE connection_id = :c AND (missing_runs > 0 OR gone)",
            c=ids["plex"],
        )
        == 0
    )


async def test_deleting_an_account_clears_the_seen_rows_of_a_pass_in_flight(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, job_ctx: AppContext
) -> None:
    user, other = await signup(), await signup()
    mine, theirs = (await connect_all(api, user, sim))["plex"], (await connect_all(api, other, sim))["plex"]
    async with job_ctx.sessionmaker() as s, s.begin():
        for connection in (mine, theirs):
            await s.execute(
                text("INSERT INTO sync_seen_items VALUES (gen_random_uuid(), :c, '1'), (gen_random_uuid(), :c, '2')"),
                {"c": connection},
            )
    deleted = await api.post("/api/v1/account/delete", json={"password": user.password}, headers=user.headers)
    assert deleted.status_code == 204
    left = await _scalar(job_ctx, "SELECT string_agg(DISTINCT connection_id::text, ',') FROM sync_seen_items")
    assert left == theirs


async def test_a_refresh_that_changes_nothing_keeps_the_derived_report_data_and_a_new_play_rebuilds_it(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    user = await signup()
    ids = await connect_all(api, user, sim)
    await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
    await run_job(user)

    async def built() -> set[int]:
        async with job_ctx.sessionmaker() as s:
            rows = await s.execute(
                text(
                    "SELECT xmin::text::bigint FROM item_last_plays UNION SELECT xmin::text::bigint FROM duplicate_candidates "
                    "UNION SELECT xmin::text::bigint FROM report_summaries"  # the dashboard summary too
                )
            )
            return {r[0] for r in rows}

    first = await built()
    assert first
    await api.post("/api/v1/sync/runs", headers=user.headers)  # Refresh: nothing changed upstream
    await run_job(user)
    assert (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]["status"] == "complete"
    assert await built() == first
    changed = "SELECT changed FROM sync_runs WHERE account_id = :a ORDER BY created_at DESC LIMIT 1"
    assert await _scalar(job_ctx, changed, a=user.account_id) == 0

    server = sim.state.world.pms("home")
    assert server is not None
    movie = next(i for i in server.items.values() if i.type == "movie" and not i.deleted)
    played = httpx.post(sim.info["admin"] + "/pms/home/play", json={"ratingKey": movie.id})
    assert played.status_code == 200
    await api.post("/api/v1/sync/runs", headers=user.headers)
    await run_job(user)
    assert await built() != first
    assert await _scalar(job_ctx, changed, a=user.account_id) >= 1
    last = await _scalar(
        job_ctx,
        "SELECT played_at FROM item_last_plays WHERE connection_id = :c AND target = :t",
        c=ids["plex"],
        t=str(movie.id),
    )
    assert last is not None and (datetime.now(UTC) - last).total_seconds() < 3600


@asynccontextmanager
async def _row_log(ctx: AppContext, table: str, event: str) -> AsyncIterator[None]:
    """While inside, every row ``event`` (INSERT/UPDATE) on ``table`` is logged to ``test_row_log``
    (the row's connection and kind, when it has one)."""
    kind = "NEW.kind" if table == "media_items" else "NULL"
    async with ctx.sessionmaker() as s, s.begin():
        await s.execute(text("CREATE TABLE test_row_log (connection_id uuid, kind text)"))
        await s.execute(
            text(
                "CREATE FUNCTION test_log_row() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN INSERT INTO test_row_log VALUES (NEW.connection_id, {kind}); RETURN NEW; END $$"
            )
        )
        await s.execute(
            text(f"CREATE TRIGGER test_log_row AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION test_log_row()")
        )
    try:
        yield
    finally:
        async with ctx.sessionmaker() as s, s.begin():
            await s.execute(text(f"DROP TRIGGER test_log_row ON {table}"))
            await s.execute(text("DROP FUNCTION test_log_row()"))
            await s.execute(text("DROP TABLE test_row_log"))


async def test_a_first_full_pass_records_no_seen_ids_and_the_next_one_does(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """A library without items has nothing to judge missing: its first pass skips the seen-id writes."""
    user = await signup()
    await connect_all(api, user, sim)
    async with _row_log(job_ctx, "sync_seen_items", "INSERT"):
        seen = []
        for _ in range(2):
            await api.post("/api/v1/sync/runs?full=true", headers=user.headers)
            await run_job(user)
            run = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
            assert run["status"] == "complete", run
            seen.append(await _scalar(job_ctx, "SELECT count(*) FROM test_row_log"))
        items = await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE account_id = :a", a=user.account_id)
        assert seen[0] == 0
        assert seen[1] >= items > 0  # every listed item of the second pass, Plex and Jellyfin alike
        assert await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE missing_runs > 0") == 0


async def test_a_plex_first_pass_writes_each_movie_and_episode_once_with_its_streams(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """A library's first pass fetches the streams of each listed page before writing it: no movie or
    episode is inserted from the listing and then rewritten with its details."""
    user = await signup()
    ids = await connect_all(api, user, sim)
    sim.state.requests.clear()
    async with _row_log(job_ctx, "media_items", "UPDATE"):
        run = await _refresh(api, user, run_job)
        asked = {service: dict(routes) for service, routes in sim.state.requests.items()}
        assert run["status"] == "complete", run
        rewritten = await _scalar(
            job_ctx,
            "SELECT count(*) FROM test_row_log WHERE connection_id = :c AND kind IN ('movie', 'episode')",
            c=ids["plex"],
        )
    assert rewritten == 0
    videos = "connection_id = :c AND kind IN ('movie', 'episode')"
    held = await _scalar(job_ctx, f"SELECT count(*) FROM media_items WHERE {videos}", c=ids["plex"])
    known = await _scalar(
        job_ctx, f"SELECT count(*) FROM media_items WHERE {videos} AND streams_synced_at IS NOT NULL", c=ids["plex"]
    )
    assert held > 0
    assert known == held
    details = sum(
        n
        for service, routes in asked.items()
        if service.startswith("pms")
        for r, n in routes.items()
        if "metadata" in r
    )
    assert 0 < details < held / 10  # still batched (``/library/metadata/1,2,3``), not one request per item


async def _people(ctx: AppContext, connection_id: str) -> dict[str, tuple[str, str]]:
    async with ctx.sessionmaker() as s:
        rows = await s.execute(
            text("SELECT upstream_id, name, role FROM remote_users WHERE connection_id = :c"), {"c": connection_id}
        )
        return {r.upstream_id: (r.name, r.role) for r in rows}


async def test_plex_people_are_the_servers_accounts_with_the_owners_home_and_friends(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    tv = sim.state.world.plextv
    home = [u for u in tv.users if u.home]
    friends = [u for u in tv.users if u.friend]
    assert home and friends  # the world has both kinds
    # A friend the server has not listed yet (never used it) still comes from plex.tv; one the owner
    # does not share this server with is not its person.
    newcomer, stranger = friends[0], friends[-1]
    assert newcomer is not stranger
    sim.state.world.plex_servers[0].accounts.pop(newcomer.id)
    sim.state.world.plex_servers[0].accounts.pop(stranger.id)
    server = sim.state.world.plex_servers[0]
    for token in [t for t, aid in server.tokens.items() if aid == stranger.id]:
        del server.tokens[token]  # the owner stopped sharing the server with them
    user = await signup()
    ids = await connect_all(api, user, sim)
    run = await _refresh(api, user, run_job)
    people = await _people(job_ctx, ids["plex"])
    assert people["1"][1] == "owner"
    assert {uid: role for uid, (_, role) in people.items() if role != "owner"} == {
        **{str(u.id): "home" for u in home},
        **{str(u.id): "friend" for u in friends if u is not stranger},
    }
    assert people[str(newcomer.id)] == (newcomer.title, "friend")
    assert run["status"] == "complete"
    assert run["sources"][ids["plex"]]["warnings"] == []


async def test_plex_home_members_are_people_of_the_owners_server_without_a_share(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """A Home member /api/users lists with no share of this server (never given a token of it, never
    used it) is still one of its people: the Home's members come from /api/v2/home/users too."""
    world = sim.state.world
    member = next(u for u in world.plextv.users if u.home and not u.guest)
    server = world.plex_servers[0]
    server.accounts.pop(member.id, None)
    for token in [t for t, aid in server.tokens.items() if aid == member.id]:
        del server.tokens[token]
    user = await signup()
    ids = await connect_all(api, user, sim)
    run = await _refresh(api, user, run_job)
    people = await _people(job_ctx, ids["plex"])
    assert people[str(member.id)] == (member.title, "home")
    assert str(world.plextv.owner.id) not in people  # the Home's admin is the owner, account 1
    assert run["status"] == "complete"
    assert run["sources"][ids["plex"]]["warnings"] == []


async def _sync_with_plex_tv_failing(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, route: str, status: int
) -> tuple[dict[str, str], dict[str, Any]]:
    """A new account's first run while that plex.tv route fails: the connection ids and the Plex source,
    complete all the same (the items and plays do not depend on plex.tv)."""
    r = httpx.post(sim.info["admin"] + "/faults", json={"server": "plextv", "route": route, "status": status})
    assert r.status_code == 201, r.text
    user = await signup()
    ids = await connect_all(api, user, sim)
    run = await _refresh(api, user, run_job)
    assert run["status"] == "complete", run
    plex: dict[str, Any] = run["sources"][ids["plex"]]
    assert plex["status"] == "complete"
    return ids, plex


async def test_plex_home_unreadable_keeps_the_friends_with_a_warning(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    ids, plex = await _sync_with_plex_tv_failing(api, signup, sim, run_job, "/api/v2/home/users", 404)
    assert any("Plex Home" in w for w in plex["warnings"]), plex
    people = await _people(job_ctx, ids["plex"])
    friends = [u for u in sim.state.world.plextv.users if u.friend]
    assert {people[str(f.id)] for f in friends} == {(f.title, "friend") for f in friends}


async def test_plex_tv_failing_leaves_the_servers_own_accounts_and_a_warning(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    ids, plex = await _sync_with_plex_tv_failing(api, signup, sim, run_job, "/api/users", 401)
    assert any("plex.tv" in w for w in plex["warnings"]), plex
    people = await _people(job_ctx, ids["plex"])
    accounts = sim.state.world.plex_servers[0].accounts
    assert set(people) == {str(aid) for aid in accounts}
    assert {role for _, role in people.values()} == {"owner", "user"}


async def test_plex_tv_people_are_not_asked_for_with_a_token_that_does_not_own_the_server(
    api: httpx.AsyncClient, signup: SignupFn, sim: SimServer, run_job: RunJob, job_ctx: AppContext
) -> None:
    """A friend's token reaches the server too, but that friend's home and friends are not its people."""
    world = sim.state.world
    friend = next(u for u in world.plextv.users if u.friend)
    server = world.plex_servers[0]
    token = next(t for t, aid in server.tokens.items() if aid == friend.id)
    user = await signup()
    created = await api.post(
        "/api/v1/connections/plex/manual",
        json={"url": sim.info["pms"]["home"]["base_url"], "token": token},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    await api.post("/api/v1/sync/runs", headers=user.headers)
    await run_job(user)
    asked = sim.state.requests.get("plextv", {})
    assert any("resources" in route for route in asked), asked  # it did ask who owns the server
    assert not any(route.endswith("/users") for route in asked), asked
    people = await _people(job_ctx, created.json()["id"])
    assert {role for _, role in people.values()} <= {"owner", "user"}
    # The listing's view fields are the friend's own: never attributed to the owner (account 1).
    conn_id = created.json()["id"]
    token_account = await _scalar(
        job_ctx, "SELECT sync_state ->> 'plex_account' FROM connections WHERE id = :id", id=conn_id
    )
    assert token_account is None
    as_owner = await _scalar(
        job_ctx,
        "SELECT count(*) FROM watch_evidence WHERE connection_id = :id AND played_source = 'plex_item' "
        "AND user_upstream_id = '1'",
        id=conn_id,
    )
    assert as_owner == 0
    unnamed = await _scalar(
        job_ctx,
        "SELECT count(*) FROM watch_evidence WHERE connection_id = :id AND played_source = 'plex_item' "
        "AND user_upstream_id = ''",
        id=conn_id,
    )
    assert unnamed > 0  # still plays (of an account we cannot name)


async def test_a_first_pass_analyses_however_small_and_an_unchanged_refresh_does_not(
    api: httpx.AsyncClient,
    signup: SignupFn,
    sim: SimServer,
    run_job: RunJob,
    job_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows no statistics know yet (a new account's, a library's first pass, even on a refresh): the
    run analyses the tables even below the bulk-load threshold (this world is a few hundred items)."""
    analysed: list[str] = []
    original = precompute.analyze_tables

    async def counting(maker: Any, tables: str) -> None:
        analysed.append(tables)
        await original(maker, tables)

    monkeypatch.setattr(precompute, "analyze_tables", counting)
    user = await signup()
    ids = await connect_all(api, user, sim)
    libs = (await api.get("/api/v1/libraries", headers=user.headers)).json()
    later = next(lib for lib in libs if lib["connection_id"] == ids["plex"] and lib["enabled"])
    off = await api.patch(f"/api/v1/libraries/{later['id']}", json={"enabled": False}, headers=user.headers)
    assert off.status_code == 200, off.text
    await api.post("/api/v1/sync/runs", headers=user.headers)
    await run_job(user)
    first = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert first["status"] == "complete"
    changed = await _scalar(job_ctx, "SELECT changed FROM sync_runs WHERE id = :id", id=first["id"])
    assert 0 < changed < precompute.ANALYZE_AFTER_ROWS
    assert "media_items" in analysed
    analysed.clear()
    await api.post("/api/v1/sync/runs", headers=user.headers)
    await run_job(user)
    again = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert again["status"] == "complete"
    assert analysed == []
    # A library switched on later is read in full by the next refresh: its first pass, analysed too.
    on = await api.patch(f"/api/v1/libraries/{later['id']}", json={"enabled": True}, headers=user.headers)
    assert on.status_code == 200, on.text
    await api.post("/api/v1/sync/runs", headers=user.headers)
    await run_job(user)
    third = (await api.get("/api/v1/sync/runs", headers=user.headers)).json()[0]
    assert third["status"] == "complete"
    held = await _scalar(job_ctx, "SELECT count(*) FROM media_items WHERE library_id = :l", l=later["id"])
    assert held > 0
    assert "media_items" in analysed
