"""mediasim: a simulator of plex.tv, Plex Media Server, Jellyfin and Jellyseerr.

Python API::

    from mediasim import generate_world, load_scenario, build_app, SimServer

    world = generate_world(seed=1, size="small")        # or tracks=..., movies=..., episodes=...
    app = build_app(world)                                # ASGI app (httpx.ASGITransport(app=app))
    with SimServer(world) as sim:                         # real socket on a free port
        print(sim.url, sim.info)
"""

from mediasim.admin import connection_info
from mediasim.app import SimApp, build_app
from mediasim.generator import DEFAULT_NOW, SIZES, generate_world
from mediasim.model import World
from mediasim.scenario import load_scenario, world_from_scenario
from mediasim.server import SimServer, free_port, serve_in_thread

__all__ = [
    "DEFAULT_NOW",
    "SIZES",
    "SimApp",
    "SimServer",
    "World",
    "build_app",
    "connection_info",
    "free_port",
    "generate_world",
    "load_scenario",
    "serve_in_thread",
    "world_from_scenario",
]
