"""The packages keep their layers (pyproject.toml, [tool.importlinter]): core imports no domain
package, the domain packages import only the layers below them, the job registry sits in the worker."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from janitor.core.events import Change, Events
from janitor.main import wire_events

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_packages_keep_their_layers() -> None:
    result = lint_imports(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_check_sees_an_import_against_the_layers(tmp_path: Path) -> None:
    """The same check, given core above accounts, reports the import that breaks it (core/deps.py
    imported accounts before the auth dependency moved to accounts/deps.py: the check would have
    caught it; this shows the checker reads our imports, not an empty graph)."""
    config = tmp_path / "layers.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_packages = ["janitor"]

            [[tool.importlinter.contracts]]
            name = "inverted"
            type = "layers"
            layers = ["janitor.core", "janitor.accounts"]
            """
        )
    )
    result = lint_imports(config)
    assert result.returncode != 0
    assert "janitor.accounts is not allowed to import janitor.core" in result.stdout


def test_every_change_has_a_subscriber() -> None:
    events = wire_events()
    assert all(events.followed(change) for change in Change)


async def test_a_change_nobody_follows_is_a_wiring_mistake() -> None:
    with pytest.raises(RuntimeError, match="nothing subscribes to 'report_inputs'"):
        await Events().publish(None, None, Change.REPORT_INPUTS)  # type: ignore[arg-type]
