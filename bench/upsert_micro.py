"""Where the database time of a sync page goes: ``uv run python bench/upsert_micro.py [--rows 100000]``.

No HTTP and no simulator: synthetic track rows (the shape ``plex_row`` produces) are written in
pages of 1000 through

* ``product``  -- ``janitor.sync.upsert.upsert_items`` in a SQLAlchemy session per page, as the sync does;
* ``copy-only`` -- a bare ``copy_records_to_table`` into a plain table (the floor's database part);
* ``stage-once`` -- the product's statements minus the per-page CREATE TEMP TABLE IF NOT EXISTS +
  TRUNCATE (``ON COMMIT DELETE ROWS`` already empties the stage), on one connection; then with
  each of those two statements put back, to see which one costs;

The product's upsert only rewrites rows whose data changed (``ON CONFLICT ... DO UPDATE ... WHERE``)
and a full pass records the ids it saw in ``sync_seen_items``: the product variant's warm pass
does both, as a daily full pass would.

Each variant runs cold (empty table) and warm (the same rows again with a new run id) in a fresh
database; the table reports seconds and rows/s of database work only.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson

PAGE = 1000


def make_rows(n: int, ids: tuple[uuid.UUID, uuid.UUID, uuid.UUID]) -> list[tuple[Any, ...]]:
    rng = random.Random(1)
    account, connection, library = ids
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        parts = [
            {
                "media_id": str(500_000 + i),
                "part_id": str(900_000 + i),
                "file": f"/data/music/Artist {i // 120}/Album {i // 12}/{i % 12:02d} Title {i}.flac",
                "size": rng.randrange(3_000_000, 60_000_000),
                "container": "flac",
                "duration_ms": rng.randrange(90_000, 420_000),
                "bitrate_kbps": 900,
                "audio_codec": "flac",
                "video_codec": None,
                "video_resolution": None,
                "audio_channels": 2,
            }
        ]
        rows.append(
            (
                account,
                connection,
                library,
                str(200_000 + i),
                "track",
                str(100_000 + i // 12),
                str(10_000 + i // 120),
                f"Title {i}",
                f"Album {i // 12}",
                f"Artist {i // 120}",
                None,
                i % 12 + 1,
                1,
                None,
                rng.randrange(90_000, 420_000),
                now,
                now,
                None,
                orjson.dumps({"plex": f"track/{i:x}"}).decode(),
                parts[0]["size"],
                900,
                "flac",
                None,
                None,
                "flac",
                orjson.dumps(parts).decode(),
                None,
                None,
                None,
                None,
                None,
                f"title {i}|artist {i // 120}|album {i // 12}",
            )
        )
    return rows


async def setup_db(server_url: str, name: str) -> tuple[str, tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    admin = await asyncpg.connect(server_url.replace("postgresql+asyncpg", "postgresql"))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "micro_tmpl"')
    await admin.close()
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    account, connection, library = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO accounts (id, email, password_hash) VALUES ($1, $2, 'x')", account, f"{account}@example.com"
    )
    await conn.execute(
        "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, options, "
        "status) VALUES ($1, $2, 'plex', 'p', 'http://x', 'x', false, '{}', 'ok')",
        connection,
        account,
    )
    await conn.execute(
        "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
        "VALUES ($1, $2, $3, '3', 'Music', 'music', true)",
        library,
        account,
        connection,
    )
    await conn.close()
    return url, (account, connection, library)


async def product(url: str, rows: list[tuple[Any, ...]], seen_run: uuid.UUID | None = None) -> float:
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from janitor.sync.upsert import upsert_items

    engine = create_async_engine(url, pool_size=5, pool_pre_ping=True)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    t = time.perf_counter()
    for i in range(0, len(rows), PAGE):
        async with maker() as session, session.begin():
            await upsert_items(session, rows[i : i + PAGE], seen_run=seen_run)
    dt = time.perf_counter() - t
    await engine.dispose()
    return dt


async def missing(url: str, ids: tuple[uuid.UUID, uuid.UUID, uuid.UUID], run: uuid.UUID) -> float:
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from janitor.sync.upsert import mark_missing

    engine = create_async_engine(url)
    account, connection, library = ids
    t = time.perf_counter()
    async with async_sessionmaker(engine)() as session, session.begin():
        outcome = await mark_missing(
            session, account_id=account, connection_id=connection, library_ids=[library], run_id=run
        )
    dt = time.perf_counter() - t
    await engine.dispose()
    assert outcome.marked == PAGE, outcome
    return dt


async def copy_only(url: str, rows: list[tuple[Any, ...]]) -> float:
    from janitor.sync.mapping import ITEM_COLUMNS

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    cols = ", ".join(f'"{c}"' for c in ITEM_COLUMNS)
    await conn.execute(f"CREATE TABLE IF NOT EXISTS plain_items AS SELECT {cols} FROM media_items WITH NO DATA")
    t = time.perf_counter()
    for i in range(0, len(rows), PAGE):
        await conn.copy_records_to_table("plain_items", records=rows[i : i + PAGE], columns=list(ITEM_COLUMNS))
    dt = time.perf_counter() - t
    await conn.close()
    return dt


# What the media_items table costs per row: the variants below drop one thing before writing.
NO_FOREIGN_KEYS = tuple(
    f"ALTER TABLE media_items DROP CONSTRAINT IF EXISTS fk_media_items_{fk}"
    for fk in ("account_id_accounts", "connection_id_connections", "library_id_libraries")
)
NO_SECONDARY_INDEXES = tuple(
    f"DROP INDEX IF EXISTS {name}"
    for name in (
        "ix_media_items_account_kind",
        "ix_media_items_library",
        "ix_media_items_match",
        "ix_media_items_movie_size",
        "ix_media_items_account_added",
        "ix_media_items_show_episodes",
    )
)


# One composite key instead of three: the item's library, with the account and connection it must
# belong to (a single lookup that also proves the three ids agree).
ONE_COMPOSITE_FK = (
    *NO_FOREIGN_KEYS,
    "ALTER TABLE media_items DROP CONSTRAINT IF EXISTS fk_media_items_library_tenant",
    "ALTER TABLE libraries DROP CONSTRAINT IF EXISTS uq_libraries_tenant",
    "ALTER TABLE libraries ADD CONSTRAINT uq_libraries_tenant UNIQUE (id, account_id, connection_id)",
    "ALTER TABLE media_items ADD CONSTRAINT fk_media_items_library_tenant FOREIGN KEY "
    "(library_id, account_id, connection_id) REFERENCES libraries (id, account_id, connection_id) ON DELETE CASCADE",
)


async def copy_direct(url: str, rows: list[tuple[Any, ...]], *, prep: tuple[str, ...] = ()) -> float:
    """A library's first pass could COPY straight into media_items (nothing there to conflict with)."""
    from janitor.sync.mapping import ITEM_COLUMNS

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    for stmt in prep:
        await conn.execute(stmt)
    await conn.execute("DELETE FROM media_items")
    t = time.perf_counter()
    for i in range(0, len(rows), PAGE):
        async with conn.transaction():
            await conn.copy_records_to_table("media_items", records=rows[i : i + PAGE], columns=list(ITEM_COLUMNS))
    dt = time.perf_counter() - t
    await conn.close()
    return dt


async def stage_once(
    url: str, rows: list[tuple[Any, ...]], *, per_page: tuple[str, ...] = (), prep: tuple[str, ...] = ()
) -> float:
    from janitor.sync.mapping import ITEM_COLUMNS
    from janitor.sync.upsert import CREATE_STAGE, UPSERT_ITEMS

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    for stmt in prep:
        await conn.execute(stmt)
    t = time.perf_counter()
    async with conn.transaction():
        await conn.execute(CREATE_STAGE)
    for i in range(0, len(rows), PAGE):
        async with conn.transaction():
            for stmt in per_page:
                await conn.execute(stmt)
            await conn.copy_records_to_table("_stage_items", records=rows[i : i + PAGE], columns=list(ITEM_COLUMNS))
            await conn.fetch(UPSERT_ITEMS)
    dt = time.perf_counter() - t
    await conn.close()
    return dt


async def main_async(server_url: str, n: int, only: list[str]) -> list[tuple[str, str, float]]:
    from janitor.sync.upsert import CREATE_STAGE

    out: list[tuple[str, str, float]] = []
    variants = {
        "product (upsert_items, session per page)": lambda u, r: product(u, r),
        "stage created once, no TRUNCATE": lambda u, r: stage_once(u, r),
        "stage once, TRUNCATE per page": lambda u, r: stage_once(u, r, per_page=("TRUNCATE _stage_items",)),
        "stage once, CREATE IF NOT EXISTS per page": lambda u, r: stage_once(u, r, per_page=(CREATE_STAGE,)),
        "stage once, without media_items' 3 foreign keys": lambda u, r: stage_once(u, r, prep=NO_FOREIGN_KEYS),
        "stage once, without its 6 secondary indexes": lambda u, r: stage_once(u, r, prep=NO_SECONDARY_INDEXES),
        "stage once, one composite foreign key": lambda u, r: stage_once(u, r, prep=ONE_COMPOSITE_FK),
        "COPY straight into media_items (cold only)": lambda u, r: copy_direct(u, r),
        "COPY straight in, one composite foreign key": lambda u, r: copy_direct(u, r, prep=ONE_COMPOSITE_FK),
        "COPY straight in, without its 6 secondary indexes": lambda u, r: copy_direct(u, r, prep=NO_SECONDARY_INDEXES),
        "COPY straight in, without its foreign key": lambda u, r: copy_direct(
            u, r, prep=("ALTER TABLE media_items DROP CONSTRAINT IF EXISTS fk_media_items_library_tenant",)
        ),
        "bare COPY into a plain table (floor)": lambda u, r: copy_only(u, r),
    }
    for name, fn in variants.items():
        if only and not any(o in name for o in only):
            continue
        url, ids = await setup_db(server_url, "micro")
        rows = make_rows(n, ids)
        cold = await fn(url, rows)
        warm = await fn(url, rows)
        out += [(name, "cold", cold), (name, "warm (all rows again)", warm)]
    if only:
        return out
    url, ids = await setup_db(server_url, "micro")
    rows = make_rows(n, ids)
    await product(url, rows)
    run = uuid.uuid4()
    warm = await product(url, rows[PAGE:], seen_run=run)  # the first page vanished upstream
    out.append(("product, recording seen ids (a daily full pass)", "warm (all rows again)", warm))
    out.append(
        ("mark_missing after that pass (anti-join on the seen ids)", "end of a full pass", await missing(url, ids, run))
    )
    return out


def main() -> None:
    from janitor.core.migrations import upgrade_to_head
    from janitor.devtools.services import PostgresServer

    p = argparse.ArgumentParser(prog="bench/upsert_micro.py")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--only", default="", help="comma-separated parts of variant names to run (default: all)")
    args = p.parse_args()
    base = Path(tempfile.mkdtemp(prefix="janitor-micro-"))
    pg = PostgresServer(base / "pg").start()
    try:

        async def create_template() -> None:
            c = await asyncpg.connect(pg.url.replace("postgresql+asyncpg", "postgresql"))
            await c.execute('CREATE DATABASE "micro_tmpl"')
            await c.close()

        asyncio.run(create_template())
        t = threading.Thread(target=upgrade_to_head, args=(pg.url.rsplit("/", 1)[0] + "/micro_tmpl",))
        t.start()
        t.join()
        results = asyncio.run(main_async(pg.url, args.rows, [o for o in args.only.split(",") if o]))
    finally:
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"\n{args.rows:,} rows in pages of {PAGE}: database work only")
    print(f"| {'variant':<55} | {'pass':<22} | {'seconds':>7} | {'rows/s':>9} |")
    print(f"|{'-' * 57}|{'-' * 24}|{'-' * 9}|{'-' * 11}|")
    for name, phase, dt in results:
        print(f"| {name:<55} | {phase:<22} | {dt:7.2f} | {args.rows / dt:9,.0f} |")


if __name__ == "__main__":
    main()
