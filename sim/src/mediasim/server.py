"""Run the simulator on a real socket (uvicorn), in the foreground or a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mediasim.admin import connection_info
from mediasim.app import SimApp, build_app
from mediasim.core import TRANSPORT_KEY
from mediasim.model import World


def _with_transport(base: type[Any]) -> type[Any]:
    """Protocol subclass that hands the transport to the app so faults can reset the connection."""

    class Proto(base):  # type: ignore[misc]
        app: Any

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            inner = self.app

            async def app(scope: Any, receive: Any, send: Any) -> None:
                scope[TRANSPORT_KEY] = transport
                await inner(scope, receive, send)

            self.app = app

    Proto.__name__ = f"Resettable{base.__name__}"
    return Proto


ResettableHttpTools = _with_transport(HttpToolsProtocol)
ResettableH11 = _with_transport(H11Protocol)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def make_config(app: SimApp, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=ResettableHttpTools,
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=1,
        timeout_keep_alive=30,
    )


class SimServer:
    """A simulator serving ``world`` on a free port in a background thread.

    >>> with SimServer(generate_world(seed=1, size="tiny")) as sim:
    ...     httpx.get(sim.url + "/jellyseerr/api/v1/status")
    """

    def __init__(self, world_or_app: World | SimApp, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.app = world_or_app if isinstance(world_or_app, SimApp) else build_app(world_or_app)
        self.host = host
        self.port = port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        self.app.state.base_url = self.url
        self._server = uvicorn.Server(make_config(self.app, host, self.port))
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> Any:
        return self.app.state

    @property
    def info(self) -> dict[str, Any]:
        return connection_info(self.app.state, self.url)

    def start(self) -> SimServer:
        self._thread = threading.Thread(target=self._server.run, name="mediasim", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("mediasim server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(world: World, host: str = "127.0.0.1", port: int | None = None) -> SimServer:
    """Start a background server and return it (call ``.stop()`` when done)."""
    return SimServer(world, host, port).start()
