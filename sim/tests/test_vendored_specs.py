"""The official specs under ``sim/specs/`` are byte-for-byte copies of their upstream files.

``sim/specs/README.md`` names each file's source and lists its SHA-256; an edited, truncated or
re-encoded copy (or a file nobody documented) fails here rather than silently loosening the
simulator's contract tests.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

SPECS = Path(__file__).resolve().parents[1] / "specs"
README = SPECS / "README.md"
LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$")


def listed_digests() -> dict[str, str]:
    """The ``sha256  path`` lines of the README's SHA-256 block."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## SHA-256", 1)[1].split("```", 2)[1]
    digests: dict[str, str] = {}
    for line in block.strip().splitlines():
        m = LINE.match(line)
        assert m, f"not a 'sha256  path' line in sim/specs/README.md: {line!r}"
        assert m.group(2) not in digests, f"listed twice: {m.group(2)}"
        digests[m.group(2)] = m.group(1)
    return digests


def test_every_vendored_file_is_listed_and_matches_its_sha256() -> None:
    digests = listed_digests()
    present = {p.relative_to(SPECS).as_posix() for p in SPECS.rglob("*") if p.is_file() and p != README}
    assert present == set(digests), (
        f"not listed in the README: {sorted(present - set(digests))}; listed but missing: {sorted(set(digests) - present)}"
    )
    wrong = {name: hashlib.sha256((SPECS / name).read_bytes()).hexdigest() for name in digests}
    wrong = {name: got for name, got in wrong.items() if got != digests[name]}
    assert not wrong, f"changed since they were copied from upstream (actual SHA-256): {wrong}"


def test_every_spec_file_names_its_source_and_licence_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for name in listed_digests():
        if name.startswith("licenses/"):
            assert f"`{name}`" in text, f"{name} is not tied to any spec in the table"
            continue
        row = next((line for line in text.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"{name} has no row in the table"
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 6 and all(cells), f"{name}: every column (source, path, commit, licence) is filled"
