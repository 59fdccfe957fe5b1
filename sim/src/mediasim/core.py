"""Request dispatch, fault injection, pacing, request counters and the mutation log."""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mediasim.model import World


class ConnectionReset(httpx.RemoteProtocolError):
    """Raised to abort a response: on a real socket the server resets the connection; in-process
    (``httpx.ASGITransport``) the client sees this exception, an ``httpx.TransportError``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


TRANSPORT_KEY = "mediasim.transport"  # set by the uvicorn protocol of SimServer / the CLI


@dataclass
class Ctx:
    request: Request
    state: SimState
    service: str  # "plextv" | "pms:<name>" | "jellyfin" | "jellyseerr"
    path: str  # path below the service base
    params: dict[str, str]
    flags: dict[str, Any] = field(default_factory=dict)  # data faults for the handler

    def q(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)


Handler = Callable[[Ctx], Awaitable[Response]]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    handler: Handler


class Service:
    """A set of routes below one base path."""

    name: str = ""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "/?$"
        self.routes.append(
            Route(method, re.compile(regex, re.IGNORECASE if self.case_insensitive else 0), f"{method} {path}", handler)
        )

    case_insensitive = False

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        path_matched = False
        for r in self.routes:
            m = r.pattern.match(path)
            if m:
                path_matched = True
                if r.method == method or (method == "HEAD" and r.method == "GET"):
                    return r, m.groupdict(), True
        return None, {}, path_matched

    def error(self, status: int, ctx: Ctx | None = None) -> Response:
        return Response(status_code=status)


# ----------------------------------------------------------------------------- faults
FAULT_KEYS = {
    "id",
    "server",
    "route",
    "method",
    "latency_ms",
    "status",
    "error_rate",
    "retry_after",
    "timeout",
    "timeout_s",
    "reset",
    "truncate",
    "total_size_delta",
    "unauthorized_after",
    "short_page",
    "empty",
    "history_shrink",
    "after",
    "times",
    "seed",
}


@dataclass
class Fault:
    id: int
    server: str = "*"
    route: str = "*"
    method: str = "*"
    latency_ms: int = 0
    status: int | None = None  # 500/502/503/429...
    error_rate: float = 1.0  # probability that status/reset/timeout applies
    retry_after: int | None = None  # seconds, for 429/503
    timeout: bool = False
    timeout_s: float = 30.0
    reset: bool = False
    truncate: bool = False
    total_size_delta: int = 0
    unauthorized_after: int | None = None
    short_page: int | None = None  # serve at most N items per page (totalSize unchanged)
    empty: bool = False  # listing routes return no items (empty library)
    history_shrink: float | None = None  # keep only this fraction of the (oldest) history rows
    after: int = 0  # only from the (after+1)-th matching request
    times: int | None = None  # apply at most this many times
    seed: int = 0
    seen: int = 0
    applied: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "rng"}

    def matches(self, service: str, method: str, path: str) -> bool:
        return (
            fnmatch.fnmatchcase(service, self.server)
            and (self.method == "*" or self.method.upper() == method)
            and fnmatch.fnmatchcase(path, self.route)
        )


@dataclass
class Pace:
    pace_ms: int = 0
    max_in_flight: int | None = None
    sem: asyncio.Semaphore | None = None


class SimState:
    def __init__(self, world: World) -> None:
        self.world = world
        self.faults: list[Fault] = []
        self._fault_ids = itertools.count(1)
        self.mutations: list[dict[str, Any]] = []
        self._mut_seq = itertools.count(1)
        self.requests: dict[str, dict[str, int]] = {}
        self.in_flight: dict[str, int] = {}  # requests being answered now, per service
        self.peak_in_flight: dict[str, int] = {}  # the most at once since the counters were cleared
        self.down_until: dict[str, float] = {}
        self.restarts: dict[str, int] = {}
        self.pace: dict[str, Pace] = {}
        self.version = 0  # bumped on every mutation: invalidates caches
        self.page_cache: dict[tuple[Any, ...], tuple[int, dict[str, str], bytes]] = {}
        self.page_cache_bytes = 0
        self.page_cache_budget = 192 * 1024 * 1024  # whole pages kept for repeated identical requests
        self.frag_cache: dict[tuple[Any, ...], bytes] = {}
        # account-independent item parts; survive mutations (entries are dropped per item when it changes)
        self.parts_cache: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}
        self.jf_parts: dict[str, dict[Any, bytes]] = {}
        self.parts_bytes = 0
        self.parts_budget = 640 * 1024 * 1024
        self.base_url: str = ""
        self.extra: dict[Any, Any] = {}  # derived-data caches keyed by tuples incl. the version
        for spec in world.faults:
            self.add_fault(spec)
        for svc, pace in world.pace.items():
            self.set_pace(svc, int(pace.get("pace_ms", 0)), pace.get("max_in_flight"))

    # ---------------------------------------------------------------- mutations
    def mutate(self, service: str, kind: str, **details: Any) -> dict[str, Any]:
        rec = {"seq": next(self._mut_seq), "at": time.time(), "service": service, "kind": kind, **details}
        self.mutations.append(rec)
        self.invalidate()
        return rec

    def cache_page(self, key: tuple[Any, ...], status: int, headers: dict[str, str], body: bytes) -> None:
        if self.page_cache_bytes + len(body) > self.page_cache_budget:
            self.page_cache.clear()
            self.page_cache_bytes = 0
        self.page_cache[key] = (status, headers, body)
        self.page_cache_bytes += len(body)

    def invalidate(self) -> None:
        self.version += 1
        self.page_cache.clear()
        self.page_cache_bytes = 0
        self.frag_cache.clear()

    def store_parts(self, key: tuple[Any, ...], head: bytes, tail: bytes) -> None:
        self.parts_bytes += len(head) + len(tail) + 120
        if self.parts_bytes > self.parts_budget:  # bounded memory: start over rather than grow
            self.parts_cache.clear()
            self.parts_bytes = len(head) + len(tail) + 120
        self.parts_cache[key] = (head, tail)

    def forget_parts(self, server: str, item_id: int) -> None:
        for k in [k for k in self.parts_cache if k[0] == server and k[1] == item_id]:
            del self.parts_cache[k]

    # ---------------------------------------------------------------- faults
    def add_fault(self, spec: dict[str, Any]) -> Fault:
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        kw = {k: v for k, v in spec.items() if k != "id"}
        f = Fault(id=next(self._fault_ids), **kw)
        f.rng = random.Random(f.seed or f.id)  # noqa: S311 - deterministic fault dice, not crypto
        self.faults.append(f)
        self.page_cache.clear()
        return f

    def clear_faults(self) -> None:
        self.faults.clear()
        self.page_cache.clear()

    def set_pace(self, service: str, pace_ms: int = 0, max_in_flight: int | None = None) -> None:
        self.pace[service] = Pace(pace_ms, max_in_flight, asyncio.Semaphore(max_in_flight) if max_in_flight else None)

    def restart(self, service: str, down_ms: int = 500) -> None:
        self.down_until[service] = time.monotonic() + down_ms / 1000
        self.restarts[service] = self.restarts.get(service, 0) + 1

    def count(self, service: str, route: str) -> None:
        d = self.requests.setdefault(service, {})
        d[route] = d.get(route, 0) + 1


def cache_key(ctx: Ctx, *extra: Any) -> tuple[Any, ...]:
    r = ctx.request
    return (ctx.service, ctx.path, r.url.query, ctx.state.version, *extra)


async def dispatch(
    state: SimState,
    services: dict[str, Service],
    scope: Scope,
    receive: Receive,
    send: Send,
    service_key: str,
    svc: Service,
    sub_path: str,
) -> None:
    request = Request(scope, receive)
    method = request.method
    route, params, path_matched = svc.match(method, sub_path)
    route_name = route.name if route else f"{method} <unmatched>"
    state.count(service_key, route_name)
    ctx = Ctx(request=request, state=state, service=service_key, path=sub_path, params=params)

    # restart window: the server is not there
    if state.down_until.get(service_key, 0) > time.monotonic():
        raise ConnectionReset(f"{service_key} is restarting")

    pace = state.pace.get(service_key)
    # Counted while the answer is being made (not while it is sent: a client may reuse the connection
    # as soon as it has read the body, before this coroutine resumes).
    now = state.in_flight[service_key] = state.in_flight.get(service_key, 0) + 1
    state.peak_in_flight[service_key] = max(state.peak_in_flight.get(service_key, 0), now)
    try:
        if pace and pace.sem is not None:
            async with pace.sem:
                resp = await _handle(ctx, svc, route, path_matched, pace)
        else:
            resp = await _handle(ctx, svc, route, path_matched, pace)
    finally:
        state.in_flight[service_key] -= 1
    await _send(resp, ctx, scope, receive, send)


async def _handle(ctx: Ctx, svc: Service, route: Route | None, path_matched: bool, pace: Pace | None) -> Response:
    if pace and pace.pace_ms:
        await asyncio.sleep(pace.pace_ms / 1000)
    method = ctx.request.method
    for f in ctx.state.faults:
        if not f.matches(ctx.service, method, ctx.path):
            continue
        f.seen += 1
        if f.seen <= f.after:
            continue
        if f.times is not None and f.applied >= f.times:
            continue
        if f.unauthorized_after is not None:
            if f.seen > f.unauthorized_after:
                f.applied += 1
                return svc.error(401, ctx)
            continue
        if f.latency_ms:
            await asyncio.sleep(f.latency_ms / 1000)
        hit = f.error_rate >= 1.0 or f.rng.random() < f.error_rate
        if not hit:
            continue
        if f.timeout:
            f.applied += 1
            if TRANSPORT_KEY not in ctx.request.scope:
                # httpx.ASGITransport enforces no timeouts: emulate the client giving up.
                raise httpx.ReadTimeout("fault: timeout (in-process)")
            await asyncio.sleep(f.timeout_s)
        if f.reset:
            f.applied += 1
            raise ConnectionReset("fault: reset")
        if f.status:
            f.applied += 1
            resp = svc.error(f.status, ctx)
            if f.status in (429, 503) or f.retry_after is not None:
                resp.headers["Retry-After"] = str(f.retry_after if f.retry_after is not None else 1)
            return resp
        for key in ("truncate", "total_size_delta", "short_page", "empty", "history_shrink"):
            val = getattr(f, key)
            if val:
                ctx.flags[key] = val
        if ctx.flags:
            f.applied += 1
    if route is None:
        return svc.error(405 if path_matched else 404, ctx)
    return await route.handler(ctx)


async def _send(resp: Response, ctx: Ctx, scope: Scope, receive: Receive, send: Send) -> None:
    if ctx.flags.get("truncate") and resp.body:
        body = resp.body
        cut = body[: max(1, len(body) // 2)]
        # Announce the full length and send half: the client sees a connection closed mid-body.
        await send(
            {
                "type": "http.response.start",
                "status": resp.status_code,
                "headers": [(k.encode(), v.encode()) for k, v in resp.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": cut, "more_body": True})
        return  # never complete the body: the server closes the connection mid-body
    await resp(scope, receive, send)
