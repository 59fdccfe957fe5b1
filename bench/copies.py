"""What recognising the same files on two servers costs: ``uv run python bench/copies.py [--video 60000]
[--tracks 250000]``.

No HTTP and no simulator: an account with a Plex and a Jellyfin server holding the same files (the
shape the sync writes: movies and episodes with streams in ``parts``, tracks, shows with external
ids) is inserted straight into a fresh database, then ``library.copies.rebuild_copies`` runs (as the
end of every sync does) in four cases, and the table prints seconds per case:

* ``same paths``   -- both servers see the files under the same folders;
* ``mapped``       -- Jellyfin sees ``/media`` where Plex sees ``/data``, with the path mapping set;
* ``fingerprint``  -- the same, without the mapping (size + duration + identity only);
* ``one server``   -- an account with Plex only (what every single-server account pays).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from janitor.core.migrations import upgrade_to_head
from janitor.devtools.pytest_plugin import create_database
from janitor.devtools.services import PostgresServer
from janitor.library.copies import rebuild_copies

# Rows as the sync writes them, generated in SQL: ``:root`` is the server's folder, ``$n`` the counts.
ITEMS_SQL = """
INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, grandparent_id, title,
                         parent_index, "index", duration_ms, guids, size_bytes, parts, match_key)
SELECT $1, $2, $3, $5 || k.kind || g, k.kind,
       CASE WHEN k.kind = 'episode' THEN $5 || 's' || (g / 10) END,
       'Title ' || g, CASE WHEN k.kind = 'episode' THEN 1 + g % 10 / 5 END,
       CASE WHEN k.kind = 'episode' THEN g % 5 END,
       CASE WHEN k.kind = 'track' THEN 180000 + g % 100000 ELSE 5400000 + g END,
       CASE WHEN k.kind = 'movie' THEN jsonb_build_object('tmdb', g::text, 'imdb', 'tt' || g)
            WHEN k.kind = 'episode' THEN jsonb_build_object('tvdb', (900000 + g)::text) ELSE '{}' END,
       CASE WHEN k.kind = 'track' THEN 5000000 + g ELSE 2000000000 + g END,
       jsonb_build_array(jsonb_build_object(
           'part_id', g, 'size', 2000000000 + g, 'container', 'mkv',
           'file', $4 || '/' || k.kind || '/' || g || '/file ' || g || '.mkv',
           'streams', CASE WHEN k.kind = 'track' THEN '[]'::jsonb ELSE (
               SELECT jsonb_agg(jsonb_build_object('type', t, 'language', l, 'codec', 'aac', 'forced', false,
                                                   'external', false, 'title', t || ' ' || l))
               FROM unnest(ARRAY['video', 'audio', 'audio', 'subtitle', 'subtitle'],
                           ARRAY[NULL, 'en', 'fr', 'fr', 'en']) AS s(t, l)) END)),
       CASE WHEN k.kind = 'track' THEN 'title ' || g || chr(31) || 'artist' || chr(31) || 'album ' || (g / 12) END
FROM (VALUES ('movie', $6::int), ('episode', $7::int), ('track', $8::int)) AS k(kind, n),
     generate_series(1, k.n) AS g
"""
SHOWS_SQL = """
INSERT INTO media_items (account_id, connection_id, library_id, upstream_id, kind, title, guids, parts)
SELECT $1, $2, $3, $4 || 's' || g, 'show', 'Show ' || g, jsonb_build_object('tvdb', (500000 + g)::text), '[]'
FROM generate_series(0, $5::int / 10) AS g
"""


async def _server(conn: Any, account: uuid.UUID, kind: str, name: str, mappings: str = "[]") -> tuple[Any, Any]:
    cid, lid = uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO connections (id, account_id, kind, name, base_url, token_ciphertext, verify_tls, options, "
        "path_mappings, status, created_at, updated_at) VALUES ($1, $2, $3, $4, 'http://x', 'x', true, '{}', "
        "$5::jsonb, 'ok', clock_timestamp(), now())",
        cid,
        account,
        kind,
        name,
        mappings,
    )
    await conn.execute(
        "INSERT INTO libraries (id, account_id, connection_id, upstream_key, title, kind, enabled) "
        "VALUES ($1, $2, $3, '1', 'All', 'movie', true)",
        lid,
        account,
        cid,
    )
    return cid, lid


async def _account(conn: Any, servers: list[tuple[str, str, str]], counts: tuple[int, int, int]) -> uuid.UUID:
    account = uuid.uuid4()
    await conn.execute(
        "INSERT INTO accounts (id, email, password_hash) VALUES ($1, $2, 'x')", account, f"{account}@bench"
    )
    for kind, root, mappings in servers:
        cid, lid = await _server(conn, account, kind, kind, mappings)
        prefix = f"{kind}-"
        await conn.execute(ITEMS_SQL, account, cid, lid, root, prefix, *counts)
        await conn.execute(SHOWS_SQL, account, cid, lid, prefix, counts[1])
    return account


async def run(args: argparse.Namespace) -> None:
    base = Path(tempfile.mkdtemp(prefix="janitor-bench-copies-"))
    server = PostgresServer(base / "pg").start()
    try:
        url = await create_database(server.url, "bench")
        await asyncio.to_thread(upgrade_to_head, url)
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        counts = (args.movies, args.episodes, args.tracks)
        mapping = '[{"server_path": "/media", "shared_path": "/data"}]'
        cases = {
            "same paths": [("plex", "/data", "[]"), ("jellyfin", "/data", "[]")],
            "mapped": [("plex", "/data", "[]"), ("jellyfin", "/media", mapping)],
            "fingerprint": [("plex", "/data", "[]"), ("jellyfin", "/media", "[]")],
            "one server": [("plex", "/data", "[]")],
        }
        accounts = {name: await _account(conn, servers, counts) for name, servers in cases.items()}
        await conn.execute("ANALYZE")
        await conn.close()
        engine = create_async_engine(url)
        maker = async_sessionmaker(engine, expire_on_commit=False)
        items = sum(counts) + counts[1] // 10 + 1
        shape = f"{args.movies:,} movies, {args.episodes:,} episodes, {args.tracks:,} tracks"
        print(f"{items:,} items per server ({shape})")
        print(f"{'case':<14} {'seconds':>8} {'file groups':>12} {'by path':>9} {'by fingerprint':>15} {'shows':>7}")
        for name, account in accounts.items():
            best = None
            for _ in range(args.repeat):
                async with maker() as session, session.begin():
                    started = time.perf_counter()
                    stats = await rebuild_copies(session, account)
                    took = time.perf_counter() - started
                best = took if best is None else min(best, took)
            print(
                f"{name:<14} {best:>8.2f} {stats.file_groups:>12,} {stats.by_path:>9,} "
                f"{stats.by_fingerprint:>15,} {stats.show_groups:>7,}"
            )
        await engine.dispose()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--movies", type=int, default=10_000)
    parser.add_argument("--episodes", type=int, default=50_000)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs per case (the best is printed)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
