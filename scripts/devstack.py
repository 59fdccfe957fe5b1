"""Run the whole app locally: Postgres, Redis, migrations, API (serving the SPA), worker, simulator.

    uv run python scripts/devstack.py              # reuse running Postgres/Redis, else start them in .local/
    uv run python scripts/devstack.py --ephemeral  # throwaway servers in a temp dir, removed on exit

SIGINT (Ctrl-C) or SIGTERM stops everything this script started, and nothing else. A process of the
stack that exits (the worker killed, the simulator crashed) is started again with a message, as a
supervisor would; one that keeps exiting (6 times in a minute) stops the stack, saying so. (`./dev up` passes
the signals it gets on to this script: `task` alone would not.)

Its data stays apart from other software on the machine: in a Postgres it reuses it works in its own
database, media_janitor_dev (created if missing), and in a Redis it reuses it keeps everything (arq's
queue, the page cache, rate limits, sign-in PINs) in its own db number, 7. Both are printed at start.
JANITOR_DATABASE_URL / JANITOR_REDIS_URL, when set, are used exactly as given.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import asyncpg
from cryptography.fernet import Fernet
from redis import Redis, RedisError
from sqlalchemy.engine import make_url

from janitor.devtools.services import PostgresServer, RedisServer, free_port, port_open

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ROOT / ".local"
# Not the defaults ("postgres", db 0) other software on the machine uses: a Postgres or Redis already
# running on the default ports is shared, and the worker's queue and the app's keys must not mix with
# anyone else's. A db number rather than a key prefix: arq names its keys "arq:..." whatever we do.
# (Redis pub/sub channels are shared by every db; ours are named after account ids.)
DEV_DATABASE = "media_janitor_dev"
DEV_REDIS_DB = 7


def log(msg: str) -> None:
    print(f"[devstack] {msg}", flush=True)


def _dev_secrets() -> dict[str, str]:
    """Stable development secrets kept in .local/dev.env (never used in production)."""
    LOCAL.mkdir(exist_ok=True)
    path = LOCAL / "dev.env"
    if not path.exists():
        path.write_text(
            f"JANITOR_SECRET_KEY={Fernet.generate_key().decode()}{Fernet.generate_key().decode()}\n"
            f"JANITOR_FERNET_KEYS={Fernet.generate_key().decode()}\n"
        )
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k: v for k, v in pairs}


async def _ensure_database(url: str) -> None:
    parsed = make_url(url)
    server = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(server)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", parsed.database):
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def _reachable(url: str) -> bool:
    try:
        await _ensure_database(url)
        return True
    except (OSError, asyncpg.PostgresError):
        return False


def _redis_problem(url: str) -> str | None:
    """Why this Redis URL cannot be used (no server, a password, no such db), or None."""
    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
        return None
    except RedisError as exc:
        return str(exc) or type(exc).__name__
    finally:
        client.close()


def host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


def where(url: str) -> str:
    """Where a Postgres or Redis URL points, as printed: host:port and database name or db number."""
    if url.startswith(("redis://", "rediss://")):
        parts = urlsplit(url)
        return f"db {parts.path.strip('/') or 0} on {parts.hostname}:{parts.port or 6379}"
    parsed = make_url(url)
    return f"database {parsed.database} on {parsed.host}:{parsed.port or 5432}"


# A process that exits is started again, as a supervisor would, unless it exited this many times
# within RESTART_WINDOW seconds (it cannot start: the stack stops and says why).
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0


@dataclass
class Child:
    """A process of the stack (API, worker, simulator), with what it takes to start it again."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    restarts: list[float] = field(default_factory=list)

    def poll(self) -> int | None:
        return self.proc.poll()


RESTART_NOTES = {
    "simulator": " (its demo world starts afresh: what was changed in it, deletions included, is gone)",
    "mail catcher": " (the mails it kept are gone)",
}


class Stack:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.servers: list[PostgresServer | RedisServer] = []
        self.procs: list[Child] = []
        self.tmp: Path | None = None

    def postgres(self) -> str:
        wanted = os.environ.get("JANITOR_DATABASE_URL")
        if not self.args.ephemeral:
            host, port = self.args.postgres
            url = wanted or f"postgresql+asyncpg://postgres@{host}:{port}/{DEV_DATABASE}"
            if asyncio.run(_reachable(url)):
                source = "JANITOR_DATABASE_URL" if wanted else "already running; created the database if missing"
                log(f"Postgres: {where(url)} ({source})")
                return url
            base = LOCAL / "pg"
            port = 54329
        else:
            assert self.tmp is not None
            base, port = self.tmp / "pg", free_port()
        server = PostgresServer(base, port=port).start()
        self.servers.append(server)
        url = make_url(server.url).set(database=DEV_DATABASE).render_as_string(hide_password=False)
        asyncio.run(_ensure_database(url))
        log(f"Postgres: {where(url)} (started here, data in {base})")
        return url

    def redis(self) -> str:
        wanted = os.environ.get("JANITOR_REDIS_URL")
        if not self.args.ephemeral:
            host, port = self.args.redis
            url = wanted or f"redis://{host}:{port}/{DEV_REDIS_DB}"
            problem = _redis_problem(url)
            if problem is None:
                source = "JANITOR_REDIS_URL" if wanted else "already running"
                log(f"Redis: {where(url)} ({source})")
                return url
            log(f"not using the Redis at {where(url)}: {problem}")
            base, port = LOCAL / "redis", 63799
        else:
            assert self.tmp is not None
            base, port = self.tmp / "redis", free_port()
        server = RedisServer(base, port=port).start()
        self.servers.append(server)
        url = f"redis://127.0.0.1:{port}/{DEV_REDIS_DB}"
        log(f"Redis: {where(url)} (started here)")
        return url

    def simulator(self, env: dict[str, str]) -> None:
        """The demo world: a simulated plex.tv, Plex server, Jellyfin and Jellyseerr on loopback.

        The app reaches it the way a self-hosted install reaches a server on its own network
        (JANITOR_ALLOW_PRIVATE_NETWORKS), and "Sign in with Plex" goes to the simulated plex.tv.
        """
        port = self.args.sim_port or free_port()
        size = self.args.sim_size or ("tiny" if self.args.ephemeral else "medium")
        base = f"http://127.0.0.1:{port}"
        env.setdefault("JANITOR_ALLOW_PRIVATE_NETWORKS", "true")
        if not self.args.real_plex:
            env["JANITOR_PLEX_TV_URL"] = f"{base}/plextv"
            env["JANITOR_PLEX_AUTH_URL"] = f"{base}/plextv/auth"
        # Dated today: what the demo world calls recent is recent by the app's clock too.
        cmd = [sys.executable, "-m", "mediasim", "--host", "127.0.0.1", "--port", str(port), "--size", size]
        cmd += ["--now", "today"]
        self.spawn("simulator", cmd, env)
        deadline = time.monotonic() + 120
        while not port_open("127.0.0.1", port):
            if time.monotonic() > deadline or self.procs[-1].poll() is not None:
                raise RuntimeError("the media-server simulator did not start")
            time.sleep(0.1)
        log(f"simulator ({size} demo world) at {base}; connection details: {base}/_admin")

    def mail_catcher(self, env: dict[str, str]) -> None:
        """Unless JANITOR_SMTP_HOST names a real server: an SMTP server on loopback that keeps every mail
        the app sends (nothing leaves the machine), readable over HTTP."""
        if env.get("JANITOR_SMTP_HOST"):
            log(f"mail: sent through {env['JANITOR_SMTP_HOST']} (JANITOR_SMTP_HOST)")
            return
        smtp_port, http_port = free_port(), self.args.mail_http_port or free_port()
        cmd = [sys.executable, "-m", "janitor.devtools.mailcatcher", "--port", str(smtp_port)]
        self.spawn("mail catcher", [*cmd, "--http-port", str(http_port)], env)
        deadline = time.monotonic() + 30
        while not (port_open("127.0.0.1", smtp_port) and port_open("127.0.0.1", http_port)):
            if time.monotonic() > deadline or self.procs[-1].poll() is not None:
                raise RuntimeError("the mail catcher did not start")
            time.sleep(0.1)
        env |= {"JANITOR_SMTP_HOST": "127.0.0.1", "JANITOR_SMTP_PORT": str(smtp_port), "JANITOR_SMTP_SECURITY": "none"}
        log(f"mail: nothing leaves this machine; read what the app sends at http://127.0.0.1:{http_port}/")

    def spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        self.procs.append(Child(name, cmd, dict(env), subprocess.Popen(cmd, env=env, cwd=ROOT)))

    def supervise(self, child: Child) -> int | None:
        """``child`` exited: start it again, or (exited too often) the code the stack stops with."""
        code = child.proc.returncode
        now = time.monotonic()
        child.restarts = [t for t in child.restarts if now - t < RESTART_WINDOW]
        if len(child.restarts) >= MAX_RESTARTS:
            log(
                f"{child.name} exited with code {code}, {MAX_RESTARTS + 1} times within {RESTART_WINDOW:.0f} s: "
                "it cannot start; stopping"
            )
            return code or 1
        child.restarts.append(now)
        why = RESTART_NOTES.get(child.name, "")
        log(f"{child.name} exited with code {code}; starting it again{why}")
        child.proc = subprocess.Popen(child.cmd, env=child.env, cwd=ROOT)
        return None

    def run(self) -> int:
        if self.args.ephemeral:
            self.tmp = Path(tempfile.mkdtemp(prefix="janitor-stack-"))
        env = dict(os.environ)
        env.update({k: v for k, v in _dev_secrets().items() if k not in os.environ})
        env["JANITOR_DATABASE_URL"] = self.postgres()
        env["JANITOR_REDIS_URL"] = self.redis()
        env.setdefault("JANITOR_ENV", "development")
        env.setdefault("JANITOR_LOG_JSON", "false")
        # The links in mails (password reset) lead back to this stack.
        env.setdefault("JANITOR_PUBLIC_URL", f"http://{self.args.host}:{self.args.port}")
        if self.args.ephemeral:
            # e2e suites sign up many accounts from one address
            env.setdefault("JANITOR_SIGNUPS_PER_IP", "1000")
            env.setdefault("JANITOR_LOGIN_ATTEMPTS_PER_IP", "1000")
            # e2e suites connect servers right after signing up; the verification spec turns it on
            # with the operator's switch (`janitor verification on`) for its own run
            env.setdefault("JANITOR_EMAIL_VERIFICATION", "false")
        if not (ROOT / "frontend" / "build" / "index.html").exists():
            log("frontend/build is missing: the API runs without the SPA (build it: task fe:build)")
        self.mail_catcher(env)
        if self.args.env_file:
            # For tests that act as the operator (e.g. `janitor deletions disable`) on this stack.
            Path(self.args.env_file).touch(mode=0o600)
            Path(self.args.env_file).write_text(
                "".join(f"{k}={v}\n" for k, v in sorted(env.items()) if k.startswith("JANITOR_"))
            )
        log("applying migrations")
        subprocess.run([sys.executable, "-m", "janitor.cli", "migrate"], env=env, cwd=ROOT, check=True)
        if not self.args.no_sim and importlib.util.find_spec("mediasim.__main__") is not None:
            self.simulator(env)
        if not self.args.no_worker:
            self.spawn("worker", [sys.executable, "-m", "janitor_worker"], env)
        self.spawn(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "janitor.main:app",
                "--factory",
                "--host",
                self.args.host,
                "--port",
                str(self.args.port),
                "--no-proxy-headers",  # as the image: the app reads them from JANITOR_TRUSTED_PROXIES only
                "--no-access-log",
            ],
            env,
        )
        deadline = time.monotonic() + 60
        while not port_open(self.args.host, self.args.port):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                log("a process failed to start")
                return 1
            time.sleep(0.1)
        log(f"Media Janitor is running at http://{self.args.host}:{self.args.port}  (Ctrl-C stops it)")
        while True:
            for child in self.procs:
                if child.poll() is not None and (code := self.supervise(child)) is not None:
                    return code
            time.sleep(0.3)

    def stop(self) -> None:
        # A second Ctrl-C must not abandon children or servers half-stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in reversed(self.procs):
            if child.poll() is None:
                child.proc.terminate()
        for child in reversed(self.procs):
            try:
                child.proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                child.proc.kill()
        for server in reversed(self.servers):
            server.stop()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if self.args.env_file:
            Path(self.args.env_file).unlink(missing_ok=True)
        log("stopped")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--ephemeral", action="store_true", help="throwaway Postgres/Redis (for e2e tests)")
    for server, port, ours in (("Postgres", 5432, f"database {DEV_DATABASE}"), ("Redis", 6379, f"db {DEV_REDIS_DB}")):
        parser.add_argument(
            f"--{server.lower()}",
            type=host_port,
            default=("127.0.0.1", port),
            metavar="HOST:PORT",
            help=f"a running {server} to use ({ours}); default 127.0.0.1:{port}",
        )
    parser.add_argument(
        "--env-file", default=None, help="write the stack's JANITOR_* settings here, for operator commands"
    )
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--no-sim", action="store_true", help="do not start the media-server simulator")
    parser.add_argument("--sim-port", type=int, default=0)
    parser.add_argument(
        "--mail-http-port", type=int, default=0, help="where the mail catcher shows its mails (default: a free port)"
    )
    parser.add_argument("--sim-size", default=None, help="demo world size (default: medium; tiny with --ephemeral)")
    parser.add_argument("--real-plex", action="store_true", help="sign in with the real plex.tv, not the simulator")
    args = parser.parse_args()
    stack = Stack(args)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # `uv run` forwards the signal too: ignore the second copy so stop() runs to the end.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        return stack.run()
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
