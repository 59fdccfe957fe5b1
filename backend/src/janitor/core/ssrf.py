"""SSRF guard for every call to a user-supplied URL.

The host is resolved once, every address is checked, and the connection goes to the checked
address (the original name is kept for the Host header and TLS SNI), so a DNS answer that
changes between check and connect (rebinding) cannot reach an internal address. Redirects are
never followed. Error messages stay coarse: they never echo what an internal name resolved to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Never reachable, even for self-hosted installs: cloud metadata and link-local.
_ALWAYS_BLOCKED = [
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud metadata
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("224.0.0.0/4"),
    ipaddress.ip_network("ff00::/8"),
]


class BlockedAddress(httpx.ConnectError):
    """The URL points at an address this installation may not reach."""


def _unwrap(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip.sixtofour:
            return ip.sixtofour
        if ip.teredo:
            return ip.teredo[1]
    return ip


def address_allowed(address: str, *, allow_private: bool) -> bool:
    try:
        ip = _unwrap(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return False
    if any(ip in net for net in _ALWAYS_BLOCKED if net.version == ip.version):
        return False
    if ip.is_unspecified or ip.is_multicast:
        return False
    if allow_private:
        return True
    # Hosted mode: only globally routable addresses (no loopback, RFC 1918, CGNAT, ULA, reserved).
    return ip.is_global


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        *,
        allow_private: bool,
        verify: bool = True,
        resolver: Resolver | None = None,
        inner: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        # The connection pool is the transport's: limits given to the client are ignored once a
        # transport is passed, so the per-server bound has to be set here.
        self.inner = inner or httpx.AsyncHTTPTransport(
            verify=verify, retries=0, limits=limits or httpx.Limits(max_connections=4, max_keepalive_connections=4)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        if request.url.scheme not in ("http", "https") or not host:
            raise BlockedAddress("Only http and https URLs are supported.", request=request)
        try:
            addresses = await (self.resolver or system_resolver)(host, port)
        except (OSError, UnicodeError):
            raise httpx.ConnectError(f"The name {host} could not be resolved.", request=request) from None
        if not addresses:
            raise httpx.ConnectError(f"The name {host} could not be resolved.", request=request)
        if not all(address_allowed(a, allow_private=self.allow_private) for a in addresses):
            raise BlockedAddress(
                "This address is not allowed: it points to a private or reserved network.", request=request
            )
        target = addresses[0]
        original_host = request.headers.get("host") or request.url.netloc.decode()
        request.url = request.url.copy_with(host=target)
        request.headers["host"] = original_host
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)


def upstream_http(
    *,
    allow_private: bool,
    verify: bool = True,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    max_connections: int = 4,
    resolver: Resolver | None = None,
) -> httpx.AsyncClient:
    """The one way the product builds an HTTP client for a user's server."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_private=allow_private, verify=verify, resolver=resolver, limits=limits),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )
