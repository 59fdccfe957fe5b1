"""Who the client is, through the server command the Docker image runs (parsed from the Dockerfile).

The login rate limit counts per client address. A client that connects directly must not be able to
choose its address with ``X-Forwarded-For``; a configured reverse proxy must be able to name it.
The client here connects from 127.0.0.1; the "proxy" connects from 127.0.0.2 (both loopback).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from janitor.core.config import Settings

REPO = Path(__file__).resolve().parents[2]
ATTEMPTS = 3  # JANITOR_LOGIN_ATTEMPTS_PER_IP for the server under test
PROXY = "127.0.0.2"


def image_command() -> list[str]:
    """The Dockerfile's CMD (exec form), as the container runs it."""
    lines = [line for line in (REPO / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
    assert lines, "the Dockerfile has no CMD"
    command: list[str] = json.loads(lines[-1].removeprefix("CMD "))
    return command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _with_option(command: list[str], name: str, value: str) -> list[str]:
    i = command.index(name)
    return [*command[: i + 1], value, *command[i + 2 :]]


@pytest.fixture
def server(settings: Settings, clean_state: None, tmp_path: Path) -> Iterator[str]:
    command = image_command()
    assert command[0] == "uvicorn"
    port = _free_port()
    # The image's flags, bound to loopback on a free port instead of 0.0.0.0:8000.
    args = _with_option(_with_option(command[1:], "--host", "127.0.0.1"), "--port", str(port))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JANITOR_", "FORWARDED_ALLOW_IPS"))},
        "JANITOR_ENV": "test",
        "JANITOR_DATABASE_URL": settings.database_url,
        "JANITOR_REDIS_URL": settings.redis_url,
        "JANITOR_SECRET_KEY": settings.secret_key.get_secret_value(),
        "JANITOR_BCRYPT_ROUNDS": "4",
        "JANITOR_SPA_DIR": "/nonexistent",
        "JANITOR_LOGIN_ATTEMPTS_PER_IP": str(ATTEMPTS),
        "JANITOR_TRUSTED_PROXIES": f"{PROXY}, 10.0.0.0/8",
    }
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", *args], cwd=tmp_path, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{url}/api/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _client(url: str, source: str) -> httpx.Client:
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=source), timeout=10)


def _login(c: httpx.Client, i: int, forwarded_for: str) -> int:
    body = {"email": f"nobody{i}@example.com", "password": "wrong password"}
    return c.post("/api/v1/auth/login", json=body, headers={"X-Forwarded-For": forwarded_for}).status_code


def test_the_image_does_not_let_uvicorn_trust_forwarding_headers() -> None:
    command = image_command()
    assert "--no-proxy-headers" in command
    assert "--proxy-headers" not in command and "--forwarded-allow-ips" not in command


def test_a_direct_client_cannot_escape_the_login_limit_by_rotating_x_forwarded_for(server: str) -> None:
    with _client(server, "127.0.0.1") as c:
        codes = [_login(c, i, f"203.0.113.{i}") for i in range(ATTEMPTS + 1)]
    assert codes == [401] * ATTEMPTS + [429]


def test_a_trusted_proxy_names_the_client_right_most_untrusted_first(server: str) -> None:
    with _client(server, PROXY) as proxy:
        # each forwarded client has a budget of its own
        assert [_login(proxy, i, f"198.51.100.{i}") for i in range(ATTEMPTS + 2)] == [401] * (ATTEMPTS + 2)
        # the client is the right-most address that is not a trusted proxy: what the client wrote
        # to the left of it (a forged 192.0.2.x) does not count, nor do trusted hops to its right
        codes = [_login(proxy, i, f"192.0.2.{i}, 198.51.100.200, 10.1.2.3") for i in range(ATTEMPTS + 1)]
        assert codes == [401] * ATTEMPTS + [429]
        # and a different real client behind the proxy is not affected
        assert _login(proxy, 99, "198.51.100.201") == 401


def test_trusted_proxies_setting_parses_and_refuses_garbage() -> None:
    assert Settings(trusted_proxies="10.0.0.1, 172.16.0.0/12 ,::1").trusted_proxies == [  # type: ignore[arg-type]
        "10.0.0.1/32",
        "172.16.0.0/12",
        "::1/128",
    ]
    assert Settings(trusted_proxies="").trusted_proxies == []  # type: ignore[arg-type]
    assert Settings().trusted_proxies == []
    with pytest.raises(ValueError, match=re.escape("'proxy.local' is not an IP address")):
        Settings(trusted_proxies="proxy.local")  # type: ignore[arg-type]
