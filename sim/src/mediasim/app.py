"""The ASGI application: one process serving plex.tv, every PMS, Jellyfin, Jellyseerr and the admin API.

Base paths::

    /plextv                 plex.tv (``https://plex.tv``); /plextv/auth stands in for app.plex.tv/auth
    /pms/{server}           each Plex Media Server
    /jellyfin               Jellyfin
    /jellyseerr             Jellyseerr (its routes live under /api/v1)
    /_admin                 faults, mutation log, request counters, PIN approval, webhooks, plays
"""

from __future__ import annotations

import contextlib
import socket
import struct
from collections.abc import Callable
from typing import Any

from starlette.types import Receive, Scope, Send

from mediasim.admin import build_admin
from mediasim.core import TRANSPORT_KEY, ConnectionReset, Service, SimState, dispatch
from mediasim.jellyfin import JellyfinService
from mediasim.jellyseerr import JellyseerrService
from mediasim.model import World
from mediasim.plextv import PlexTvService
from mediasim.pms import PlexMediaServer


class SimApp:
    """ASGI callable. ``app.state`` is the :class:`SimState` (world, faults, mutation log, counters)."""

    def __init__(self, world: World, factory: Callable[[], World] | None = None) -> None:
        self.factory = factory
        self._setup(world)

    def reset(self) -> bool:
        """Replace the world by a fresh one from ``factory`` (faults, logs and counters are cleared too)."""
        if self.factory is None:
            return False
        base_url, budget = self.state.base_url, self.state.page_cache_budget
        self._setup(self.factory())
        self.state.base_url, self.state.page_cache_budget = base_url, budget
        return True

    def _setup(self, world: World) -> None:
        self.state = SimState(world)
        self.plextv = PlexTvService(self.state)
        self.pms: dict[str, PlexMediaServer] = {s.name: PlexMediaServer(self.state, s) for s in world.plex_servers}
        self.jellyfin = JellyfinService(self.state, world.jellyfin) if world.jellyfin else None
        self.jellyseerr = JellyseerrService(self.state, world.seerr) if world.seerr else None
        self.services: dict[str, Service] = {"plextv": self.plextv}
        for name, svc in self.pms.items():
            self.services[f"pms:{name}"] = svc
        if self.jellyfin:
            self.services["jellyfin"] = self.jellyfin
        if self.jellyseerr:
            self.services["jellyseerr"] = self.jellyseerr
        self.admin = build_admin(self)

    def prerender(
        self, plex_formats: tuple[str, ...] = ("json",), jellyfin_fields: tuple[str, ...] | None = None
    ) -> int:
        """Render list-mode bytes of every leaf item now instead of on first request.

        ``plex_formats``: "json" and/or "xml" for every PMS; ``jellyfin_fields``: a ``Fields=`` set to
        pre-render Jellyfin DTOs for (None = skip Jellyfin). Pages are rendered lazily and cached anyway;
        this moves that cost to start-up so even the first pass of a benchmark is served from memory.
        Memory: about 1.4 KB per item per format.
        """
        n = sum(svc.prerender(plex_formats) for svc in self.pms.values())
        if self.jellyfin is not None and jellyfin_fields is not None:
            n += self.jellyfin.prerender(jellyfin_fields)
        return n

    def resolve(self, path: str) -> tuple[str, Service, str] | None:
        if path.startswith("/plextv"):
            return "plextv", self.plextv, path[len("/plextv") :] or "/"
        if path.startswith("/pms/"):
            name, _, rest = path[5:].partition("/")
            svc = self.pms.get(name)
            if svc is not None:
                return f"pms:{name}", svc, "/" + rest
            return None
        if path.startswith("/jellyfin") and self.jellyfin is not None:
            return "jellyfin", self.jellyfin, path[len("/jellyfin") :] or "/"
        if path.startswith("/jellyseerr") and self.jellyseerr is not None:
            return "jellyseerr", self.jellyseerr, path[len("/jellyseerr") :] or "/"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if not self.state.base_url:
            server = scope.get("server")
            if server:
                self.state.base_url = f"{scope.get('scheme', 'http')}://{server[0]}:{server[1]}"
        if path.startswith("/_admin") or path == "/":
            await self.admin(scope, receive, send)
            return
        hit = self.resolve(path)
        if hit is None:
            await send(
                {
                    "type": "http.response.start",
                    "status": 404,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", b"9")],
                }
            )
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        key, svc, sub = hit
        try:
            await dispatch(self.state, self.services, scope, receive, send, key, svc, sub)
        except ConnectionReset:
            transport: Any = scope.get(TRANSPORT_KEY)
            if transport is None:
                raise
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):  # RST instead of FIN where the platform allows it
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()


def build_app(world: World, factory: Callable[[], World] | None = None) -> SimApp:
    """Build the ASGI app serving ``world`` (see module docstring for base paths).

    ``factory`` (optional) rebuilds the initial world for ``POST /_admin/reset``.
    """
    return SimApp(world, factory)
