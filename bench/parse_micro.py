"""What decoding costs the worker, and what typed decoding would save:
``uv run python bench/parse_micro.py [--tracks 100000] [--movies 10000] [--episodes 50000]``.

Starts the simulator in its own process, fetches once the pages a cold sync reads (Plex music tracks as
JSON; Jellyfin movies and episodes with the sync's ``Fields``, media streams included), then times in
this process, best of three, with nothing else running:

* ``orjson.loads`` of every page -- what the sync does;
* building the staging rows from those dicts (``plex_row`` / ``jellyfin_row``, the sync's own code);
* ``msgspec`` decoding the same bytes into structs that declare only the fields the rows read (every
  value typed ``Any``, so it is as lenient as the dict path); unknown keys are skipped while parsing,
  which is where a typed decoder can beat orjson.

The difference of the two decode rows bounds what replacing orjson with typed structs could save per run
(the row builders would have to be rewritten for structs; the rest of the sync is unchanged).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import orjson

from janitor.sync.mapping import JELLYFIN_FIELDS, jellyfin_row, plex_row
from mediasim.bench import wait_for_admin
from mediasim.server import free_port

PAGE = 5000


class _PlexPart(msgspec.Struct):
    id: Any = None
    file: Any = None
    size: Any = None
    container: Any = None
    duration: Any = None
    Stream: Any = None


class _PlexMedia(msgspec.Struct):
    id: Any = None
    bitrate: Any = None
    container: Any = None
    videoResolution: Any = None
    videoCodec: Any = None
    audioCodec: Any = None
    audioChannels: Any = None
    Part: list[_PlexPart] | None = None


class _PlexItem(msgspec.Struct):
    ratingKey: Any
    parentRatingKey: Any = None
    grandparentRatingKey: Any = None
    title: Any = None
    parentTitle: Any = None
    grandparentTitle: Any = None
    originalTitle: Any = None
    index: Any = None
    parentIndex: Any = None
    year: Any = None
    duration: Any = None
    addedAt: Any = None
    updatedAt: Any = None
    originallyAvailableAt: Any = None
    Guid: Any = None
    Media: list[_PlexMedia] | None = None


class _PlexContainer(msgspec.Struct):
    totalSize: Any = None
    Metadata: list[_PlexItem] | None = None


class _PlexDoc(msgspec.Struct):
    MediaContainer: _PlexContainer


class _JfStream(msgspec.Struct):
    Type: Any = None
    Language: Any = None
    Codec: Any = None
    IsForced: Any = None
    IsExternal: Any = None
    DisplayTitle: Any = None
    Height: Any = None


class _JfSource(msgspec.Struct):
    Id: Any = None
    Path: Any = None
    Size: Any = None
    Container: Any = None
    RunTimeTicks: Any = None
    Bitrate: Any = None
    MediaStreams: list[_JfStream] | None = None


class _JfItem(msgspec.Struct):
    Id: Any = None
    Type: Any = None
    Name: Any = None
    SeasonId: Any = None
    ParentId: Any = None
    SeriesId: Any = None
    SeasonName: Any = None
    SeriesName: Any = None
    AlbumId: Any = None
    AlbumArtists: Any = None
    Album: Any = None
    AlbumArtist: Any = None
    Artists: Any = None
    IndexNumber: Any = None
    ParentIndexNumber: Any = None
    ProductionYear: Any = None
    RunTimeTicks: Any = None
    DateCreated: Any = None
    DateLastSaved: Any = None
    PremiereDate: Any = None
    ProviderIds: Any = None
    MediaSources: list[_JfSource] | None = None


class _JfDoc(msgspec.Struct):
    Items: list[_JfItem]
    TotalRecordCount: Any = None


async def _fetch(args: argparse.Namespace, port: int, proc: subprocess.Popen[bytes]) -> tuple[list[bytes], list[bytes]]:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(timeout=300) as c:
        info = await wait_for_admin(c, base, proc)
        pms = info["pms"]["home"]
        plex = []
        for start in range(0, args.tracks, PAGE):
            r = await c.get(
                pms["base_url"] + "/library/sections/3/all",
                params={"type": 10},
                headers={
                    "X-Plex-Token": pms["owner_token"],
                    "X-Plex-Container-Start": str(start),
                    "X-Plex-Container-Size": str(PAGE),
                    "Accept": "application/json",
                },
            )
            r.raise_for_status()
            plex.append(r.content)
        jf = info["jellyfin"]
        jelly = []
        for types, total in (("Movie", args.movies), ("Episode", args.episodes)):
            for start in range(0, total, PAGE):
                r = await c.get(
                    jf["base_url"] + "/Items",
                    params={
                        "recursive": "true",
                        "includeItemTypes": types,
                        "fields": ",".join(JELLYFIN_FIELDS),
                        "startIndex": start,
                        "limit": PAGE,
                        "SortBy": "SortName,Id",
                        "SortOrder": "Ascending",
                        "EnableUserData": "false",
                        "EnableImages": "false",
                    },
                    headers={"Authorization": f'MediaBrowser Token="{jf["api_key"]}"'},
                )
                r.raise_for_status()
                jelly.append(r.content)
        return plex, jelly


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(prog="bench/parse_micro.py")
    p.add_argument("--tracks", type=int, default=100_000)
    p.add_argument("--movies", type=int, default=10_000)
    p.add_argument("--episodes", type=int, default=50_000)
    args = p.parse_args()
    port = free_port()
    cmd = [sys.executable, "-m", "mediasim", "--port", str(port), "--seed", "1", "--tracks", str(args.tracks)]
    cmd += ["--movies", str(args.movies), "--episodes", str(args.episodes), "--requests", "20", "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        plex, jelly = asyncio.run(_fetch(args, port, proc))
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    ctx = (uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    plex_docs = [orjson.loads(b) for b in plex]
    jelly_docs = [orjson.loads(b) for b in jelly]
    n_plex = sum(len(d["MediaContainer"].get("Metadata") or ()) for d in plex_docs)
    n_jelly = sum(len(d["Items"]) for d in jelly_docs)
    plex_dec, jelly_dec = msgspec.json.Decoder(_PlexDoc), msgspec.json.Decoder(_JfDoc)
    cases = [
        (
            f"Plex tracks ({n_plex:,} items, {sum(map(len, plex)) / 1e6:.0f} MB)",
            n_plex,
            lambda: [orjson.loads(b) for b in plex],
            lambda: [[plex_row(m, ctx, "track") for m in d["MediaContainer"]["Metadata"]] for d in plex_docs],
            lambda: [plex_dec.decode(b) for b in plex],
        ),
        (
            f"Jellyfin movies+episodes ({n_jelly:,} items, {sum(map(len, jelly)) / 1e6:.0f} MB)",
            n_jelly,
            lambda: [orjson.loads(b) for b in jelly],
            lambda: [[jellyfin_row(m, ctx) for m in d["Items"]] for d in jelly_docs],
            lambda: [jelly_dec.decode(b) for b in jelly],
        ),
    ]
    print("| pages | orjson.loads (the sync) | rows from dicts (the sync) | msgspec typed structs | would save |")
    print("|---|---|---|---|---|")
    for name, n, loads, rows, typed in cases:
        t_loads, t_rows, t_typed = _best(loads), _best(rows), _best(typed)
        print(
            f"| {name} | {t_loads:.2f} s ({t_loads / n * 1e6:.1f} µs/item) | {t_rows:.2f} s | "
            f"{t_typed:.2f} s ({t_typed / n * 1e6:.1f} µs/item) | {t_loads - t_typed:.2f} CPU-s "
            f"({(t_loads - t_typed) / (t_loads + t_rows):.0%} of decode + rows) |"
        )


if __name__ == "__main__":
    main()
