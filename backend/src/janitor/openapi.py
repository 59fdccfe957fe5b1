"""Writes the API's OpenAPI document: ``python -m janitor.openapi [FILE]`` (stdout without FILE)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from janitor.core.config import Settings
from janitor.main import create_app


def render() -> str:
    app = create_app(Settings(spa_dir=Path("/nonexistent")))
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> None:
    text = render()
    if len(argv) > 1:
        Path(argv[1]).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv)
