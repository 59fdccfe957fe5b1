"""Sync benchmarks: ``uv run python bench/run.py [--quick] [--profile]``.

Starts a throwaway Postgres and Redis (``janitor.devtools.services``), the simulator in its own
process (``python -m mediasim --scenario ...``), runs every benchmark with each measured unit in a
fresh worker process (``bench/worker.py``), prints one table (target, measured, pass/fail) and
writes it to ``bench/results/latest.md``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
SECRET = "bench-" + "s" * 58

FULL = {
    "tracks": 100_000,
    "movies": 10_000,
    "episodes": 50_000,
    "rss_small": 25_000,
    "rss_large": 250_000,
    "mutate_fraction": 0.01,
}
QUICK = {
    "tracks": 10_000,
    "movies": 1_000,
    "episodes": 5_000,
    "rss_small": 5_000,
    "rss_large": 50_000,
    "mutate_fraction": 0.01,
}
PACE_MS = 150


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------------- processes
def cpu_seconds(proc: psutil.Process, *, children: bool = False) -> float:
    """CPU time of a process; with ``children``, of its reaped and its live children too."""
    try:
        t = proc.cpu_times()
        total = t.user + t.system
        if children:
            total += t.children_user + t.children_system
            for child in proc.children(recursive=True):
                try:
                    c = child.cpu_times()
                    total += c.user + c.system
                except psutil.Error:
                    pass
        return float(total)
    except psutil.Error:
        return 0.0


def busy_cpu() -> float:
    """Machine-wide busy CPU seconds (all cores)."""
    t = psutil.cpu_times()
    return float(sum(t) - t.idle - getattr(t, "iowait", 0.0))


def wait_quiet(threshold: float = 25.0, max_wait: float = 90.0) -> tuple[float, float]:
    """Wait (up to ``max_wait`` s) until the machine is below ``threshold``% busy: other people's
    test runs share these 2 cores. Returns (seconds waited, last load %)."""
    t0 = time.monotonic()
    load = psutil.cpu_percent(interval=1.0)
    while load > threshold and time.monotonic() - t0 < max_wait:
        load = psutil.cpu_percent(interval=1.0)
    waited = time.monotonic() - t0
    if load > threshold:
        log(f"machine still {load:.0f}% busy after {waited:.0f}s; measuring anyway (see 'other CPU')")
    return waited, load


@dataclass
class Sim:
    name: str
    proc: subprocess.Popen[bytes]
    base: str
    info: dict[str, Any]
    build_s: float
    ps: psutil.Process = field(init=False)

    def __post_init__(self) -> None:
        self.ps = psutil.Process(self.proc.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.ps)

    @property
    def pms(self) -> dict[str, Any]:
        return dict(self.info["pms"]["home"])

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        r = httpx.request(method, f"{self.base}/_admin{path}", json=body, timeout=60)
        r.raise_for_status()
        return r.json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_sim(
    name: str,
    workdir: Path,
    generate: dict[str, Any],
    *,
    prerender_xml: bool = False,
    seed: int = 1,
    now: int | None = None,
    timeout: float = 600,
    poll: float = 0.2,
) -> Sim:
    """The simulator in its own process; ``now`` dates the world (default: the simulator's fixed day)."""
    from janitor.devtools.services import free_port

    port = free_port()
    scenario = workdir / f"scenario-{name}.json"
    scenario.write_bytes(
        orjson.dumps({"seed": seed, **({"now": now} if now is not None else {}), "generate": generate})
    )
    # Whole pages stay cached between the warm-up run and the timed one (Jellyfin's 10k movies and 50k
    # episodes with their streams are 210 MB: over the default budget, the cache would start over).
    cmd = [
        sys.executable,
        "-m",
        "mediasim",
        "--scenario",
        str(scenario),
        "--port",
        str(port),
        "--page-cache-mb",
        "1024",
    ]
    if prerender_xml:
        cmd.append("--prerender-xml")
    out = open(workdir / f"sim-{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            info = httpx.get(base + "/_admin", timeout=5).json()
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"simulator {name} did not start; see {out.name}") from None
            time.sleep(poll)
    build = time.perf_counter() - t0
    log(f"simulator {name} up in {build:.1f}s ({generate})")
    return Sim(name, proc, base, info, build)


class Env:
    """Postgres + Redis + settings shared by every benchmark of a run."""

    def __init__(self, workdir: Path) -> None:
        from janitor.devtools.services import PostgresServer, RedisServer

        self.workdir = workdir
        self.pg = PostgresServer(workdir / "pg").start()
        self.redis = RedisServer(workdir / "redis").start()
        pid = int((self.pg.data / "postmaster.pid").read_text().split()[0])
        self.postmaster = psutil.Process(pid)
        os.environ.update(
            {
                "JANITOR_ENV": "test",
                "JANITOR_REDIS_URL": self.redis.url,
                "JANITOR_SECRET_KEY": SECRET,
                "JANITOR_ALLOW_PRIVATE_NETWORKS": "true",
                "JANITOR_LOG_LEVEL": "WARNING",
                "JANITOR_BCRYPT_ROUNDS": "4",
            }
        )

    def pg_cpu(self) -> float:
        return cpu_seconds(self.postmaster, children=True)

    def url(self, db: str) -> str:
        return self.pg.url.rsplit("/", 1)[0] + f"/{db}"

    def stop(self) -> None:
        self.redis.stop()
        self.pg.stop()


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin_sql(env: Env, sql: str) -> None:
    conn = await asyncpg.connect(_dsn(env.url("postgres")))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def make_template(env: Env) -> None:
    from janitor.core.migrations import upgrade_to_head

    asyncio.run(_admin_sql(env, 'CREATE DATABASE "bench_tmpl"'))
    errors: list[BaseException] = []

    def target() -> None:  # alembic's env calls asyncio.run(): give it a thread without a loop
        try:
            upgrade_to_head(env.url("bench_tmpl"))
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def fresh_db(env: Env, name: str) -> str:
    """A new database cloned from the migrated template (an empty, fully migrated schema)."""
    asyncio.run(_admin_sql(env, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin_sql(env, f'CREATE DATABASE "{name}" TEMPLATE "bench_tmpl"'))
    return env.url(name)


# ----------------------------------------------------------------------------- set-up (not timed)
def _settings(db_url: str, sim: Sim | None = None) -> Any:
    from janitor.core.config import Settings

    extra: dict[str, Any] = {}
    if sim is not None:
        extra = {"plex_tv_url": sim.info["plextv"]["base_url"], "plex_auth_url": sim.info["plextv"]["auth_app_url"]}
    return Settings(database_url=db_url, **extra)


async def _setup_account(db_url: str, sim: Sim, kind: str, enable: set[str]) -> dict[str, str]:
    from janitor.accounts.models import Account
    from janitor.connections.models import ConnectionKind
    from janitor.connections.service import ConnectionService
    from janitor.core.context import build_context, close_context

    settings = _settings(db_url, sim)
    ctx = await build_context(settings)
    try:
        async with ctx.sessionmaker() as session:
            account = Account(email=f"bench-{uuid.uuid4().hex[:10]}@example.com", password_hash="x")
            session.add(account)
            await session.flush()
            svc = ConnectionService(session, account, settings=settings)
            if kind == "plex":
                pms = sim.pms
                conn = await svc.create(
                    ConnectionKind.PLEX, url=pms["base_url"], secret=pms["owner_token"], name=None, verify_tls=False
                )
            else:
                jf = sim.info["jellyfin"]
                admin = next(u for u in jf["users"] if u["admin"])
                conn = await svc.create(
                    ConnectionKind.JELLYFIN,
                    url=jf["base_url"],
                    secret=jf["api_key"],
                    name=None,
                    verify_tls=False,
                    user_id=admin["id"],
                )
            libs = await svc.list_libraries(conn.id)
            chosen = [lib for lib in libs if lib.title in enable]
            if len(chosen) != len(enable):
                raise RuntimeError(f"libraries {enable} not all found in {[lib.title for lib in libs]}")
            for lib in libs:
                lib.enabled = lib in chosen
            await session.commit()
            return {
                "account": str(account.id),
                "connection": str(conn.id),
                "library": str(chosen[0].id),
                "library_key": chosen[0].upstream_key,
            }
    finally:
        await close_context(ctx)


async def _queue_run(db_url: str, account_id: str, full: bool = True) -> None:
    from janitor.core.context import build_context, close_context
    from janitor.core.queue import JobBuffer
    from janitor.sync.service import SyncService

    ctx = await build_context(_settings(db_url))
    try:
        async with ctx.sessionmaker() as session:
            _, created = await SyncService(session, uuid.UUID(account_id), jobs=JobBuffer()).start(full=full)
            assert created
            await session.commit()
    finally:
        await close_context(ctx)


def setup_account(db_url: str, sim: Sim, kind: str, enable: set[str], *, queue: bool = True) -> dict[str, str]:
    ids = asyncio.run(_setup_account(db_url, sim, kind, enable))
    if queue:
        asyncio.run(_queue_run(db_url, ids["account"]))
    return ids


def queue_run(db_url: str, account_id: str, *, full: bool) -> None:
    asyncio.run(_queue_run(db_url, account_id, full))


async def _fetch(db_url: str, sql: str) -> list[Any]:
    conn = await asyncpg.connect(_dsn(db_url))
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


def fetch(db_url: str, sql: str) -> list[Any]:
    return asyncio.run(_fetch(db_url, sql))


# ----------------------------------------------------------------------------- running a unit
class Runner:
    def __init__(self, env: Env, profile: bool) -> None:
        self.env = env
        self.profile = profile
        self.profiles: list[tuple[str, Path]] = []
        self.units: dict[str, dict[str, Any]] = {}
        self.max_wait = 60.0
        self.trace = False
        self.skip_seed = False

    @staticmethod
    def _worker_cpu(result: dict[str, Any]) -> float:
        # the whole worker process (imports and set-up too) ran inside the window
        return float(result.get("process_cpu", result["cpu"]))

    def run(
        self, label: str, mode: str, db_url: str, sim: Sim, *args: str, profile: bool = False, quiet: bool = True
    ) -> dict[str, Any]:
        out = self.env.workdir / f"{label}.json"
        cmd = [sys.executable, str(BENCH / "worker.py"), mode, "--out", str(out), *args]
        if self.trace and mode == "sync":
            cmd.append("--trace")
        prof_path: Path | None = None
        if profile and self.profile:
            spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            prof_path = RESULTS / f"profile-{label}.txt"
            cmd = [spy, "record", "--rate", "250", "--format", "raw", "--output", str(prof_path), "--", *cmd]
        env = {
            **os.environ,
            "JANITOR_DATABASE_URL": db_url,
            # The sync asks plex.tv for the owner's home users and friends: the simulator's plex.tv.
            "JANITOR_PLEX_TV_URL": sim.info["plextv"]["base_url"],
            "PYTHONUNBUFFERED": "1",
        }
        logf = self.env.workdir / f"{label}.log"
        waited, load = wait_quiet(max_wait=self.max_wait) if quiet else (0.0, 0.0)
        sim0, pg0, busy0 = sim.cpu(), self.env.pg_cpu(), busy_cpu()
        t0 = time.perf_counter()
        with open(logf, "wb") as f:
            proc = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, check=False)
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"{label} failed ({proc.returncode}); log: {logf}\n{logf.read_text()[-3000:]}")
        result: dict[str, Any] = orjson.loads(out.read_bytes())
        result["sim_cpu"] = sim.cpu() - sim0
        result["pg_cpu"] = self.env.pg_cpu() - pg0
        result["process_wall"] = elapsed
        # CPU used on the machine by everything else while this unit ran (other users' tests...)
        busy = busy_cpu() - busy0
        result["other_cpu"] = max(0.0, busy - result["sim_cpu"] - result["pg_cpu"] - self._worker_cpu(result))
        result["load_before"] = load
        result["waited"] = waited
        self.units[label] = result
        if prof_path is not None:
            self.profiles.append((label, prof_path))
        status = result.get("status")
        extra = f" status={status}" if status else ""
        steps = ", ".join(f"{k} {v:.2f}s" for k, v in (result.get("end_of_run") or {}).items() if v)
        log(
            f"{label}: {result.get('items')} items in {result['wall']:.2f}s{extra}; "
            f"cpu worker {result['cpu']:.1f}s sim {result['sim_cpu']:.1f}s pg {result['pg_cpu']:.1f}s "
            f"other processes {result['other_cpu']:.1f}s; peak RSS {result['maxrss_mb']:.0f} MB"
            + (f"; end of run: {steps}" if steps else "")
        )
        if status and status != "complete":
            raise RuntimeError(f"{label}: run ended {status}: {result.get('error')}")
        return result


def summarize_profile(path: Path, top: int = 18) -> str:
    """py-spy raw (collapsed) stacks: the hottest functions by self and by inclusive samples, and the
    hottest lines of product code. Only samples of the running event loop count, minus imports (the
    timed part, with the HTTP tasks that ``pages()`` and ``_details()`` spawn)."""
    selfc: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    lines_c: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or "run_until_complete" not in stack or "_find_and_load" in stack:
            continue
        count = int(n)
        total += count
        raw = stack.split(";")
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")" for f in raw]
        selfc[frames[-1]] += count
        for f in set(frames):
            incl[f] += count
        for f in reversed(raw):  # innermost product line
            if "janitor/" in f:
                lines_c[f.split(" (", 1)[-1].rstrip(")").split("janitor/", 1)[-1]] += count
                break
    if not total:
        return "(no samples)"

    def pct(c: int) -> str:
        return f"{100 * c / total:5.1f}%"

    out = [f"{total} samples of the timed part; self time:"]
    out += [f"  {pct(c)}  {f}" for f, c in selfc.most_common(top)]
    out.append("inclusive, product code:")
    keys = ("runner.py", "plex.py", "jellyfin.py", "upsert.py", "mapping.py", "paging.py", "progress.py")
    keys += ("base.py", "history.py", "languages.py")
    ours = [(f, c) for f, c in incl.most_common() if any(k in f for k in keys)]
    out += [f"  {pct(c)}  {f}" for f, c in ours[:top]]
    out.append("innermost product line on the stack:")
    out += [f"  {pct(c)}  {f}" for f, c in lines_c.most_common(12)]
    return "\n".join(out)


# ----------------------------------------------------------------------------- the benchmarks
@dataclass
class Row:
    no: int
    name: str
    target: str
    measured: str
    ok: bool | None
    notes: str = ""


def cpu_note(r: dict[str, Any]) -> str:
    return (
        f"CPU s: worker {r['cpu']:.1f}, simulator {r['sim_cpu']:.1f}, Postgres {r['pg_cpu']:.1f}, "
        f"other processes on the machine {r['other_cpu']:.1f}"
    )


def rate(items: float, seconds: float) -> float:
    return items / seconds if seconds else 0.0


def run_seed(env: Env, runner: Runner, sim: Sim) -> dict[str, Any]:
    sdb = fresh_db(env, "music_seed")
    sids = setup_account(sdb, sim, "plex", {"Music"}, queue=False)
    return runner.run(
        "music-seed",
        "seed",
        sdb,
        sim,
        "--account",
        sids["account"],
        "--connection",
        sids["connection"],
        "--library",
        sids["library"],
        "--base-url",
        sim.pms["base_url"],
        "--token",
        sim.pms["owner_token"],
        "--section",
        "Music",
    )


def bench_music(env: Env, runner: Runner, size: dict[str, Any], rows: list[Row], notes: list[str]) -> None:
    n = size["tracks"]
    sim = start_sim(
        "music",
        env.workdir,
        {"tracks": n, "movies": 50, "episodes": 50, "requests": 5, "jellyfin": False, "seerr": False},
        prerender_xml=True,
    )
    try:
        # Warm the simulator's page cache with the very requests of a sync (into a scratch DB):
        # the measured runs then see a server that answers from memory, as "zero added latency" means.
        scratch = fresh_db(env, "music_warmup")
        ids = setup_account(scratch, sim, "plex", {"Music"})
        runner.run("music-warmup", "sync", scratch, sim, "--account", ids["account"], quiet=False)

        # 1. cold sync, fresh database
        db = fresh_db(env, "music")
        ids = setup_account(db, sim, "plex", {"Music"})
        cold = runner.run("music-cold", "sync", db, sim, "--account", ids["account"], profile=True)
        items = cold["items"]
        r1 = rate(items, cold["wall"])
        rows.append(
            Row(
                1,
                f"Plex music cold sync ({n:,} tracks; {items:,} items incl. artists+albums)",
                ">= 25,000 items/s",
                f"{r1:,.0f} items/s ({cold['wall']:.2f} s)",
                r1 >= 25_000,
                f"{cold['requests']} requests (history included); " + cpu_note(cold),
            )
        )

        # 3. the floor: same pages, httpx + orjson + same row tuples + bare COPY into plain tables
        fdb = fresh_db(env, "music_floor")
        fl = runner.run(
            "music-floor",
            "floor",
            fdb,
            sim,
            "--account",
            ids["account"],
            "--connection",
            ids["connection"],
            "--library",
            ids["library"],
            "--base-url",
            sim.pms["base_url"],
            "--token",
            sim.pms["owner_token"],
            "--section-key",
            ids["library_key"],
            "--history",
        )
        # 2. seed-style: python-plexapi objects + one ORM insert per row, commit at the end
        seed = None if runner.skip_seed else run_seed(env, runner, sim)
        if seed is not None:
            speedup = seed["wall"] / cold["wall"]
            per_item = rate(items, cold["wall"]) / rate(seed["items"], seed["wall"])
            rows.append(
                Row(
                    2,
                    "vs seed-style (python-plexapi + ORM add per row), same run",
                    ">= 10x faster",
                    f"{speedup:.1f}x (wall) / {per_item:.1f}x (items/s)",
                    speedup >= 10,
                    f"seed: {seed['items']:,} tracks in {seed['wall']:.1f}s "
                    f"(plexapi fetch+parse {seed['fetch_parse']:.1f}s, ORM {seed['orm_insert']:.1f}s); "
                    "the wall ratio counts ours' extra artists/albums/history against us; " + cpu_note(seed),
                )
            )
        ratio = cold["wall"] / fl["wall"]
        rows.append(
            Row(
                3,
                "vs floor (httpx + orjson + same tuples + bare COPY), same run",
                "<= 3x the floor",
                f"{ratio:.2f}x ({cold['wall']:.2f}s vs {fl['wall']:.2f}s)",
                ratio <= 3,
                f"floor: {fl['items']:,} items + {fl['history_rows']:,} history rows, {fl['requests']} requests, "
                + cpu_note(fl),
            )
        )

        # 5. warm re-sync after changing 1% upstream (deleting 1% of the tracks)
        victims = fetch(
            db,
            "SELECT upstream_id FROM media_items WHERE kind = 'track' ORDER BY upstream_id::bigint",
        )
        step = max(1, round(1 / size["mutate_fraction"]))
        keys = [r["upstream_id"] for r in victims[::step]]
        pms = sim.pms
        with httpx.Client(timeout=60) as c:
            for rk in keys:
                c.delete(f"{pms['base_url']}/library/metadata/{rk}", headers={"X-Plex-Token": pms["owner_token"]})
        missing_sql = "SELECT count(*) AS n FROM media_items WHERE missing_runs > 0"
        variants = [
            ("refresh", False, "'Refresh now' (full=false: changes since the last complete pass)"),
            ("full", True, "full pass (full=true: daily scheduled run; the only kind that marks missing)"),
        ]
        for tag, full, what in variants:
            queue_run(db, ids["account"], full=full)
            warm = runner.run(f"music-warm-{tag}", "sync", db, sim, "--account", ids["account"], profile=True)
            missing = fetch(db, missing_sql)[0]["n"]
            rows.append(
                Row(
                    5,
                    f"warm re-sync, {what}, after {len(keys):,} of {n:,} tracks "
                    f"({size['mutate_fraction']:.0%}) were deleted upstream",
                    # The warm re-sync is the refresh; a full pass must read every item (the
                    # floor's own reading time bounds it), so it is shown without a target.
                    "<= 2 s" if not full else "none (reads every item)",
                    f"{warm['wall']:.2f} s ({warm['items']:,} items read, {warm['requests']} requests)",
                    warm["wall"] <= 2 if not full else None,
                    f"[{tag}] items marked missing afterwards: {missing} (deleted: {len(keys)}); " + cpu_note(warm),
                )
            )
        queue_run(db, ids["account"], full=False)
        same = runner.run("music-refresh-unchanged", "sync", db, sim, "--account", ids["account"])
        rows.append(
            Row(
                5,
                "reference: 'Refresh now' with nothing changed since the last pass",
                "<= 2 s",
                f"{same['wall']:.2f} s ({same['items']:,} items read, {same['requests']} requests)",
                same["wall"] <= 2,
                "[unchanged] " + cpu_note(same),
            )
        )
        lib = fetch(db, f"SELECT id FROM libraries WHERE connection_id = '{ids['connection']}' AND enabled")[0]["id"]
        from janitor.sync.upsert import MARK_MISSING

        mark = MARK_MISSING
        for n_, value in ((1, ids["account"]), (2, ids["connection"]), (3, f"ARRAY['{lib}']"), (4, uuid.uuid4())):
            mark = mark.replace(f"${n_}::uuid[]", f"{value}::uuid[]").replace(f"${n_}", f"'{value}'")
        plan = fetch(db, "EXPLAIN " + mark)
        notes.append(
            "EXPLAIN of mark_missing (end of every full pass), music DB after the warm runs:\n\n"
            + "\n".join("    " + r[0] for r in plan)
        )
    finally:
        sim.stop()


def bench_video(env: Env, runner: Runner, size: dict[str, Any], rows: list[Row], notes: list[str]) -> None:
    sim = start_sim(
        "video",
        env.workdir,
        {
            "tracks": 0,
            "movies": size["movies"],
            "episodes": size["episodes"],
            "requests": 5,
            "jellyfin": True,
            "jellyfin_tracks": 0,
            "seerr": False,
        },
    )
    try:
        # 4. Jellyfin movies + shows (streams come with the listing); warm-up into a scratch DB first
        scratch = fresh_db(env, "jf_warmup")
        ids = setup_account(scratch, sim, "jellyfin", {"Movies", "TV Shows"})
        runner.run("jellyfin-warmup", "sync", scratch, sim, "--account", ids["account"], quiet=False)
        db = fresh_db(env, "jellyfin")
        ids = setup_account(db, sim, "jellyfin", {"Movies", "TV Shows"})
        jf = runner.run("jellyfin-cold", "sync", db, sim, "--account", ids["account"], profile=True)
        r4 = rate(jf["items"], jf["wall"])
        rows.append(
            Row(
                4,
                f"Jellyfin cold sync ({size['movies']:,} movies + {size['episodes']:,} episodes, with streams)",
                ">= 15,000 items/s",
                f"{r4:,.0f} items/s ({jf['items']:,} items in {jf['wall']:.2f} s)",
                r4 >= 15_000,
                f"{jf['requests']} requests ({1000 * jf['requests'] / max(1, jf['items']):.1f} per 1,000 items; "
                "includes played state of 4 users); " + cpu_note(jf),
            )
        )
        # 4b. what the same reading costs at least (no target: it shows what bounds benchmark 4 here)
        jellyfin = sim.info["jellyfin"]
        libraries = fetch(db, "SELECT id, upstream_key, kind FROM libraries WHERE enabled ORDER BY title")
        jfl = runner.run(
            "jellyfin-floor",
            "floor-jellyfin",
            fresh_db(env, "jellyfin_floor"),
            sim,
            "--account",
            ids["account"],
            "--connection",
            ids["connection"],
            "--base-url",
            jellyfin["base_url"],
            "--token",
            jellyfin["api_key"],
            "--libraries",
            ",".join(f"{lib['id']}:{lib['upstream_key']}:{lib['kind']}" for lib in libraries),
            "--users",
            ",".join(u["id"] for u in sorted(jellyfin["users"], key=lambda u: not u["admin"])),
        )
        rows.append(
            Row(
                4,
                "Jellyfin floor: the same requests with httpx + orjson + same tuples + bare COPY, same run",
                "none (what bounds 4)",
                f"{rate(jfl['items'], jfl['wall']):,.0f} items/s ({jfl['wall']:.2f} s); "
                f"ours {jf['wall'] / jfl['wall']:.2f}x of it",
                None,
                f"floor: {jfl['items']:,} items + {jfl['history_rows']:,} played states, {jfl['requests']} requests; "
                + cpu_note(jfl),
            )
        )

        # 7. requests per 1,000 items, languages included: Plex TV library (details fetched in batches)
        scratch = fresh_db(env, "plextv_warmup")
        ids = setup_account(scratch, sim, "plex", {"TV Shows"})
        runner.run("plextv-warmup", "sync", scratch, sim, "--account", ids["account"], quiet=False)
        db = fresh_db(env, "plextv")
        ids = setup_account(db, sim, "plex", {"TV Shows"})
        tv = runner.run("plextv-cold", "sync", db, sim, "--account", ids["account"], profile=True)
        unknown = fetch(
            db, "SELECT count(*) AS n FROM media_items WHERE kind IN ('movie','episode') AND streams_synced_at IS NULL"
        )[0]["n"]
        per_k = 1000 * tv["requests"] / max(1, tv["items"])
        rows.append(
            Row(
                7,
                f"upstream requests per 1,000 items, Plex TV ({tv['items']:,} items, languages included)",
                "<= 20",
                f"{per_k:.1f} ({tv['requests']} requests)",
                per_k <= 20 and unknown == 0,
                f"items without languages afterwards: {unknown}; zero-pace run took {tv['wall']:.2f}s "
                f"({rate(tv['items'], tv['wall']):,.0f} items/s); " + cpu_note(tv),
            )
        )

        # 8. the same library at a real server's pace
        for in_flight in (2, 4):
            sim.admin("POST", "/servers/pms:home/pace", {"pace_ms": PACE_MS, "max_in_flight": in_flight})
            db = fresh_db(env, f"plextv_paced{in_flight}")
            ids = setup_account(db, sim, "plex", {"TV Shows"})
            paced = runner.run(f"plextv-paced-{in_flight}", "sync", db, sim, "--account", ids["account"])
            sim.admin("POST", "/servers/pms:home/pace", {"pace_ms": 0})
            rows.append(
                Row(
                    8,
                    f"Plex TV ({paced['items']:,} items, languages) at {PACE_MS} ms/request, <= {in_flight} in flight",
                    "<= 60 s",
                    f"{paced['wall']:.1f} s",
                    paced["wall"] <= 60,
                    f"{paced['requests']} requests; {paced['requests'] * PACE_MS / 1000 / in_flight:.1f}s is the "
                    f"pace bound for that many requests at {in_flight} in flight; " + cpu_note(paced),
                )
            )
    finally:
        sim.stop()


def bench_rss(env: Env, runner: Runner, size: dict[str, Any], rows: list[Row], notes: list[str]) -> None:
    peaks: dict[int, dict[str, Any]] = {}
    for n in (size["rss_small"], size["rss_large"]):
        sim = start_sim(
            f"rss{n}",
            env.workdir,
            {"tracks": n, "movies": 50, "episodes": 50, "requests": 5, "jellyfin": False, "seerr": False},
        )
        try:
            db = fresh_db(env, f"rss_{n}")
            ids = setup_account(db, sim, "plex", {"Music"})
            peaks[n] = runner.run(f"rss-{n}", "sync", db, sim, "--account", ids["account"])
        finally:
            sim.stop()
    small, large = (peaks[size["rss_small"]], peaks[size["rss_large"]])
    ratio = large["maxrss_mb"] / small["maxrss_mb"]
    rows.append(
        Row(
            6,
            f"worker peak RSS, {size['rss_small']:,} vs {size['rss_large']:,} tracks (fresh process each)",
            "<= 300 MB, ratio <= 1.5",
            f"{small['maxrss_mb']:.0f} MB vs {large['maxrss_mb']:.0f} MB, ratio {ratio:.2f}",
            large["maxrss_mb"] <= 300 and ratio <= 1.5,
            f"{large['items']:,} items in {large['wall']:.1f}s ({rate(large['items'], large['wall']):,.0f} items/s); "
            + cpu_note(large),
        )
    )


# ----------------------------------------------------------------------------- report
def render(rows: list[Row], meta: dict[str, Any], notes: list[str], profiles: list[tuple[str, str]]) -> str:
    rows = sorted(rows, key=lambda r: r.no)
    head = ["#", "benchmark", "target", "measured", "result"]
    verdicts = {True: "PASS", False: "FAIL", None: "info"}
    body = [[str(r.no), r.name, r.target, r.measured, verdicts[r.ok]] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [
        f"# Sync benchmarks ({meta['mode']})",
        "",
        f"{meta['when']} on {meta['host']}: {meta['cpus']} CPUs, Python {meta['python']}; "
        f"total runtime {meta['runtime']:.0f} s. Code: {meta['git']}.",
        "",
        line(head),
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        *(line(b) for b in body),
        "",
        "## Notes per benchmark",
        "",
        *(f"{r.no}. {r.notes}" for r in rows),
    ]
    if notes:
        out += ["", "## Query plans and traces", "", *notes]
    if profiles:
        out += ["", "## Profiles (py-spy, CPU samples of the worker process)"]
        for label, text in profiles:
            out += ["", f"### {label}", "", "```", text, "```"]
    return "\n".join(out) + "\n"


def git_state() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False).stdout.rstrip()

    dirty = git("status", "--porcelain", "backend/src/janitor/sync", "backend/src/janitor/connections")
    files = [line[3:] for line in dirty.splitlines()]
    return f"HEAD {git('rev-parse', '--short', 'HEAD')}" + (
        f" with uncommitted changes in {', '.join(files)}" if files else " (sync code clean)"
    )


def main() -> None:
    p = argparse.ArgumentParser(prog="bench/run.py", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes (finishes in under 2 minutes)")
    p.add_argument("--profile", action="store_true", help="also record py-spy profiles of the main sync runs")
    p.add_argument("--skip-seed", action="store_true", help="leave out the (slow) seed-style baseline")
    p.add_argument("--trace", action="store_true", help="report the wall time awaited per sync stage (diagnosis)")
    p.add_argument(
        "--only",
        default="music,video,rss",
        help="comma-separated groups to run: music (1,2,3,5), video (4,7,8), rss (6)",
    )
    args = p.parse_args()
    size = QUICK if args.quick else FULL
    RESULTS.mkdir(parents=True, exist_ok=True)
    from janitor.core.logging import configure_logging

    configure_logging(level="WARNING", json=False)
    t0 = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="janitor-bench-"))
    rows: list[Row] = []
    notes: list[str] = []
    env = Env(workdir)
    runner = Runner(env, args.profile)
    runner.max_wait = 5.0 if args.quick else 20.0
    runner.trace = args.trace
    runner.skip_seed = args.skip_seed
    groups: dict[str, Callable[..., None]] = {"music": bench_music, "video": bench_video, "rss": bench_rss}
    try:
        make_template(env)
        for name in args.only.split(","):
            groups[name.strip()](env, runner, size, rows, notes)
    finally:
        env.stop()
    profiles = [(label, summarize_profile(path)) for label, path in runner.profiles if path.exists()]
    meta = {
        "git": git_state(),
        "mode": "quick" if args.quick else "full",
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "runtime": time.perf_counter() - t0,
    }
    for label, unit in runner.units.items():
        if "trace" in unit:
            lines = [
                f"    {k:<45} n={v['n']:<5} total {v['total_s']:8.3f}s  max {v['max_s']:.4f}s"
                f"  from {v['from_s']:6.2f}s to {v['to_s']:6.2f}s"
                for k, v in sorted(unit["trace"].items(), key=lambda kv: kv[1]["from_s"])
            ]
            notes.append(f"Wall time awaited per stage, {label} (job wall {unit['wall']:.2f}s):\n\n" + "\n".join(lines))
    report = render(rows, meta, notes, profiles)
    (RESULTS / "latest.md").write_text(report)
    print()
    print(report)
    shutil.rmtree(workdir, ignore_errors=True)
    if any(r.ok is False for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
