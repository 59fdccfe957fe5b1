"""Operational commands: ``python -m janitor.cli migrate | check-config``."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from janitor.core.config import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="janitor")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every Alembic migration (run before the API and the worker)")
    sub.add_parser("check-config", help="validate the settings from the environment and .env")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        from janitor.core.migrations import upgrade_to_head

        upgrade_to_head(settings.database_url)
        print("database is at the latest migration")
    else:
        print(f"configuration is valid (env={settings.env})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
