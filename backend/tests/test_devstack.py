"""`./dev up` (and `./dev sim`) stop everything they started on a SIGINT or SIGTERM sent to the ./dev
process alone, and `./dev up` keeps its data apart in a Postgres and Redis it shares with other software.

These run the real path: ./dev -> task -> uv run -> scripts/devstack.py -> Postgres, Redis, API, worker,
simulator. `task` does not pass signals on to its command; a terminal's Ctrl-C reaches every process of
the foreground group, a supervisor's or an IDE's SIGTERM reaches one process only, which is what the
tests send. Every process is started here in a session of its own and, whatever the outcome, killed by
its id at the end.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest
from redis import Redis

from janitor.devtools.services import PostgresServer, RedisServer, free_port, port_open

REPO = Path(__file__).resolve().parents[2]
READY = "Media Janitor is running at"
# The first run on a fresh checkout installs and builds the SPA (task skips both when nothing changed).
START_TIMEOUT = 300
STOP_TIMEOUT = 90


@dataclass
class Dev:
    """A `./dev <task>` process and everything printed so far."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    seen: list[psutil.Process] = field(default_factory=list)  # every descendant ever listed

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, ready: str | None, port: int | None = None, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not ((ready and ready in self.output) or (port and port_open("127.0.0.1", port))):
            if self.proc.poll() is not None:
                pytest.fail(f"./dev exited with {self.proc.returncode} before it was ready:\n{self.output[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"./dev was not ready after {timeout} s:\n{self.output[-4000:]}")
            time.sleep(0.2)

    def descendants(self) -> list[psutil.Process]:
        found = psutil.Process(self.proc.pid).children(recursive=True)
        self.seen += found
        return found

    def stop_with(self, signum: int) -> int:
        """Send ``signum`` to the ./dev process alone and wait for it to exit."""
        os.kill(self.proc.pid, signum)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"./dev did not exit within {STOP_TIMEOUT} s of {signal.Signals(signum).name}:\n{self.output[-3000:]}"
            )


def dev_env() -> dict[str, str]:
    # The stack reads its settings from the environment: none of the test session's may leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("JANITOR_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def run_dev() -> Iterator[list[Dev]]:
    """Starts ./dev processes; afterwards kills whatever of theirs is left (by pid) and stops the
    Postgres servers they started (pg_ctl detaches them, so they are no descendants)."""
    started: list[Dev] = []
    yield started
    for dev in started:
        if dev.proc.poll() is None:
            dev.descendants()
            dev.proc.kill()
            dev.proc.wait()
        for proc in dev.seen:
            if proc.is_running():
                proc.kill()
        for m in re.finditer(r"data in (\S+?)\)", dev.output):  # whatever the wording, e.g. of older code
            if (Path(m.group(1)) / "data" / "postmaster.pid").exists():
                PostgresServer(Path(m.group(1))).stop()


def start(started: list[Dev], *args: str) -> Dev:
    proc = subprocess.Popen(
        [str(REPO / "dev"), *args],
        cwd=REPO,
        env=dev_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a handle for the clean-up; the signal under test goes to the one pid
    )
    dev = Dev(proc)
    started.append(dev)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            dev.lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return dev


def postmaster(output: str) -> psutil.Process:
    """The Postgres server devstack started (from the data directory it printed)."""
    m = re.search(r"Postgres: database media_janitor_dev on 127\.0\.0\.1:\d+ \(started here, data in (\S+)\)", output)
    assert m, output
    pid = int((Path(m.group(1)) / "data" / "postmaster.pid").read_text().split()[0])
    return psutil.Process(pid)


async def fetchval(port: int, database: str, sql: str) -> object:
    conn = await asyncpg.connect(host="127.0.0.1", port=port, user="postgres", database=database)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def databases(port: int) -> set[str]:
    names = await fetchval(port, "postgres", "SELECT array_agg(datname) FROM pg_database WHERE NOT datistemplate")
    assert isinstance(names, list)
    return set(names)


def cmdline(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def assert_all_gone(procs: list[psutil.Process], output: str) -> None:
    _, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive, f"still running: {[(p.pid, cmdline(p)) for p in alive]}\n{output[-3000:]}"


def test_sigterm_to_dev_up_stops_everything_it_started(run_dev: list[Dev]) -> None:
    port, sim_port = free_port(), free_port()
    dev = start(run_dev, "up", "--", "--ephemeral", "--port", str(port), "--sim-port", str(sim_port))
    dev.wait_for(READY)
    children = dev.descendants()
    server = postmaster(dev.output)
    commands = [cmdline(p) for p in children]
    # The real chain and every part of the stack, so "all gone" below is about them.
    parts = ("task up", "scripts/devstack.py", "uvicorn janitor.main:app", "-m janitor_worker", "mediasim")
    for part in (*parts, "janitor.devtools.mailcatcher"):
        assert any(part in c for c in commands), (part, commands)
    assert any("redis-server" in c for c in commands), commands
    mails = re.findall(r"read what the app sends at (http://127\.0\.0\.1:\d+/)", dev.output)
    assert mails and httpx.get(f"{mails[0]}messages").json() == [], dev.output[-3000:]
    tmp = Path(re.findall(r"data in (\S+)/pg\)", dev.output)[0])
    assert tmp.is_dir()

    assert dev.stop_with(signal.SIGTERM) == 0, dev.output[-3000:]

    assert_all_gone([*children, server], dev.output)
    assert not port_open("127.0.0.1", port) and not port_open("127.0.0.1", sim_port)
    assert not tmp.exists(), "the throwaway servers' directory is removed"
    assert "[devstack] stopped" in dev.output


def _part(dev: Dev, part: str) -> psutil.Process:
    found = [p for p in dev.descendants() if part in cmdline(p) and "task" not in cmdline(p)]
    assert found, (part, [cmdline(p) for p in dev.descendants()])
    return found[0]


def _wait_until(check: object, what: str, dev: Dev, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not callable(check) or not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} after {timeout} s:\n{dev.output[-3000:]}")
        time.sleep(0.2)


def test_dev_up_starts_a_killed_worker_and_simulator_again(run_dev: list[Dev]) -> None:
    """As a supervisor would: the worker killed (an OOM kill, a crash) or the simulator gone, ./dev up
    says so and starts it again; the API stays up; a SIGTERM still stops everything, the new ones too."""
    port, sim_port = free_port(), free_port()
    dev = start(run_dev, "up", "--", "--ephemeral", "--port", str(port), "--sim-port", str(sim_port))
    dev.wait_for(READY)
    worker = _part(dev, "-m janitor_worker")
    worker.kill()
    _wait_until(lambda: "worker exited with code -9; starting it again" in dev.output, "no restart message", dev)
    _wait_until(lambda: _part(dev, "-m janitor_worker").pid != worker.pid, "no new worker", dev)
    assert port_open("127.0.0.1", port), "the API stayed up"

    simulator = _part(dev, "mediasim")
    simulator.kill()
    _wait_until(lambda: "simulator exited with code -9; starting it again" in dev.output, "no restart message", dev)
    _wait_until(lambda: port_open("127.0.0.1", sim_port), "the simulator did not come back", dev)
    assert dev.proc.poll() is None, "./dev up kept running"

    children = dev.descendants()
    assert dev.stop_with(signal.SIGTERM) == 0, dev.output[-3000:]
    assert_all_gone(children, dev.output)
    assert not port_open("127.0.0.1", port) and not port_open("127.0.0.1", sim_port)


def test_dev_up_in_a_shared_postgres_and_redis_uses_its_own_database_and_db_and_stops_on_sigint(
    run_dev: list[Dev],
) -> None:
    # Another program's Postgres and Redis, already running (the defaults' stand-ins: 5432 and 6379
    # on this machine may belong to anyone). Not in pytest's tmp_path: pytest prunes old base
    # directories, possibly from under a running server.
    base = Path(tempfile.mkdtemp(prefix="janitor-devstack-test-"))
    pg = PostgresServer(base / "pg").start()
    rs = RedisServer(base / "redis").start()
    other = Redis(port=rs.port, db=0)
    try:
        other.set("their:key", "theirs")
        port, sim_port = free_port(), free_port()
        dev = start(
            run_dev,
            "up",
            "--",
            *("--postgres", f"127.0.0.1:{pg.port}", "--redis", f"127.0.0.1:{rs.port}"),
            *("--port", str(port), "--sim-port", str(sim_port), "--sim-size", "tiny"),
        )
        dev.wait_for(READY)
        # Both printed at start.
        assert f"Postgres: database media_janitor_dev on 127.0.0.1:{pg.port} (already running" in dev.output
        assert f"Redis: db 7 on 127.0.0.1:{rs.port} (already running)" in dev.output
        children = dev.descendants()
        assert not any("redis-server" in cmdline(p) for p in children), "it started no Redis of its own"

        ours = Redis(port=rs.port, db=7)
        deadline = time.monotonic() + 15
        while not ours.dbsize() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ours.dbsize() > 0, "the worker and the API keep their keys in db 7"
        assert other.keys("*") == [b"their:key"], "nothing of ours in the other program's db 0"
        assert asyncio.run(databases(pg.port)) == {"postgres", "media_janitor_dev"}
        assert asyncio.run(fetchval(pg.port, "media_janitor_dev", "SELECT count(*) FROM alembic_version")) == 1

        assert dev.stop_with(signal.SIGINT) == 0, dev.output[-3000:]

        assert_all_gone(children, dev.output)
        assert not port_open("127.0.0.1", port) and not port_open("127.0.0.1", sim_port)
        # It stops what it started, not the servers it found running.
        assert port_open("127.0.0.1", pg.port) and other.get("their:key") == b"theirs"
    finally:
        other.close()
        rs.stop()
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_sigterm_to_dev_sim_stops_the_simulator(run_dev: list[Dev]) -> None:
    port = free_port()
    dev = start(run_dev, "sim", "--", "--size", "tiny", "--port", str(port))
    dev.wait_for(None, port=port, timeout=120)
    children = dev.descendants()
    assert any("mediasim" in cmdline(p) for p in children), [cmdline(p) for p in children]

    dev.stop_with(signal.SIGTERM)

    assert_all_gone(children, dev.output)
    assert not port_open("127.0.0.1", port)
