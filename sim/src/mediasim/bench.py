"""Measure the simulator's serving rate: ``python -m mediasim.bench --tracks 100000 --page 5000``.

Starts ``python -m mediasim`` in a subprocess (so client and server do not share a GIL), then pages
through every track of the music library with httpx, counting items in the raw bytes (no client-side
parsing), for PMS JSON, PMS XML and Jellyfin JSON; first pass and second (cached) pass.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from typing import Any

import httpx

from mediasim.server import free_port


async def _pass(
    client: httpx.AsyncClient, urls: list[tuple[str, dict[str, str]]], marker: bytes, concurrency: int
) -> tuple[int, float, int]:
    sem = asyncio.Semaphore(concurrency)
    count = 0
    nbytes = 0

    async def one(url: str, headers: dict[str, str]) -> None:
        nonlocal count, nbytes
        async with sem:
            r = await client.get(url, headers=headers)
            r.raise_for_status()
            count += r.content.count(marker)
            nbytes += len(r.content)

    t = time.perf_counter()
    await asyncio.gather(*(one(u, h) for u, h in urls))
    return count, time.perf_counter() - t, nbytes


def start_simulator(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "mediasim",
        "--port",
        str(port),
        "--seed",
        "1",
        "--tracks",
        str(args.tracks),
        "--movies",
        "50",
        "--episodes",
        "50",
        "--requests",
        "20",
        "--json",
    ]
    if args.no_prerender:
        cmd.append("--no-prerender")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603


async def wait_for_admin(c: httpx.AsyncClient, base: str, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The simulator's connection info (``/_admin``) once it answers; raises if its process exits first."""
    while True:
        try:
            info: dict[str, Any] = (await c.get(base + "/_admin")).json()
            return info
        except httpx.TransportError:
            if proc.poll() is not None:
                raise RuntimeError("simulator exited") from None
            await asyncio.sleep(0.2)


async def run(args: argparse.Namespace, proc: subprocess.Popen[bytes], port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=args.concurrency)) as c:
            t0 = time.perf_counter()
            info = await wait_for_admin(c, base, proc)
            print(f"world of {args.tracks} tracks ready in {time.perf_counter() - t0:.1f}s (incl. start-up)")
            pms = info["pms"]["home"]
            total = args.tracks
            page = args.page
            plex_urls = [
                (
                    pms["base_url"] + "/library/sections/3/all?type=10",
                    {
                        "X-Plex-Token": pms["owner_token"],
                        "X-Plex-Container-Start": str(s),
                        "X-Plex-Container-Size": str(page),
                    },
                )
                for s in range(0, total, page)
            ]
            jf = info["jellyfin"]
            jf_urls = [
                (
                    jf["base_url"] + f"/Items?Recursive=true&IncludeItemTypes=Audio&StartIndex={s}&Limit={page}"
                    f"&Fields=MediaSources,DateCreated,ProviderIds&userId={jf['users'][0]['id']}",
                    {"Authorization": f'MediaBrowser Token="{jf["api_key"]}"'},
                )
                for s in range(0, min(total, 50_000), page)
            ]
            cases = [
                ("PMS JSON", [(u, {**h, "Accept": "application/json"}) for u, h in plex_urls], b'"ratingKey"'),
                ("PMS XML", plex_urls, b"<Track "),
                ("Jellyfin JSON", jf_urls, b'"ServerId"'),
            ]
            print(f"page size {page}, concurrency {args.concurrency}")
            for name, urls, marker in cases:
                for label in ("first pass", "second pass"):
                    n, dt, nbytes = await _pass(c, urls, marker, args.concurrency)
                    print(
                        f"  {name:<14} {label:<11} {n:>7} items {dt:6.2f}s {n / dt:>10,.0f} items/s "
                        f"{nbytes / dt / 1e6:7.0f} MB/s"
                    )
    finally:
        proc.terminate()


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m mediasim.bench")
    p.add_argument("--tracks", type=int, default=100_000)
    p.add_argument("--page", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--no-prerender", action="store_true")
    args = p.parse_args()
    port = free_port()
    proc = start_simulator(args, port)
    try:
        asyncio.run(run(args, proc, port))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
