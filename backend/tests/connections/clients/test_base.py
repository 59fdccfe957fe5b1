"""Shared behaviour: error mapping for every client, no secret in errors, retries, Retry-After."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from janitor.connections.clients import base
from janitor.connections.clients.base import Page, parse_retry_after, with_retries
from janitor.connections.clients.errors import (
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFound,
    UpstreamProtocolError,
    UpstreamTLSError,
    UpstreamTransient,
    UpstreamUnreachable,
)
from janitor.connections.clients.jellyfin import JellyfinClient
from janitor.connections.clients.jellyseerr import JellyseerrClient
from janitor.connections.clients.plex import PlexServerClient
from janitor.connections.clients.plextv import PlexTvClient
from janitor.core.errors import TransientError

PLEX_TOKEN = "plexTok3n-SECRET-abcdef"
PMS_TOKEN = "pmsTok3n-SECRET-123456"
JELLYFIN_KEY = "0123456789abcdef0123456789abcdef"
SEERR_KEY = "c2VlcnIta2V5LVNFQ1JFVA"
CLIENT_ID = "3f0c6c3e-8f1e-4f55-9a55-5b4c2b0c9d11"
SECRETS = (PLEX_TOKEN, PMS_TOKEN, JELLYFIN_KEY, SEERR_KEY)

Call = Callable[[httpx.AsyncClient], Awaitable[Any]]

# One authenticated call per client, with the URL it hits: every mapping is checked for each.
CLIENT_CALLS: dict[str, tuple[str, str, Call]] = {
    "plextv": (
        "GET",
        "https://plex.tv/api/v2/user",
        lambda h: PlexTvClient(h, client_id=CLIENT_ID, token=PLEX_TOKEN).user(),
    ),
    "pms": (
        "GET",
        "http://pms.test:32400/library/sections/1/all",
        lambda h: PlexServerClient(
            h, base_url="http://pms.test:32400", token=PMS_TOKEN, client_id=CLIENT_ID
        ).list_items("1", type=1, start=0, size=50),
    ),
    "jellyfin": (
        "GET",
        "http://jf.test:8096/Items",
        lambda h: JellyfinClient(h, base_url="http://jf.test:8096", api_key=JELLYFIN_KEY).list_items(
            user_id=None, parent_id=None, include_item_types=["Movie"], fields=[], start=0, limit=10
        ),
    ),
    "jellyseerr": (
        "GET",
        "http://seerr.test:5055/api/v1/request",
        lambda h: JellyseerrClient(h, base_url="http://seerr.test:5055", api_key=SEERR_KEY).requests(take=10, skip=0),
    ),
}

TLS_MESSAGE = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)"


def test_tls_error_found_in_the_cause_chain() -> None:
    # httpx raises ConnectError from httpcore.ConnectError from ssl.SSLError (respx cannot keep a chain).
    try:
        try:
            raise ssl.SSLCertVerificationError(1, "unable to get local issuer certificate")
        except ssl.SSLError as inner:
            raise httpx.ConnectError("handshake failed") from inner
    except httpx.ConnectError as exc:
        mapped = base.map_transport_error(exc, "Jellyfin")
    assert isinstance(mapped, UpstreamTLSError)
    assert "Jellyfin" in mapped.message
    plain = base.map_transport_error(httpx.ConnectError("[Errno 111] Connection refused"), "Jellyfin")
    assert type(plain) is UpstreamUnreachable


TRANSPORT_CASES: list[tuple[str, Callable[[], Exception], type[UpstreamError]]] = [
    ("dns", lambda: httpx.ConnectError("[Errno -2] Name or service not known"), UpstreamUnreachable),
    ("refused", lambda: httpx.ConnectError("[Errno 111] Connection refused"), UpstreamUnreachable),
    ("connect-timeout", lambda: httpx.ConnectTimeout("timed out"), UpstreamUnreachable),
    ("tls-message", lambda: httpx.ConnectError(TLS_MESSAGE), UpstreamTLSError),
    ("read-timeout", lambda: httpx.ReadTimeout("timed out"), UpstreamTransient),
    ("write-timeout", lambda: httpx.WriteTimeout("timed out"), UpstreamTransient),
    ("pool-timeout", lambda: httpx.PoolTimeout("timed out"), UpstreamTransient),
    ("remote-protocol", lambda: httpx.RemoteProtocolError("Server disconnected"), UpstreamTransient),
    ("reset", lambda: httpx.ReadError("[Errno 104] Connection reset by peer"), UpstreamTransient),
    ("raw-reset", lambda: ConnectionResetError(104, "Connection reset by peer"), UpstreamTransient),
    ("bad-scheme", lambda: httpx.UnsupportedProtocol("Request URL has an unsupported protocol"), UpstreamUnreachable),
]

HTML_404 = b"<html><head><title>Not Found</title></head><body><h1>404 Not Found</h1></body></html>"
STATUS_CASES: list[tuple[str, httpx.Response, type[UpstreamError]]] = [
    (
        "401",
        httpx.Response(401, json={"errors": [{"code": 1001, "message": "User could not be authenticated"}]}),
        UpstreamAuthError,
    ),
    (
        "401-html",
        httpx.Response(401, content=b"<html><body><h1>401 Unauthorized</h1></body></html>"),
        UpstreamAuthError,
    ),
    ("403", httpx.Response(403, json={"status": 403, "error": "You do not have permission"}), UpstreamAuthError),
    ("498", httpx.Response(498, content=b""), UpstreamAuthError),
    ("404-html", httpx.Response(404, content=HTML_404, headers={"content-type": "text/html"}), UpstreamNotFound),
    ("429", httpx.Response(429, headers={"Retry-After": "7"}), UpstreamTransient),
    ("500", httpx.Response(500, content=b"<html>500 Internal Server Error</html>"), UpstreamTransient),
    ("502", httpx.Response(502, content=b"Bad Gateway"), UpstreamTransient),
    ("503", httpx.Response(503, headers={"Retry-After": "120"}), UpstreamTransient),
    ("301", httpx.Response(301, headers={"Location": "https://elsewhere.test/login"}), UpstreamProtocolError),
    ("302", httpx.Response(302, headers={"Location": "/web/index.html"}), UpstreamProtocolError),
    ("400", httpx.Response(400, json={"message": "bad filter"}), UpstreamProtocolError),
    (
        "200-html",
        httpx.Response(200, content=b"<!doctype html><html><body>Welcome to nginx!</body></html>"),
        UpstreamProtocolError,
    ),
    ("200-xml", httpx.Response(200, content=b'<?xml version="1.0"?><MediaContainer size="0"/>'), UpstreamProtocolError),
    (
        "200-truncated-json",
        httpx.Response(200, content=b'{"MediaContainer": {"size": 1, "Metad'),
        UpstreamProtocolError,
    ),
]


def _assert_no_secret(exc: BaseException) -> None:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        for text in (str(cur), repr(cur), str(getattr(cur, "message", ""))):
            for secret in SECRETS:
                assert secret not in text
        cur = cur.__cause__ or cur.__context__


@pytest.mark.parametrize("client_name", list(CLIENT_CALLS))
@pytest.mark.parametrize(("case", "make_exc", "expected"), TRANSPORT_CASES, ids=[c[0] for c in TRANSPORT_CASES])
async def test_transport_errors_are_mapped(
    mock: respx.MockRouter,
    http: httpx.AsyncClient,
    client_name: str,
    case: str,
    make_exc: Callable[[], Exception],
    expected: type[UpstreamError],
) -> None:
    method, url, call = CLIENT_CALLS[client_name]
    mock.route(method=method, url__startswith=url).mock(side_effect=make_exc())
    with pytest.raises(expected) as info:
        await call(http)
    assert type(info.value) is expected
    _assert_no_secret(info.value)


@pytest.mark.parametrize("client_name", list(CLIENT_CALLS))
@pytest.mark.parametrize(("case", "response", "expected"), STATUS_CASES, ids=[c[0] for c in STATUS_CASES])
async def test_statuses_and_bodies_are_mapped(
    mock: respx.MockRouter,
    http: httpx.AsyncClient,
    client_name: str,
    case: str,
    response: httpx.Response,
    expected: type[UpstreamError],
) -> None:
    method, url, call = CLIENT_CALLS[client_name]
    route = mock.route(method=method, url__startswith=url).mock(return_value=response)
    with pytest.raises(expected) as info:
        await call(http)
    assert type(info.value) is expected
    assert route.call_count == 1  # a redirect is never followed
    if response.status_code >= 300:
        assert info.value.status == response.status_code
    if case == "429":
        assert isinstance(info.value, UpstreamTransient)
        assert info.value.retry_after == 7.0
    if case == "503":
        assert isinstance(info.value, UpstreamTransient)
        assert info.value.retry_after == 120.0
    if case in ("500", "502"):
        assert isinstance(info.value, UpstreamTransient)
        assert info.value.retry_after is None
    _assert_no_secret(info.value)


@pytest.mark.parametrize("client_name", list(CLIENT_CALLS))
async def test_token_travels_only_in_headers(mock: respx.MockRouter, http: httpx.AsyncClient, client_name: str) -> None:
    method, url, call = CLIENT_CALLS[client_name]
    route = mock.route(method=method, url__startswith=url).mock(return_value=httpx.Response(401))
    with pytest.raises(UpstreamAuthError):
        await call(http)
    request = route.calls.last.request
    for secret in SECRETS:
        assert secret not in str(request.url)
    header_blob = " ".join(f"{k}: {v}" for k, v in request.headers.items())
    assert any(secret in header_blob for secret in SECRETS)


async def test_redirects_are_not_followed_even_if_the_client_would(mock: respx.MockRouter) -> None:
    async with httpx.AsyncClient(follow_redirects=True) as http:
        mock.get("http://seerr.test/api/v1/status").mock(
            return_value=httpx.Response(302, headers={"Location": "http://seerr.test/login"})
        )
        target = mock.get("http://seerr.test/login").mock(return_value=httpx.Response(200, json={"version": "x"}))
        client = JellyseerrClient(http, base_url="http://seerr.test", api_key=SEERR_KEY)
        with pytest.raises(UpstreamProtocolError, match="redirect"):
            await client.status()
        assert not target.called


async def test_real_connection_refused_is_unreachable() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    async with httpx.AsyncClient(timeout=2) as http:
        client = JellyseerrClient(http, base_url=f"http://127.0.0.1:{port}", api_key=SEERR_KEY)
        with pytest.raises(UpstreamUnreachable):
            await client.status()
        assert client.request_count == 1


async def test_real_tls_handshake_failure_is_tls_error() -> None:
    async def plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            client = JellyfinClient(http, base_url=f"https://127.0.0.1:{port}", api_key=JELLYFIN_KEY)
            with pytest.raises(UpstreamTLSError):
                await client.system_info()
    finally:
        server.close()
        await server.wait_closed()


async def test_request_count_counts_every_attempt(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get("http://seerr.test/api/v1/status").mock(
        side_effect=[httpx.Response(503), httpx.ReadTimeout("slow"), httpx.Response(200, json={"version": "2.7.3"})]
    )
    client = JellyseerrClient(http, base_url="http://seerr.test/", api_key=SEERR_KEY)
    sleeps: list[float] = []

    async def fake_sleep(s: float) -> None:
        sleeps.append(s)

    status = await with_retries(client.status, sleep=fake_sleep, rand=lambda: 0.0)
    assert status.version == "2.7.3"
    assert client.request_count == 3
    assert sleeps == [0.0, 0.0]


def test_transient_errors_are_core_transient_errors() -> None:
    exc = UpstreamTransient("x", status=503, retry_after=3)
    assert isinstance(exc, TransientError)
    assert exc.retry_after == 3


def test_client_repr_has_no_secret(http: httpx.AsyncClient) -> None:
    clients = [
        PlexTvClient(http, client_id=CLIENT_ID, token=PLEX_TOKEN),
        PlexServerClient(http, base_url="http://pms.test:32400/", token=PMS_TOKEN, client_id=CLIENT_ID),
        JellyfinClient(http, base_url="http://jf.test:8096", api_key=JELLYFIN_KEY),
        JellyseerrClient(http, base_url="http://seerr.test:5055//", api_key=SEERR_KEY),
    ]
    for c in clients:
        for secret in SECRETS:
            assert secret not in repr(c)
            assert secret not in str(c)
    assert clients[1].base_url == "http://pms.test:32400"
    assert clients[3].base_url == "http://seerr.test:5055"


# ---------------------------------------------------------------------------- Retry-After


def test_parse_retry_after_seconds_and_dates() -> None:
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("Thu, 02 Jan 2025 03:05:05 GMT", now=now) == 60.0
    assert parse_retry_after("Thu, 02 Jan 2025 03:00:00 GMT", now=now) == 0.0  # in the past
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") is None


async def test_retry_after_http_date_is_parsed(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    mock.get("http://seerr.test/api/v1/status").mock(
        return_value=httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    )
    client = JellyseerrClient(http, base_url="http://seerr.test", api_key=SEERR_KEY)
    with pytest.raises(UpstreamTransient) as info:
        await client.status()
    assert info.value.retry_after is not None
    assert info.value.retry_after > 10 * 365 * 86400


# ---------------------------------------------------------------------------- with_retries


class Flaky:
    def __init__(self, *outcomes: Exception | str) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def test_retries_transient_with_exponential_full_jitter() -> None:
    fn = Flaky(UpstreamTransient("a"), UpstreamTransient("b"), UpstreamTransient("c"), "ok")
    sleeps = Sleeps()
    assert await with_retries(fn, attempts=4, base=0.5, cap=30, sleep=sleeps, rand=lambda: 1.0) == "ok"
    assert fn.calls == 4
    assert sleeps == [0.5, 1.0, 2.0]


async def test_jitter_is_a_fraction_of_the_ceiling_and_capped() -> None:
    fn = Flaky(*[UpstreamTransient("x")] * 5, "ok")
    sleeps = Sleeps()
    await with_retries(fn, attempts=6, base=1, cap=4, sleep=sleeps, rand=lambda: 0.5)
    assert sleeps == [0.5, 1.0, 2.0, 2.0, 2.0]


async def test_retry_after_is_a_floor() -> None:
    fn = Flaky(UpstreamTransient("busy", status=429, retry_after=5), "ok")
    sleeps = Sleeps()
    assert await with_retries(fn, sleep=sleeps, rand=lambda: 1.0) == "ok"
    assert sleeps == [5.0]


async def test_gives_up_after_attempts() -> None:
    errors = [UpstreamTransient(f"fail {i}") for i in range(3)]
    fn = Flaky(*errors)
    sleeps = Sleeps()
    with pytest.raises(UpstreamTransient) as info:
        await with_retries(fn, attempts=3, sleep=sleeps, rand=lambda: 0.0)
    assert info.value is errors[-1]
    assert fn.calls == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [
        UpstreamAuthError("no", status=401),
        UpstreamNotFound("gone", status=404),
        UpstreamProtocolError("bad"),
        UpstreamUnreachable("down"),
        UpstreamTLSError("cert"),
        ValueError("bug"),
    ],
)
async def test_never_retries_other_errors(error: Exception) -> None:
    fn = Flaky(error, "ok")
    sleeps = Sleeps()
    with pytest.raises(type(error)):
        await with_retries(fn, sleep=sleeps)
    assert fn.calls == 1
    assert sleeps == []


async def test_a_very_long_retry_after_is_left_to_the_job_layer() -> None:
    fn = Flaky(UpstreamTransient("later", status=429, retry_after=3600), "ok")
    sleeps = Sleeps()
    with pytest.raises(UpstreamTransient):
        await with_retries(fn, sleep=sleeps)
    assert fn.calls == 1
    assert sleeps == []


async def test_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="attempts"):
        await with_retries(Flaky("ok"), attempts=0)


def test_helpers() -> None:
    assert base.as_bool(1) and base.as_bool("1") and base.as_bool(True) and base.as_bool("true")
    assert not base.as_bool(0) and not base.as_bool("0") and not base.as_bool(None) and not base.as_bool(False)
    assert base.as_int("12") == 12 and base.as_int(12) == 12 and base.as_int(True) is None
    assert base.as_int("x") is None and base.as_int(None) is None
    assert base.path_segment("../etc/passwd") == "..%2Fetc%2Fpasswd"
    assert base.parse_datetime("2024-05-01T12:00:00.0000000Z") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert base.parse_datetime(1735689600) == datetime(2025, 1, 1, tzinfo=UTC)
    assert base.parse_datetime("garbage") is None
    page = Page(items=[], offset=0, total=None)
    assert page.total is None
    with pytest.raises(ValueError, match="empty"):
        base.normalise_base_url(" / ")


class GuardBlocked(httpx.ConnectError):
    """Stands in for the product's SSRF guard error (an httpx.ConnectError subclass)."""


async def test_original_transport_error_is_kept_as_cause(mock: respx.MockRouter, http: httpx.AsyncClient) -> None:
    blocked = GuardBlocked("That address is not allowed.")
    mock.get("http://10.0.0.5:8096/System/Info/Public").mock(side_effect=blocked)
    client = JellyfinClient(http, base_url="http://10.0.0.5:8096", api_key=JELLYFIN_KEY)
    with pytest.raises(UpstreamUnreachable) as info:
        await client.public_info()
    assert info.value.__cause__ is blocked  # callers walk the chain to explain a blocked address


# ------------------------------------------------- Retry-After through the one policy (core/retry.py)


async def test_retry_after_seconds_from_a_429_is_waited_exactly(
    mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = mock.get("http://seerr.test/api/v1/status").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"version": "2.7.3"}),
        ]
    )
    client = JellyseerrClient(http, base_url="http://seerr.test/", api_key=SEERR_KEY)
    sleeps = Sleeps()
    assert (await with_retries(client.status, sleep=sleeps, rand=lambda: 0.0)).version == "2.7.3"
    assert route.call_count == 2
    assert sleeps == [7.0]


async def test_retry_after_http_date_from_a_503_is_waited_until_that_time(
    mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=45), usegmt=True)
    route = mock.get("http://seerr.test/api/v1/status").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": when}), httpx.Response(200, json={"version": "1"})]
    )
    client = JellyseerrClient(http, base_url="http://seerr.test/", api_key=SEERR_KEY)
    sleeps = Sleeps()
    await with_retries(client.status, sleep=sleeps, rand=lambda: 0.0)
    assert route.call_count == 2
    assert len(sleeps) == 1 and 30 <= sleeps[0] <= 45


async def test_a_retry_after_beyond_the_limit_is_raised_at_once_for_the_job_to_reschedule(
    mock: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    route = mock.get("http://seerr.test/api/v1/status").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"})
    )
    client = JellyseerrClient(http, base_url="http://seerr.test/", api_key=SEERR_KEY)
    sleeps = Sleeps()
    with pytest.raises(UpstreamTransient) as info:
        await with_retries(client.status, sleep=sleeps, max_retry_after=300)
    assert (route.call_count, sleeps, info.value.retry_after) == (1, [], 3600.0)


@pytest.mark.parametrize(
    ("status", "calls"),
    [(400, 1), (401, 1), (403, 1), (404, 1), (409, 1), (422, 1), (408, 4), (429, 4), (500, 4), (503, 4)],
)
async def test_only_408_429_and_5xx_are_retried(
    mock: respx.MockRouter, http: httpx.AsyncClient, status: int, calls: int
) -> None:
    route = mock.get("http://seerr.test/api/v1/status").mock(return_value=httpx.Response(status))
    client = JellyseerrClient(http, base_url="http://seerr.test/", api_key=SEERR_KEY)
    with pytest.raises(UpstreamError):
        await with_retries(client.status, sleep=Sleeps(), rand=lambda: 0.0)
    assert route.call_count == calls


async def test_jobs_and_upstream_calls_share_one_back_off() -> None:
    from janitor.core import retry
    from janitor.jobs.runner import backoff_seconds

    assert retry.backoff(3, base=2.0, cap=300.0, rand=lambda: 1.0) == 8.0
    assert retry.backoff(20, base=2.0, cap=300.0, rand=lambda: 1.0) == 300.0
    assert retry.backoff(1, base=2.0, cap=300.0, retry_after=42, rand=lambda: 1.0) == 42.0
    assert backoff_seconds(1, retry_after=42) >= 42
