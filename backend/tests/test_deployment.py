"""Nothing here can run Docker: check the deployment files for what a VPS needs."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.sync.recovery import mark_alive

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


def test_compose_has_the_services_with_health_checks_and_restart_policies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker"}
    for name in ("postgres", "redis", "api", "worker"):
        assert "healthcheck" in services[name], name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["command"] == ["python", "-m", "janitor.cli", "migrate"]


def test_api_and_worker_start_only_after_a_successful_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        assert services[name]["env_file"] == ".env"


def test_ports_volumes_and_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    # published on the host's loopback only: the documented reverse proxy on the host is the way in
    assert services["api"]["ports"] == ["127.0.0.1:${JANITOR_HTTP_PORT:-8000}:8000"]
    assert "/api/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert services["worker"]["command"] == ["arq", "janitor_worker.main.WorkerSettings"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert set(compose["volumes"]) == {"pgdata", "redisdata"}
    assert not any("ports" in services[s] for s in ("postgres", "redis")), "databases must not be published"


def test_dockerfile_is_multi_stage_and_runs_as_non_root() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 3
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users
    assert users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text
    assert "uv sync --frozen --no-dev" in text


def test_env_example_documents_every_setting() -> None:
    lines = (REPO / ".env.example").read_text().splitlines()
    documented = {line.split("=", 1)[0] for line in lines if line.startswith("JANITOR_")}
    expected = {f"JANITOR_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from .env.example"
    assert documented - expected - {"JANITOR_HTTP_PORT"} == set(), "unknown settings in .env.example"
    for i, line in enumerate(lines):
        if line.startswith("JANITOR_"):
            assert lines[i - 1].startswith("#") or lines[i - 1].startswith("JANITOR_"), line


def test_readme_configuration_table_lists_every_setting_with_its_default() -> None:
    # The README's table is what a self-hoster reads: every setting, none that does not exist, and
    # each default as the app has it (a changed default must change the table too).
    text = (REPO / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(JANITOR_\w+|POSTGRES_PASSWORD)` \| ([^|]*) \|", section, re.M)
    table = dict(rows)
    expected = {f"JANITOR_{name.upper()}" for name in Settings.model_fields}
    assert expected - set(table) == set(), "settings missing from the README's configuration table"
    assert set(table) - expected - {"JANITOR_HTTP_PORT", "POSTGRES_PASSWORD"} == set(), "unknown settings in the README"
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, bool):
            want = str(default).lower()
        elif isinstance(default, float):
            want = f"{default:g}"
        elif isinstance(default, int | str):
            want = str(default)
        else:  # secrets (placeholders), None ("empty: ..."), paths and lists are described in words
            continue
        shown = table[f"JANITOR_{name.upper()}"].strip()
        assert shown == f"`{want}`", f"JANITOR_{name.upper()}: the README says {shown}, the app {want}"


async def test_the_worker_health_check_reads_one_key_that_a_live_worker_keeps(
    compose: dict[str, Any], ctx: AppContext, settings: Settings
) -> None:
    """The worker container is healthy while a worker of that host keeps its key (no KEYS or SCAN over
    a Redis that may hold millions of keys): the compose file's own check, run against a real Redis."""
    test = compose["services"]["worker"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert not re.search(r"\b(keys|scan|scan_iter)\(", test[3])

    def healthy() -> bool:
        env = {"JANITOR_REDIS_URL": settings.redis_url, "PATH": "/usr/bin:/bin"}
        return subprocess.run([sys.executable, "-c", test[3]], env=env, check=False).returncode == 0

    assert not healthy()
    await mark_alive(ctx.redis, f"{socket.gethostname()}:123:abcdef")
    assert healthy()
    await ctx.redis.delete(f"worker:host:{socket.gethostname()}")
    assert not healthy()
