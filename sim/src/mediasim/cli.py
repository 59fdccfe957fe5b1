"""``python -m mediasim`` / ``mediasim``: start the simulator with a chosen world."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import orjson
import uvicorn

from mediasim.admin import connection_info
from mediasim.app import build_app
from mediasim.generator import DEFAULT_NOW, SIZES, generate_world
from mediasim.model import World
from mediasim.scenario import load_scenario
from mediasim.server import make_config


def world_now(value: str | None) -> int:
    """``--now``: a demo world dated today keeps "recently added" and "last watched" meaningful."""
    if value is None:
        return DEFAULT_NOW
    if value == "today":
        return int(time.time()) // 86400 * 86400
    return int(value)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="mediasim", description="Plex/plex.tv/Jellyfin/Jellyseerr simulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--size", choices=sorted(SIZES), default="small")
    p.add_argument("--scenario", help="YAML/JSON scenario file (overrides --seed/--size)")
    p.add_argument("--tracks", type=int)
    p.add_argument("--movies", type=int)
    p.add_argument("--episodes", type=int)
    p.add_argument("--requests", type=int)
    p.add_argument("--friends", type=int, default=3)
    p.add_argument("--servers", type=int, default=1)
    p.add_argument("--no-media-deletion", action="store_true", help="PMS refuses deletions (400)")
    p.add_argument("--json", action="store_true", help="print connection info as JSON")
    p.add_argument(
        "--pace",
        action="append",
        default=[],
        metavar="SERVICE=MS[:N]",
        help="real-server pace, e.g. pms:home=150:4 (150 ms per request, at most 4 in flight); repeatable",
    )
    p.add_argument("--no-prerender", action="store_true", help="render pages lazily (faster start, slower first pass)")
    p.add_argument("--prerender-xml", action="store_true", help="also pre-render PMS XML (more memory)")
    p.add_argument(
        "--page-cache-mb",
        type=int,
        default=None,
        help="memory kept for whole pages served again unchanged (default 192; benchmarks raise it so that "
        "a warm-up run leaves every page of a large Jellyfin library cached)",
    )
    p.add_argument("--log-level", default="warning")
    p.add_argument(
        "--now",
        default=None,
        help="the world's 'now': epoch seconds, or 'today' (midnight UTC); default 2026-01-01, reproducible",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t0 = time.monotonic()

    def factory() -> World:
        if args.scenario:
            return load_scenario(args.scenario)
        knobs: dict[str, Any] = {
            k: getattr(args, k) for k in ("tracks", "movies", "episodes", "requests") if getattr(args, k) is not None
        }
        return generate_world(
            now=world_now(args.now),
            seed=args.seed,
            size=args.size,
            friends=args.friends,
            servers=args.servers,
            allow_media_deletion=not args.no_media_deletion,
            **knobs,
        )

    world = factory()
    for spec in args.pace:
        svc, _, rest = spec.partition("=")
        ms, _, n = rest.partition(":")
        world.pace[svc] = {"pace_ms": int(ms or 0), **({"max_in_flight": int(n)} if n else {})}
    app = build_app(world, factory)
    if args.page_cache_mb is not None:
        app.state.page_cache_budget = args.page_cache_mb * 1024 * 1024
    if not args.no_prerender:
        app.prerender(("json", "xml") if args.prerender_xml else ("json",))
    base = f"http://{args.host}:{args.port}"
    app.state.base_url = base
    info = connection_info(app.state, base)
    if args.json:
        print(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode())
    else:
        print(f"mediasim: world built in {time.monotonic() - t0:.1f}s: {orjson.dumps(world.summary()).decode()}")
        print(f"  admin        {info['admin']}")
        print(f"  plex.tv      {info['plextv']['base_url']}   (auth app: {info['plextv']['auth_app_url']})")
        print(f"               owner token {info['plextv']['owner']['token']} ({info['plextv']['owner']['username']})")
        for name, s in info["pms"].items():
            print(
                f"  PMS {name:<8} {s['base_url']}   X-Plex-Token {s['owner_token']}  machine {s['machine_identifier']}"
            )
        if "jellyfin" in info:
            jf = info["jellyfin"]
            print(f"  Jellyfin     {jf['base_url']}   API key {jf['api_key']}")
            for u in jf["users"]:
                print(f"               user {u['name']} id {u['id']} password {u['password']!r} token {u['token']}")
        if "jellyseerr" in info:
            print(f"  Jellyseerr   {info['jellyseerr']['base_url']}   X-Api-Key {info['jellyseerr']['api_key']}")
    sys.stdout.flush()
    uvicorn.Server(make_config(app, args.host, args.port, args.log_level)).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
