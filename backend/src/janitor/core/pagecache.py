"""Cached report pages: the JSON body of a report page, kept in Redis per account and *generation*.

Report pages are read far more often than their inputs change (a sync, a threshold, an allowlist
entry, a chosen keeper, a library switched off), and one page can cost tenths of a second of
Postgres. The middleware below answers a repeated ``GET`` of a cacheable path with the body it
stored for the same account, the same canonical query and the same generation, and otherwise lets
the app answer and stores a 200 body.

Correctness rests on three rules:

* **Every write bumps the generation.** Any authenticated write request (POST, PUT, PATCH, DELETE
  under ``/api/``) bumps its account's generation when its response starts, that is after its
  transaction committed (``unit_of_work`` commits before the response is sent) and before the
  client can see the answer; the worker bumps it when a sync run starts, after each source and at
  its end. A bump also forgets the account's cached sign-in state (below). Pages of an older
  generation are never read again and expire.
* **A page is stored under the generation read before it was computed**, so a page computed from
  data older than a bump can only land under an older generation.
* **Pages expire** after ``report_cache_seconds`` (default 60 s), which bounds what moves with the
  clock alone (an allowlist entry reaching its expiry date, "N months ago" cut-offs).

Sign-in is checked on every hit as the API checks it: the token's signature and expiry, and that
it carries the account's current session version (a password change counts it up). That version is
kept in Redis (filled by the slow path from the database, only while the generation it read is
unchanged: a password change racing with a slow read cannot store the old version); when it is
missing the request takes the normal path. A deleted account bumps its generation (its DELETE is a
write), so its tokens fall back to the normal path, which refuses them.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b
from typing import Any
from urllib.parse import parse_qsl, urlencode

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from janitor.core.redis_pipe import PipelinedRedis
from janitor.core.security import InvalidToken, decode_access_token

log = structlog.get_logger(__name__)

PREFIX = "pc"
MAX_BODY = 4 * 1024 * 1024
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUTH_STATE_KEY = "janitor.auth"  # scope["state"][...] = (account_id, session version), set by current_account

# KEYS: auth, generation. ARGV: token's session version, page key prefix (generation appended), page digest.
# Returns {ok, generation, body?}: ok is 1 when the token carries the stored session version.
_READ = """
local auth = redis.call('GET', KEYS[1])
local gen = redis.call('GET', KEYS[2]) or '0'
if (not auth) or tonumber(ARGV[1]) ~= tonumber(auth) then return {0, gen} end
local body = redis.call('GET', ARGV[2] .. gen .. ':' .. ARGV[3])
if body then return {1, gen, body} end
return {1, gen}
"""

# KEYS: auth, generation, page. ARGV: generation read, session version (or ''), page ttl, auth ttl, body (or '').
# Stores nothing once the generation moved on.
_STORE = """
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[3]) end
return 1
"""

# KEYS: auth, generation.
_BUMP = """
redis.call('DEL', KEYS[1])
return redis.call('INCR', KEYS[2])
"""


def _auth_key(account: str) -> str:
    return f"{PREFIX}:auth:{account}"


def _gen_key(account: str) -> str:
    return f"{PREFIX}:gen:{account}"


def _page_prefix(account: str) -> str:
    return f"{PREFIX}:page:{account}:"


@lru_cache(maxsize=4096)
def page_digest(path: str, query_string: bytes) -> str:
    """The same page whatever the order of its query parameters."""
    query = urlencode(sorted(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)))
    return blake2b(f"{path}?{query}".encode(), digest_size=16).hexdigest()


class PageCache:
    """The account generations, cached pages and sign-in times in Redis. Reads go through one
    pipelined connection (``core/redis_pipe.py``) when the URL allows it, the rest through redis-py."""

    def __init__(self, redis: Redis, *, page_ttl: int, auth_ttl: int, url: str | None = None) -> None:
        self.redis = redis
        self.page_ttl = page_ttl
        self.auth_ttl = auth_ttl
        self.pipe = PipelinedRedis(url) if url and PipelinedRedis.supports(url) else None
        self._read = redis.register_script(_READ)
        self._store = redis.register_script(_STORE)
        self._bump = redis.register_script(_BUMP)

    async def read(self, account: str, version: int, digest: str) -> tuple[bool, str, bytes | None]:
        keys = [_auth_key(account), _gen_key(account)]
        args: list[str | bytes | int] = [version, _page_prefix(account), digest]
        if self.pipe is not None:
            reply = await self.pipe.eval(_READ, keys, args)
        else:
            reply = await self._read(keys=keys, args=args)
        ok, gen = bool(int(reply[0])), reply[1]
        gen = gen.decode() if isinstance(gen, bytes) else str(gen)
        return ok, gen, (reply[2] if len(reply) > 2 else None)

    async def store(self, account: str, gen: str, digest: str, *, version: int | None, body: bytes | None) -> bool:
        keys = [_auth_key(account), _gen_key(account), f"{_page_prefix(account)}{gen}:{digest}"]
        args = [gen, "" if version is None else version, self.page_ttl, self.auth_ttl, body or b""]
        return bool(await self._store(keys=keys, args=args))

    async def bump(self, account: uuid.UUID | str) -> None:
        """Every cached page of the account is out of date (call after the change committed)."""
        account = str(account)
        await self._bump(keys=[_auth_key(account), _gen_key(account)])

    async def bump_quietly(self, account: uuid.UUID | str) -> None:
        """A Redis failure is logged, not raised: the change itself is committed, and the pages
        expire on their own within ``report_cache_seconds``."""
        try:
            await self.bump(account)
        except RedisError as exc:
            log.warning("page_cache.bump_failed", error=type(exc).__name__)

    async def aclose(self) -> None:
        if self.pipe is not None:
            await self.pipe.aclose()


@dataclass
class _Captured:
    status: int = 0
    body: bytearray | None = None
    complete: bool = False


class PageCacheMiddleware:
    """Answers repeated report GETs from Redis; bumps the generation on every authenticated write."""

    def __init__(self, app: ASGIApp, *, paths: frozenset[str], secret_key: str) -> None:
        self.app = app
        self.paths = paths
        self.secret_key = secret_key
        self._inflight: dict[str, asyncio.Future[bytes | None]] = {}

    @staticmethod
    def cache(scope: Scope) -> PageCache | None:
        """The process's page cache (built with the app's context); None when it is turned off."""
        ctx = getattr(scope["app"].state, "ctx", None)
        cache: PageCache | None = None if ctx is None else ctx.page_cache
        return cache if cache is not None and cache.page_ttl > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "GET" and scope["path"] in self.paths:
            await self._get(scope, receive, send)
        elif method in WRITE_METHODS and scope["path"].startswith("/api/"):
            await self._write(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _account(self, scope: Scope) -> tuple[str, int] | None:
        for name, value in scope.get("headers") or ():
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token:
                    return None
                try:
                    claims = decode_access_token(token.strip(), key=self.secret_key)
                except InvalidToken:
                    return None
                return str(claims.account_id), claims.session_version
        return None

    async def _write(self, scope: Scope, receive: Receive, send: Send) -> None:
        who = self._account(scope)
        if who is None:
            await self.app(scope, receive, send)
            return
        cache = self.cache(scope)

        async def bump_then_send(message: Message) -> None:
            # The route's transaction has committed when its response starts; the client sees the
            # answer only after the bump, so its next read cannot meet a page from before the write.
            if message["type"] == "http.response.start" and cache is not None:
                await cache.bump_quietly(who[0])
            await send(message)

        await self.app(scope, receive, bump_then_send)

    async def _get(self, scope: Scope, receive: Receive, send: Send) -> None:
        who = self._account(scope)
        cache = self.cache(scope)
        if who is None or cache is None:
            await self.app(scope, receive, send)
            return
        account, version = who
        digest = page_digest(scope["path"], scope.get("query_string", b""))
        try:
            signed_in, gen, body = await cache.read(account, version, digest)
        except (RedisError, OSError) as exc:
            log.warning("page_cache.read_failed", error=type(exc).__name__)
            await self.app(scope, receive, send)
            return
        if body is not None:
            await _send_body(send, body, hit=True)
            return
        key = f"{account}:{gen}:{digest}"
        if signed_in and key in self._inflight:
            # The same page is being computed for this account right now: wait for it.
            shared = await asyncio.shield(self._inflight[key])
            if shared is not None:
                await _send_body(send, shared, hit=True)
                return
        await self._compute(scope, receive, send, cache, account, gen, digest, key if signed_in else None)

    async def _compute(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        cache: PageCache,
        account: str,
        gen: str,
        digest: str,
        key: str | None,
    ) -> None:
        future: asyncio.Future[bytes | None] | None = None
        if key is not None:
            future = asyncio.get_running_loop().create_future()
            self._inflight[key] = future
        captured = _Captured(body=bytearray())

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured.status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-cache", b"miss")]
            elif message["type"] == "http.response.body" and captured.body is not None:
                captured.body += message.get("body", b"")
                if len(captured.body) > MAX_BODY:
                    captured.body = None
                elif not message.get("more_body", False):
                    captured.complete = True
            await send(message)

        result: bytes | None = None
        try:
            await self.app(scope, receive, capture)
            if captured.status == 200 and captured.complete and captured.body is not None:
                result = bytes(captured.body)
                state: dict[str, Any] = scope.get("state") or {}
                auth = state.get(AUTH_STATE_KEY)
                version = auth[1] if auth is not None and str(auth[0]) == account else None
                try:
                    await cache.store(account, gen, digest, version=version, body=result)
                except RedisError as exc:
                    log.warning("page_cache.store_failed", error=type(exc).__name__)
        finally:
            if future is not None and key is not None:
                self._inflight.pop(key, None)
                future.set_result(result)


async def _send_body(send: Send, body: bytes, *, hit: bool) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-cache", b"hit" if hit else b"miss"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
