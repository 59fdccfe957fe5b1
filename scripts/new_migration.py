"""Autogenerate an Alembic migration against a throwaway Postgres migrated to head.

uv run python scripts/new_migration.py "add connections"
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from janitor.devtools.pytest_plugin import create_database
from janitor.devtools.services import PostgresServer


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    base = Path(tempfile.mkdtemp(prefix="janitor-mig-"))
    server = PostgresServer(base / "pg").start()
    try:
        url = asyncio.run(create_database(server.url, "migrations"))
        env = dict(os.environ, JANITOR_DATABASE_URL=url)
        subprocess.run(["alembic", "upgrade", "head"], env=env, check=True)
        subprocess.run(["alembic", "revision", "--autogenerate", "-m", sys.argv[1]], env=env, check=True)
        print(f"generated against {make_url(url).render_as_string(hide_password=True)}")
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
