"""Report benchmarks: ``uv run python bench/reports.py [--quick] [--workers N] [--profile]``.

Starts a throwaway Postgres and Redis (``janitor.devtools.services``) and the simulator in its own
process, syncs a large world (250k tracks, 20k movies + 40k episodes, Jellyseerr requests) into a
fresh database through the product's sync, serves the real app with uvicorn and a bare FastAPI
endpoint the same way, loads both with 32 concurrent keep-alive clients (a raw asyncio HTTP/1.1
client in its own process: it shares the two cores with the app and Postgres), prints one table
(target, measured, pass/miss) and ``EXPLAIN (ANALYZE, BUFFERS)`` of every report query, and writes
it all to ``bench/results/reports.md``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import psutil

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run as syncbench  # noqa: E402 - the sync benchmark's helpers (services, simulator, accounts)

ROOT = BENCH.parent
RESULTS = BENCH / "results"
CONCURRENCY = 32

FULL = {"tracks": 250_000, "movies": 20_000, "episodes": 40_000, "requests": 1_000, "seconds": 8.0}
QUICK = {"tracks": 25_000, "movies": 2_000, "episodes": 4_000, "requests": 200, "seconds": 3.0}

PAGE_P95_MS = 50.0
BARE_SHARE = 0.40
DUPLICATES_MS = 300.0
DASHBOARD_MS = 100.0
UNCACHED_PAGE_MS = 100.0
UNCACHED_DASHBOARD_MS = 200.0
UNCACHED_TRIALS = 5
SKIP_LOAD_MS = 5_000.0
TARGETS = {
    "bare": "reference",
    "page": f"p95 <= {PAGE_P95_MS:.0f} ms, >= {BARE_SHARE:.0%} of bare req/s",
    "duplicates": f"p95 <= {DUPLICATES_MS:.0f} ms",
    "dashboard": f"p95 <= {DASHBOARD_MS:.0f} ms",
}

log = syncbench.log
REPORT_TABLES = ("media_items", "media_requests", "report_summaries", "item_last_plays")


# ----------------------------------------------------------------------------- the load
@dataclass
class Scenario:
    name: str
    kind: str  # page, duplicates, dashboard, bare
    paths: list[str]


def scenarios(ids: dict[str, str]) -> list[Scenario]:
    lib = ids["library"]
    p = "/api/v1/reports"
    return [
        Scenario("bare FastAPI JSON endpoint", "bare", ["/bare"]),
        Scenario(
            "large: by size, pages 1-5",
            "page",
            [f"{p}/large?sort=size&order=desc&page={n}&page_size=50" for n in range(1, 6)],
        ),
        Scenario(
            "large: by title asc, search 'the', filtered by library",
            "page",
            [f"{p}/large?sort=title&order=asc&q=the&library_id={lib}&page={n}" for n in (1, 2)],
        ),
        Scenario(
            "stale: by last watched, pages 1-5",
            "page",
            [f"{p}/stale?sort=last_watched&order=desc&page={n}" for n in range(1, 6)],
        ),
        Scenario(
            "stale: by size desc, search 'night'",
            "page",
            [f"{p}/stale?sort=size&order=desc&q=night&page={n}" for n in (1, 2)],
        ),
        Scenario(
            "languages: all issues by title, pages 1-5",
            "page",
            [f"{p}/languages?issue=all&sort=title&order=asc&page={n}" for n in range(1, 6)],
        ),
        Scenario(
            "languages: audio by added desc, page 20",
            "page",
            [f"{p}/languages?issue=audio&sort=added&order=desc&page=20"],
        ),
        Scenario(
            "requests: all by age, pages 1-3",
            "page",
            [f"{p}/requests?category=all&sort=age&page={n}" for n in (1, 2, 3)],
        ),
        Scenario("requests: pending by title", "page", [f"{p}/requests?category=pending&sort=title&order=asc"]),
        Scenario("recently available, pages 1-2", "page", [f"{p}/recently-available?page={n}" for n in (1, 2)]),
        Scenario("duplicates, pages 1-5", "duplicates", [f"{p}/duplicates?page={n}" for n in range(1, 6)]),
        Scenario("dashboard", "dashboard", ["/api/v1/dashboard"]),
    ]


def uncached_scenarios() -> list[Scenario]:
    """One row per report (and the dashboard): its first page read right after a write of the account."""
    p = "/api/v1/reports"
    return [
        Scenario("uncached: large, by size, page 1", "page", [f"{p}/large?sort=size&order=desc&page=1&page_size=50"]),
        Scenario(
            "uncached: stale, by last watched, page 1", "page", [f"{p}/stale?sort=last_watched&order=desc&page=1"]
        ),
        Scenario(
            "uncached: languages, all issues by title, page 1",
            "page",
            [f"{p}/languages?issue=all&sort=title&order=asc&page=1"],
        ),
        Scenario("uncached: requests, all by age, page 1", "page", [f"{p}/requests?category=all&sort=age&page=1"]),
        Scenario("uncached: recently available, page 1", "page", [f"{p}/recently-available?page=1"]),
        Scenario("uncached: duplicates, page 1", "page", [f"{p}/duplicates?page=1"]),
        Scenario("uncached: dashboard", "dashboard", ["/api/v1/dashboard"]),
    ]


def measure_uncached(sc: Scenario, server: Server, token: str, trials: int, env: syncbench.Env) -> dict[str, Any]:
    """``trials`` times: an allowlist edit through the API (``PATCH /api/v1/allowlists/{id}``, a new expiry a
    year or more away, so the entry still applies: the route's own service, its page-cache bump and its
    change event, and a new dashboard fingerprint), then the first read of the row's page, timed."""
    headers = {"Authorization": f"Bearer {token}"}
    times: list[float] = []
    cpu: list[tuple[float, float]] = []  # (app, Postgres) CPU seconds during each read
    errors = 0
    with httpx.Client(base_url=server.url, headers=headers, timeout=300) as client:
        entries = client.get("/api/v1/allowlists", params={"list": "protected"})
        entries.raise_for_status()
        entry = entries.json()[0]["id"]
        for n in range(trials):
            syncbench.wait_quiet(max_wait=3)
            expiry = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 400 * 86_400 + n))
            w = client.patch(f"/api/v1/allowlists/{entry}", json={"expires_at": expiry})
            if w.status_code != 200:
                raise RuntimeError(f"allowlist edit answered {w.status_code}: {w.text}")
            app0, pg0 = server.cpu(), env.pg_cpu()
            t0 = time.perf_counter()
            r = client.get(sc.paths[0])
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((server.cpu() - app0, env.pg_cpu() - pg0))
            errors += r.status_code != 200
    result: dict[str, Any] = {
        "name": sc.name,
        "kind": sc.kind,
        "times": times,
        "median": sorted(times)[len(times) // 2],
        "cpu_app": sorted(c[0] for c in cpu)[len(cpu) // 2] * 1000,
        "cpu_pg": sorted(c[1] for c in cpu)[len(cpu) // 2] * 1000,
        "errors": errors,
        "load": os.getloadavg(),
    }
    log(
        f"{sc.name}: median {result['median']:.0f} ms (each: {', '.join(f'{t:.0f}' for t in times)} ms); "
        f"median CPU ms app {result['cpu_app']:.0f} Postgres {result['cpu_pg']:.0f}; "
        f"load average {result['load'][0]:.2f}"
    )
    drain(server)
    return result


def uncached_verdict(r: dict[str, Any]) -> tuple[float, bool]:
    target = UNCACHED_DASHBOARD_MS if r["kind"] == "dashboard" else UNCACHED_PAGE_MS
    return target, not r["errors"] and r["median"] <= target


async def _client(
    host: str, port: int, paths: list[str], start: int, token: str, deadline: float, lat: list[float], bad: list[str]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = start
    try:
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            req = f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nAccept: */*\r\n\r\n"
            t0 = time.perf_counter()
            writer.write(req.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                raise RuntimeError(f"no Content-Length in the answer to {path}: {head!r}")
            await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            status = head.split(b" ", 2)[1]
            if status != b"200":
                bad.append(f"{path}: {status.decode()}")
    finally:
        writer.close()


async def _load(url: str, paths: list[str], token: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """``concurrency`` clients send requests back to back for ``seconds``; requests still running
    30 s after that are abandoned and counted as failures (and their latency as 30 s + the window)."""
    host, port = url.removeprefix("http://").split(":")
    lat: list[float] = []
    bad: list[str] = []
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    tasks = [
        asyncio.ensure_future(_client(host, int(port), paths, n, token, deadline, lat, bad)) for n in range(concurrency)
    ]
    _, pending = await asyncio.wait(tasks, timeout=seconds + 30)
    for task in pending:
        task.cancel()
        bad.append("abandoned after the window + 30 s")
        lat.append(time.perf_counter() - t0)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            bad.append(repr(task.exception()))
    wall = time.perf_counter() - t0
    return {"latencies": lat, "wall": wall, "errors": bad[:5], "n_errors": len(bad), "cpu": time.process_time() - cpu0}


def load_main(args: argparse.Namespace) -> None:
    import uvloop

    paths = orjson.loads(args.paths)
    result = uvloop.run(_load(args.url, paths, args.token, args.seconds, args.concurrency))
    Path(args.out).write_bytes(orjson.dumps(result))


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000 if s else float("nan")


# ----------------------------------------------------------------------------- set-up
def start_sim(workdir: Path, generate: dict[str, Any]) -> syncbench.Sim:
    """The simulator with the world's clock set to now, so "recently added" and "stale" mean today."""
    return syncbench.start_sim("reports", workdir, generate, seed=7, now=int(time.time()), timeout=900, poll=0.5)


async def _add_seerr(db_url: str, sim: syncbench.Sim, account_id: str) -> None:
    from janitor.accounts.models import Account
    from janitor.connections.models import ConnectionKind
    from janitor.connections.service import ConnectionService
    from janitor.core.context import build_context, close_context

    settings = syncbench._settings(db_url, sim)
    ctx = await build_context(settings)
    try:
        async with ctx.sessionmaker() as session:
            account = await session.get(Account, uuid.UUID(account_id))
            assert account is not None
            seerr = sim.info["jellyseerr"]
            await ConnectionService(session, account, settings=settings).create(
                ConnectionKind.JELLYSEERR, url=seerr["base_url"], secret=seerr["api_key"], name=None, verify_tls=False
            )
            await session.commit()
    finally:
        await close_context(ctx)


async def _choose_languages(db_url: str, sim: syncbench.Sim, account_id: str) -> None:
    """The owner's languages (English and French audio, French subtitles): the languages report lists
    nothing before they are chosen."""
    from janitor.core.context import build_context, close_context
    from janitor.reports.schemas import LanguagesIn
    from janitor.reports.service import ReportSettingsService

    ctx = await build_context(syncbench._settings(db_url, sim))
    try:
        async with ctx.sessionmaker() as session:
            choice = LanguagesIn(audio=["en", "fr"], subtitles=["fr"])
            await ReportSettingsService(session, uuid.UUID(account_id)).choose_languages(choice)
            await session.commit()
    finally:
        await close_context(ctx)


ALLOWLISTS_SQL = """
INSERT INTO allowlist_entries (id, account_id, list, connection_id, upstream_id, title)
SELECT gen_random_uuid(), m.account_id, l.name, m.connection_id, m.upstream_id, m.title
FROM (SELECT * FROM media_items WHERE account_id = $1 AND kind = $2 ORDER BY id LIMIT $3) m,
     (SELECT unnest($4::text[]) AS name) l
ON CONFLICT DO NOTHING
"""


async def _allowlists(db_url: str, account_id: str) -> int:
    """A realistic handful of allowlist entries: protected movies and shows, language exemptions."""
    conn = await asyncpg.connect(syncbench._dsn(db_url))
    try:
        a = uuid.UUID(account_id)
        await conn.execute(ALLOWLISTS_SQL, a, "movie", 60, ["protected"])
        await conn.execute(ALLOWLISTS_SQL, a, "show", 15, ["protected", "language_exempt"])
        await conn.execute(ALLOWLISTS_SQL, a, "episode", 20, ["episode_exempt"])
        await conn.execute(
            "INSERT INTO allowlist_entries (id, account_id, list, guid, title) SELECT gen_random_uuid(), $1, "
            "'protected', 'tmdb:' || (m.guids ->> 'tmdb'), m.title FROM media_items m WHERE m.account_id = $1 "
            "AND m.kind = 'movie' AND m.guids ? 'tmdb' ORDER BY m.id DESC LIMIT 10 ON CONFLICT DO NOTHING",
            a,
        )
        return int(await conn.fetchval("SELECT count(*) FROM allowlist_entries WHERE account_id = $1", a))
    finally:
        await conn.close()


async def _shape(db_url: str, account_id: str) -> dict[str, Any]:
    conn = await asyncpg.connect(syncbench._dsn(db_url))
    try:
        a = uuid.UUID(account_id)
        kinds = {
            r["kind"]: r["n"]
            for r in await conn.fetch(
                "SELECT kind, count(*) AS n FROM media_items WHERE account_id = $1 AND NOT gone GROUP BY kind", a
            )
        }
        extra = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM watch_events WHERE account_id = $1) AS plays,"
            " (SELECT count(*) FROM media_requests WHERE account_id = $1) AS requests,"
            " (SELECT count(*) FROM media_items WHERE account_id = $1 AND kind IN ('movie', 'episode')"
            "   AND streams_synced_at IS NOT NULL) AS with_languages,"
            " (SELECT count(*) FROM media_items WHERE account_id = $1 AND jsonb_array_length(parts) > 1) AS multi,"
            " pg_size_pretty(pg_database_size(current_database())) AS db_size",
            a,
        )
        return {"kinds": kinds, **dict(extra)}
    finally:
        await conn.close()


def access_token(account_id: str) -> str:
    from janitor.core.security import issue_access_token

    return issue_access_token(uuid.UUID(account_id), key=syncbench.SECRET, ttl_seconds=86_400)


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str

    def pids(self) -> list[psutil.Process]:
        try:
            me = psutil.Process(self.proc.pid)
            return [me, *me.children(recursive=True)]
        except psutil.Error:
            return []

    def cpu(self) -> float:
        return sum(syncbench.cpu_seconds(p) for p in self.pids())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def serve(
    name: str, target: str, workdir: Path, env: dict[str, str], workers: int, probe: str, profile: Path | None = None
) -> Server:
    """``uvicorn`` the way the Dockerfile runs it (uvloop + httptools by default, no access log);
    with ``profile``, under ``py-spy record`` (raw collapsed stacks, written when it stops)."""
    from janitor.devtools.services import free_port

    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    if target.startswith("janitor."):
        cmd.append("--factory")
    if profile is not None:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        cmd = [spy, "record", "--rate", "200", "--format", "raw", "--subprocesses", "-o", str(profile), "--", *cmd]
    out = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + probe, timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start; see {out.name}")
        time.sleep(0.3)
    return Server(name, proc, url)


# ----------------------------------------------------------------------------- EXPLAIN
async def _explain(db_url: str, account_id: str, lib: str) -> list[tuple[str, str, float]]:
    """Run each report as the API does (same functions, same parameters as the load) with a listener
    that records every statement, then ``EXPLAIN (ANALYZE, BUFFERS)`` the report queries."""
    from datetime import UTC, datetime

    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from janitor.core.db import create_engine
    from janitor.reports.common import PageParams
    from janitor.reports.dashboard import dashboard
    from janitor.reports.duplicates import duplicate_groups
    from janitor.reports.languages import language_issues
    from janitor.reports.large import large_movies
    from janitor.reports.requests import recently_available, request_report
    from janitor.reports.service import ReportSettingsService
    from janitor.reports.stale import stale_items

    engine = create_engine(db_url, pool_size=1)  # the app's engine: the same server settings (jit off)
    captured: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    a = uuid.UUID(account_id)
    now = datetime.now(UTC)
    out: list[tuple[str, str, float]] = []
    try:
        async with async_sessionmaker(engine)() as session:
            settings = await ReportSettingsService(session, a).get()
            runs: list[tuple[str, Any]] = [
                ("large (sort=size)", lambda: large_movies(session, a, PageParams(sort="size"), threshold_gb=13)),
                (
                    "large (sort=title asc, q=the, library)",
                    lambda: large_movies(
                        session,
                        a,
                        PageParams(sort="title", order="asc", q="the", library_id=uuid.UUID(lib)),
                        threshold_gb=13,
                    ),
                ),
                (
                    "stale (sort=last_watched)",
                    lambda: stale_items(session, a, PageParams(), settings=settings, now=now),
                ),
                (
                    "stale (sort=size, q=night)",
                    lambda: stale_items(session, a, PageParams(sort="size", q="night"), settings=settings, now=now),
                ),
                (
                    "languages (all, sort=title)",
                    lambda: language_issues(session, a, PageParams(sort="title", order="asc"), settings=settings),
                ),
                (
                    "requests (all, sort=age)",
                    lambda: request_report(session, a, PageParams(), settings=settings, now=now),
                ),
                (
                    "recently available",
                    lambda: recently_available(session, a, PageParams(), settings=settings, now=now),
                ),
                ("duplicates (page 1)", lambda: duplicate_groups(session, a, PageParams(), settings=settings)),
                ("dashboard", lambda: dashboard(session, a, settings=settings, now=now)),
            ]
            for label, call in runs:
                captured.clear()
                await call()
                statements = list(captured)
                raw = await (await session.connection()).get_raw_connection()
                pg = raw.driver_connection
                assert pg is not None
                for n, (sql, params) in enumerate(statements):
                    if not any(t in sql for t in REPORT_TABLES):
                        continue
                    args = list(params) if isinstance(params, list | tuple) else []
                    rows = await pg.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
                    plan = "\n".join(r[0] for r in rows)
                    total = next(
                        (float(r[0].split(":")[1].split()[0]) for r in rows if r[0].startswith("Execution Time")), 0.0
                    )
                    out.append((f"{label} #{n + 1}", plan, total))
            await session.rollback()
    finally:
        await engine.dispose()
    return out


# ----------------------------------------------------------------------------- main
def measure(
    sc: Scenario, server: Server, token: str, seconds: float, env: syncbench.Env, workdir: Path
) -> dict[str, Any]:
    # one cold request first (nothing warmed for this path yet), then 5 sequential ones on one
    # keep-alive connection (unloaded latency), then the concurrent load
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=300) as client:
        t0 = time.perf_counter()
        try:
            r = client.get(sc.paths[0])
        except httpx.TimeoutException:
            log(f"{sc.name}: no answer within 300 s; not loaded")
            drain(server, max_wait=600)
            return {
                "name": sc.name,
                "kind": sc.kind,
                "skipped": "no answer within 300 s",
                "cold": 300_000.0,
                "rows": 0,
                "total": None,
                "errors": 1,
            }
        cold = (time.perf_counter() - t0) * 1000
        body = r.json() if r.status_code == 200 else {}
        rows = len(body.get("items", [])) if isinstance(body, dict) else 0
        total = body.get("total") if isinstance(body, dict) else None
        # The first request may fill something (the dashboard stores its summary): judge by the second.
        t1 = time.perf_counter()
        second = client.get(sc.paths[0]) if r.status_code == 200 else r
        again = (time.perf_counter() - t1) * 1000
        if second.status_code != 200 or again > SKIP_LOAD_MS:
            # one request already misses every target by far: a concurrent load would only queue
            log(f"{sc.name}: answered {second.status_code} in {cold:,.0f} ms, then in {again:,.0f} ms; not loaded")
            drain(server)
            return {
                "name": sc.name,
                "kind": sc.kind,
                "skipped": f"one request: {second.status_code} in {again / 1000:.1f} s; not loaded",
                "cold": cold,
                "rows": rows,
                "total": total,
                "errors": int(second.status_code != 200),
            }
        single = []
        for path in (sc.paths * 5)[:5]:
            t1 = time.perf_counter()
            client.get(path)
            single.append(time.perf_counter() - t1)
    out = workdir / "load.json"
    syncbench.wait_quiet(max_wait=10)
    app0, pg0, busy0 = server.cpu(), env.pg_cpu(), syncbench.busy_cpu()
    cmd = [
        sys.executable,
        str(BENCH / "reports.py"),
        "load",
        "--url",
        server.url,
        "--token",
        token,
        "--seconds",
        str(seconds),
        "--concurrency",
        str(CONCURRENCY),
        "--paths",
        orjson.dumps(sc.paths).decode(),
        "--out",
        str(out),
    ]
    subprocess.run(cmd, check=True, cwd=ROOT)
    res: dict[str, Any] = orjson.loads(out.read_bytes())
    app_cpu, pg_cpu = server.cpu() - app0, env.pg_cpu() - pg0
    busy = syncbench.busy_cpu() - busy0
    lat = res["latencies"]
    result = {
        "name": sc.name,
        "kind": sc.kind,
        "n": len(lat),
        "rps": len(lat) / res["wall"],
        "p50": pct(lat, 0.50),
        "p95": pct(lat, 0.95),
        "p99": pct(lat, 0.99),
        "cold": cold,
        "single": pct(single, 0.5),
        "rows": rows,
        "total": total,
        "errors": res["n_errors"],
        "error_samples": res["errors"],
        "cpu_app": app_cpu,
        "cpu_pg": pg_cpu,
        "cpu_load": res["cpu"],
        "cpu_other": max(0.0, busy - app_cpu - pg_cpu - res["cpu"]),
        "wall": res["wall"],
    }
    log(
        f"{sc.name}: {result['rps']:.0f} req/s p50 {result['p50']:.1f} p95 {result['p95']:.1f} "
        f"p99 {result['p99']:.1f} ms (cold {cold:.0f} ms, single {result['single']:.1f} ms, rows {rows}, total {total})"
        f"; CPU s app {app_cpu:.1f} pg {pg_cpu:.1f} load generator {res['cpu']:.1f} other {result['cpu_other']:.1f}"
    )
    if res["n_errors"]:
        log(f"{sc.name}: {res['n_errors']} failed requests, e.g. {res['errors']}")
    drain(server)
    return result


def drain(server: Server, max_wait: float = 180.0) -> None:
    """Wait until the app is idle: abandoned requests keep running (and holding connections) after
    their client went away, and must not slow down the next row."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < max_wait:
        before = server.cpu()
        time.sleep(1.0)
        if server.cpu() - before < 0.05:
            return
    log(f"{server.name} still busy after {max_wait:.0f}s")


def verdict(r: dict[str, Any], bare_rps: float) -> tuple[str, bool]:
    if "skipped" in r:
        return TARGETS[r["kind"]], False
    if r["errors"]:
        return f"{r['errors']} failed requests", False
    if r["kind"] == "bare":
        return "reference", True
    if r["kind"] == "duplicates":
        return f"p95 <= {DUPLICATES_MS:.0f} ms", r["p95"] <= DUPLICATES_MS
    if r["kind"] == "dashboard":
        return f"p95 <= {DASHBOARD_MS:.0f} ms", r["p95"] <= DASHBOARD_MS
    share = r["rps"] / bare_rps if bare_rps else 0.0
    return f"p95 <= {PAGE_P95_MS:.0f} ms, >= {BARE_SHARE:.0%} of bare req/s", (
        r["p95"] <= PAGE_P95_MS and share >= BARE_SHARE
    )


def render(
    results: list[dict[str, Any]],
    uncached: list[dict[str, Any]],
    meta: dict[str, Any],
    plans: list[tuple[str, str, float]],
) -> tuple[str, int]:
    bare = next(r for r in results if r["kind"] == "bare")["rps"]
    lines = [
        f"# Report benchmarks ({meta['when']})",
        "",
        f"Machine: {meta['machine']}, load average {meta['load']} (1 / 5 / 15 min) at the end. "
        f"App: uvicorn, {meta['workers']} worker(s), uvloop + httptools, "
        f"{CONCURRENCY} concurrent keep-alive clients for {meta['seconds']:.0f} s per row (load generator in its own "
        "process on the same 2 cores).",
        f"Tenant: {meta['shape']}",
        f"Seed: simulator world built in {meta['sim_build']:.0f} s, product sync {meta['sync']}.",
        "",
        "| report | target | req/s | % of bare | p50 ms | p95 ms | p99 ms | cold ms | 1 client ms | rows/total | |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    misses = 0
    for r in results:
        target, ok = verdict(r, bare)
        misses += not ok
        if "skipped" in r:
            lines.append(f"| {r['name']} | {target} | {r['skipped']} | | | | | {r['cold']:,.0f} | | | MISS |")
            continue
        lines.append(
            f"| {r['name']} | {target} | {r['rps']:,.0f} | {100 * r['rps'] / bare:.0f}% | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {r['p99']:.1f} | {r['cold']:.0f} | {r['single']:.1f} | "
            f"{r['rows']}/{r['total'] if r['total'] is not None else '-'} | {'pass' if ok else 'MISS'} |"
        )
    lines += ["", "CPU seconds during each load (app / Postgres / load generator / other processes):", ""]
    lines += [
        f"* {r['name']}: {r['cpu_app']:.1f} / {r['cpu_pg']:.1f} / {r['cpu_load']:.1f} / {r['cpu_other']:.1f}"
        for r in results
        if "skipped" not in r
    ]
    if uncached:
        lines += [
            "",
            f"First read of a page right after a write of the account (an allowlist edit through the API), "
            f"{UNCACHED_TRIALS} times per row; judged by the median:",
            "",
            "| uncached | target | median ms | each ms | CPU ms app / Postgres (median) | load average (1 min) | |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in uncached:
            limit, ok = uncached_verdict(r)
            misses += not ok
            each = ", ".join(f"{t:.0f}" for t in r["times"])
            errs = f" ({r['errors']} failed)" if r["errors"] else ""
            lines.append(
                f"| {r['name']} | <= {limit:.0f} ms | {r['median']:.0f}{errs} | {each} | "
                f"{r['cpu_app']:.0f} / {r['cpu_pg']:.0f} | {r['load'][0]:.2f} | {'PASS' if ok else 'FAIL'} |"
            )
    lines += ["", f"{misses} target(s) missed.", "", "## EXPLAIN (ANALYZE, BUFFERS) of each report query", ""]
    for label, plan, ms in plans:
        lines += [f"### {label}: {ms:.1f} ms", "", "```", plan, "```", ""]
    return "\n".join(lines), misses


def summarize(path: Path, top: int = 25) -> str:
    """The hottest functions of the app by self time and the product's by inclusive time."""
    from collections import Counter

    selfc: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or "_find_and_load" in stack:
            continue
        frames = [f.split(" (")[0] + " (" + f.rsplit("/", 1)[-1] for f in stack.split(";")]
        if not any("site-packages" in f or "janitor/" in f for f in stack.split(";")):
            continue  # idle: the event loop waiting
        count = int(n)
        total += count
        selfc[frames[-1]] += count
        for f in set(frames):
            incl[f] += count
    if not total:
        return "(no samples)"
    out = [f"{total} busy samples; self time:"]
    out += [f"  {100 * c / total:5.1f}%  {f}" for f, c in selfc.most_common(top)]
    out.append("inclusive:")
    out += [f"  {100 * c / total:5.1f}%  {f}" for f, c in incl.most_common(top * 2)]
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(prog="bench/reports.py")
    sub = p.add_subparsers(dest="cmd")
    ld = sub.add_parser("load", help="(internal) the load generator process")
    ld.add_argument("--url", required=True)
    ld.add_argument("--token", required=True)
    ld.add_argument("--paths", required=True)
    ld.add_argument("--seconds", type=float, required=True)
    ld.add_argument("--concurrency", type=int, default=CONCURRENCY)
    ld.add_argument("--out", required=True)
    p.add_argument("--quick", action="store_true", help="a tenth of the data, 3 s per row")
    p.add_argument("--workers", type=int, default=1, help="uvicorn workers (the Dockerfile runs 1)")
    p.add_argument("--seconds", type=float, help="load duration per row")
    p.add_argument("--only", help="comma-separated substrings of row names to run (the bare row always runs)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, database) afterwards")
    p.add_argument("--profile", action="store_true", help="run the app under py-spy; summary in the output")
    p.add_argument("--hold", action="store_true", help="seed, print the database URL and wait (for EXPLAIN by hand)")
    args = p.parse_args()
    if args.cmd == "load":
        load_main(args)
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop servers and remove files on the way out
    size = QUICK if args.quick else FULL
    seconds = args.seconds or size["seconds"]
    RESULTS.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="janitor-reports-bench-"))
    env = syncbench.Env(workdir)
    sim: syncbench.Sim | None = None
    servers: list[Server] = []
    try:
        syncbench.make_template(env)
        db = syncbench.fresh_db(env, "reports")
        sim = start_sim(
            workdir,
            {
                "tracks": size["tracks"],
                "movies": size["movies"],
                "episodes": size["episodes"],
                "requests": size["requests"],
                "jellyfin": False,
                "seerr": True,
            },
        )
        ids = syncbench.setup_account(db, sim, "plex", {"Movies", "TV Shows", "Music"}, queue=False)
        asyncio.run(_add_seerr(db, sim, ids["account"]))
        asyncio.run(_choose_languages(db, sim, ids["account"]))
        syncbench.queue_run(db, ids["account"], full=True)
        runner = syncbench.Runner(env, profile=False)
        synced = runner.run("sync", "sync", db, sim, "--account", ids["account"], quiet=False)
        sim.stop()
        n_allow = asyncio.run(_allowlists(db, ids["account"]))
        vac = asyncio.run(_vacuum(db))
        shape = asyncio.run(_shape(db, ids["account"]))
        log(f"tenant: {shape}; {n_allow} allowlist entries; vacuum analyze {vac:.1f}s")
        token = access_token(ids["account"])
        if args.hold:
            log(f"holding: {db} (account {ids['account']}); Ctrl-C or SIGTERM ends it")
            while True:
                time.sleep(3600)
        app_env = {
            **os.environ,
            "JANITOR_DATABASE_URL": db,
            "JANITOR_LOG_LEVEL": "INFO",
            "JANITOR_SPA_DIR": str(workdir / "no-spa"),
        }
        profile = RESULTS / "profile-reports-app.txt" if args.profile else None
        app = serve("app", "janitor.main:create_app", workdir, app_env, args.workers, "/api/healthz", profile)
        bare = serve("bare", "bare_app:app", workdir, {**app_env, "PYTHONPATH": str(BENCH)}, args.workers, "/bare")
        servers = [app, bare]
        results = []
        for sc in scenarios(ids):
            if args.only and sc.kind != "bare" and not any(s in sc.name for s in args.only.split(",")):
                continue
            results.append(measure(sc, bare if sc.kind == "bare" else app, token, seconds, env, workdir))
        uncached = [
            measure_uncached(sc, app, token, UNCACHED_TRIALS, env)
            for sc in uncached_scenarios()
            if not args.only or any(s in sc.name for s in args.only.split(","))
        ]
        if profile is not None:
            app.stop()
            servers.remove(app)
        plans = asyncio.run(_explain(db, ids["account"], ids["library"]))
        meta = {
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{psutil.cpu_count()} CPUs",
            "load": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
            "workers": args.workers,
            "seconds": seconds,
            "shape": _describe(shape, n_allow),
            "sim_build": sim.build_s,
            "sync": f"{synced['items']:,} items in {synced['wall']:.0f} s",
        }
        report, misses = render(results, uncached, meta, plans)
        if profile is not None and profile.exists():
            report += "\n## py-spy profile of the app (all rows)\n\n```\n" + summarize(profile) + "\n```\n"
        (RESULTS / "reports.md").write_text(report)
        print(report)
        print(f"\nwritten to {RESULTS / 'reports.md'}")
        return 1 if misses else 0
    finally:
        for s in servers:
            s.stop()
        if sim is not None:
            sim.stop()
        env.stop()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


async def _vacuum(db_url: str) -> float:
    """What autovacuum would have done by the time anyone opens a report after a big first sync."""
    conn = await asyncpg.connect(syncbench._dsn(db_url))
    try:
        t0 = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")
        return time.perf_counter() - t0
    finally:
        await conn.close()


def _describe(shape: dict[str, Any], n_allow: int) -> str:
    k = shape["kinds"]
    video = k.get("movie", 0) + k.get("episode", 0)
    return (
        f"{k.get('track', 0):,} tracks, {video:,} video items ({k.get('movie', 0):,} movies, "
        f"{k.get('episode', 0):,} episodes; {shape['with_languages']:,} with languages), {k.get('show', 0):,} shows, "
        f"{k.get('album', 0):,} albums, {k.get('artist', 0):,} artists, {shape['multi']:,} multi-version items, "
        f"{shape['plays']:,} plays, {shape['requests']:,} Jellyseerr requests, {n_allow} allowlist entries; "
        f"database {shape['db_size']}"
    )


if __name__ == "__main__":
    sys.exit(main())
