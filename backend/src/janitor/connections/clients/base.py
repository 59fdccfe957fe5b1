"""Shared plumbing for the upstream clients: one request helper, error mapping, retries, parsing.

Every client is handed an ``httpx.AsyncClient`` (built by the product with the SSRF-guarding
transport and timeouts) and never makes its own. Credentials travel only in headers; error
messages name the service and the HTTP status, never a URL, a header or a body.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

import httpx
import orjson

from janitor.connections.clients.errors import (
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFound,
    UpstreamProtocolError,
    UpstreamTLSError,
    UpstreamTransient,
    UpstreamUnreachable,
)
from janitor.core.retry import parse_retry_after, retrying

__all__ = ["Image", "Page", "parse_retry_after", "with_retries"]

# The image types a poster may be sent as (never SVG, which can carry scripts).
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/avif"})

try:
    CLIENT_VERSION = version("janitor")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    CLIENT_VERSION = "0.0.0"

PRODUCT = "Media Janitor"

T = TypeVar("T")

# Query values are str/int/float/bool; None values are dropped before sending.
Params = Mapping[str, str | int | float | bool | None]


@dataclass(slots=True)
class Page:
    """One page of a listing: the raw item dicts as the server sent them, no per-item models.

    ``total`` is the server's own count of the whole collection (``None`` if it did not say), so
    the sync can check that it read everything.
    """

    items: list[dict[str, Any]]
    offset: int
    total: int | None


@dataclass(frozen=True, slots=True)
class Image:
    """An image a server sent (a poster): its bytes and its content type."""

    content: bytes
    content_type: str


def normalise_base_url(base_url: str) -> str:
    url = base_url.strip().rstrip("/")
    if not url:
        raise ValueError("base URL is empty")
    return url


def path_segment(value: str | int) -> str:
    """Quote an id for use as one path segment, so a hostile id cannot change the path."""
    text = str(value)
    if not text:
        raise ValueError("empty id")
    return quote(text, safe="")


def _is_tls_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLError | ssl.CertificateError):
            return True
        text = str(cur)
        if "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text or "certificate" in text.lower():
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def map_transport_error(exc: Exception, service: str) -> UpstreamError:
    """Turn an httpx/OS transport failure into the matching upstream error (message has no secret)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return UpstreamUnreachable(f"{service} did not accept a connection in time.")
    if isinstance(exc, httpx.TimeoutException):  # read, write, pool
        return UpstreamTransient(f"{service} did not answer in time.")
    if isinstance(exc, httpx.ConnectError):
        if _is_tls_error(exc):
            return UpstreamTLSError(f"The TLS handshake with {service} failed (check its certificate).")
        return UpstreamUnreachable(f"Could not connect to {service}.")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return UpstreamUnreachable(f"The address of {service} is not a valid http(s) URL.")
    if isinstance(exc, httpx.ProxyError):
        return UpstreamUnreachable(f"Could not connect to {service} through the proxy.")
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return UpstreamTLSError(f"The TLS handshake with {service} failed (check its certificate).")
    if isinstance(exc, httpx.DecodingError):
        return UpstreamProtocolError(f"{service} sent a body that could not be decoded.")
    if isinstance(exc, httpx.TransportError | ConnectionError):
        # read/write errors, connection reset, RemoteProtocolError: the connection dropped mid-way
        return UpstreamTransient(f"The connection to {service} was interrupted.")
    return UpstreamUnreachable(f"Could not reach {service}.")


def error_for_status(response: httpx.Response, service: str) -> UpstreamError | None:
    """The error a non-2xx status means, or ``None`` for 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return UpstreamProtocolError(
            f"{service} answered with a redirect (HTTP {status}); redirects are not followed. "
            "Check the address (http vs https, path).",
            status=status,
        )
    if status in (401, 403, 498):
        return UpstreamAuthError(f"{service} refused the credentials (HTTP {status}).", status=status)
    if status == 404:
        return UpstreamNotFound(f"{service} answered 404 Not Found.", status=status)
    if status == 429 or status == 408 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        reason = "is rate limiting requests" if status == 429 else "had a temporary failure"
        return UpstreamTransient(f"{service} {reason} (HTTP {status}).", status=status, retry_after=retry_after)
    return UpstreamProtocolError(f"{service} rejected the request (HTTP {status}).", status=status)


def loads_json(response: httpx.Response, service: str) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise UpstreamProtocolError(
            f"{service} did not answer with JSON; is this the right address?", status=response.status_code
        ) from None


def as_bool(value: Any, default: bool = False) -> bool:
    """Plex sends booleans as JSON bools, 0/1 ints or "0"/"1"/"true" strings; absent means default."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "yes"):
            return True
        if text in ("0", "false", "no", ""):
            return False
    return default


def as_int(value: Any) -> int | None:
    """An int from an int or a digit string; ``None`` when absent or not a whole number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


def as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def parse_datetime(value: Any) -> datetime | None:
    """ISO-8601 (Jellyfin's 7 fractional digits, plex.tv's and Jellyseerr's ``Z``) or epoch seconds."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def require_dict(value: Any, service: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UpstreamProtocolError(f"{service} sent an unexpected {what} (not an object).")
    return value


def require_item_list(value: Any, service: str, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise UpstreamProtocolError(f"{service} sent an unexpected {what} (not a list of objects).")
    return value


def require_str(obj: Mapping[str, Any], key: str, service: str, what: str) -> str:
    value = as_str(obj.get(key))
    if not value:
        raise UpstreamProtocolError(f"{service} sent {what} without {key!r}.")
    return value


def require_int(obj: Mapping[str, Any], key: str, service: str, what: str) -> int:
    value = as_int(obj.get(key))
    if value is None:
        raise UpstreamProtocolError(f"{service} sent {what} without a numeric {key!r}.")
    return value


class BaseClient:
    """One upstream server. Subclasses set ``service`` and build their auth headers."""

    service: ClassVar[str] = "The server"

    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self._http = http
        self.base_url = normalise_base_url(base_url)
        #: HTTP requests sent (every attempt, failed ones included) since the client was made.
        self.request_count = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _headers(self, *, auth: bool) -> dict[str, str]:
        return {"Accept": "application/json"}

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        """Send one request; return the 2xx response or raise the mapped ``UpstreamError``."""
        response = await self._raw(method, path, params=params, headers=headers, auth=auth)
        error = error_for_status(response, self.service)
        if error is not None:
            raise error
        return response

    async def _raw(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        """Send one request and return whatever status came back; transport errors are mapped."""
        sent_headers = self._headers(auth=auth)
        if headers:
            sent_headers.update(headers)
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        self.request_count += 1
        try:
            return await self._http.request(
                method,
                self.base_url + path,
                params=query or None,
                headers=sent_headers,
                follow_redirects=False,
            )
        except (httpx.TransportError, httpx.InvalidURL, httpx.DecodingError, ConnectionError, ssl.SSLError) as exc:
            raise map_transport_error(exc, self.service) from exc

    async def _get_image(self, path: str, *, max_bytes: int) -> Image:
        """GET one image, read as a stream and given up past ``max_bytes`` (``UpstreamProtocolError``),
        within the HTTP client's timeouts; anything but a raster image is a protocol error."""
        sent_headers = {**self._headers(auth=True), "Accept": "image/*"}
        self.request_count += 1
        try:
            async with self._http.stream(
                "GET", self.base_url + path, headers=sent_headers, follow_redirects=False
            ) as response:
                error = error_for_status(response, self.service)
                if error is not None:
                    raise error
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if content_type not in IMAGE_TYPES:
                    raise UpstreamProtocolError(f"{self.service} did not answer with an image.", status=200)
                too_large = UpstreamProtocolError(f"{self.service} sent an image larger than allowed.", status=200)
                declared = as_int(response.headers.get("content-length"))
                if declared is not None and declared > max_bytes:
                    raise too_large
                body = bytearray()
                async for chunk in response.aiter_raw():
                    body += chunk
                    if len(body) > max_bytes:
                        raise too_large
                return Image(bytes(body), content_type)
        except (httpx.TransportError, httpx.InvalidURL, httpx.DecodingError, ConnectionError, ssl.SSLError) as exc:
            raise map_transport_error(exc, self.service) from exc

    async def _get_json(
        self,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> Any:
        response = await self._send("GET", path, params=params, headers=headers, auth=auth)
        return loads_json(response, self.service)


def _query_value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def with_retries(
    fn: Callable[[], Awaitable[T]],
    *,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 30.0,
    max_retry_after: float = 300.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Call ``fn`` up to ``attempts`` times, retrying only ``UpstreamTransient`` (the product's one
    policy, ``core/retry.py``): exponential back-off with full jitter, never shorter than the
    server's ``Retry-After``; a ``Retry-After`` above ``max_retry_after`` is raised at once so the
    job layer can reschedule. Every other error (auth, not found, protocol...) is raised at once."""
    return await retrying(
        fn,
        retry_on=UpstreamTransient,
        attempts=attempts,
        base=base,
        cap=cap,
        max_retry_after=max_retry_after,
        sleep=sleep,
        rand=rand,
    )
