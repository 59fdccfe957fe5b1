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

# Never reachable, even for self-hosted installs: cloud metadata, link-local, "this network",
# multicast.
_ALWAYS_BLOCKED = [
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud metadata
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("224.0.0.0/4"),
    ipaddress.ip_network("ff00::/8"),
]
# Metadata and link-local: what a possible IPv4 embedding of a local-use NAT64 address must not be.
_METADATA = [net for net in _ALWAYS_BLOCKED if net.version == 4 and net.prefixlen >= 16]

# Not public, though the ``ipaddress`` module of Python 3.11 does not say so (its lists predate
# them): documentation (RFC 9637), local-use NAT64 (RFC 8215), site-local (deprecated, RFC 3879).
_NOT_PUBLIC = [
    ipaddress.ip_network("3fff::/20"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("fec0::/10"),
]

# IPv6 forms that carry an IPv4 address: the IPv4 address is what gets reached, so it is judged.
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # ::a.b.c.d (deprecated, RFC 4291)
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (SIIT, RFC 2765)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known prefix (RFC 6052)
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # local-use prefix (RFC 8215), any RFC 6052 length


class BlockedAddress(httpx.ConnectError):
    """The URL points at an address this installation may not reach."""


def _rfc6052_embeddings(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 address under each prefix length RFC 6052 allows inside a /48 (48, 56, 64, 96).

    Bits 64..71 (the "u" octet) never carry address bits."""
    n = int(ip)

    def bits(first: int, count: int) -> int:
        return (n >> (128 - first - count)) & ((1 << count) - 1)

    return [
        ipaddress.IPv4Address((bits(48, 16) << 16) | bits(72, 16)),
        ipaddress.IPv4Address((bits(56, 8) << 24) | bits(72, 24)),
        ipaddress.IPv4Address(bits(72, 32)),
        ipaddress.IPv4Address(bits(96, 32)),
    ]


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address] | None:
    """Every IPv4 address an IPv6 address carries (mapped, translated, compatible, NAT64, 6to4,
    Teredo server and client), or None for a plain IPv6 address."""
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _IPV4_TRANSLATED or ip in _NAT64:
        return [low32]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:
        # :: and ::1 are IPv6's own unspecified and loopback address, judged as such.
        return [low32]
    if ip in _LOCAL_NAT64:
        return _rfc6052_embeddings(ip)
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip.teredo:
        return list(ip.teredo)
    return None


def _reachable(ip: IPAddress, *, allow_private: bool) -> bool:
    if any(ip in net for net in _ALWAYS_BLOCKED if net.version == ip.version):
        return False
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local:
        return False
    if allow_private:
        return True
    # Hosted mode: only globally routable addresses (no loopback, RFC 1918, CGNAT, ULA, site-local,
    # documentation, reserved).
    if ip.is_private or ip.is_loopback or ip.is_reserved or not ip.is_global:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return False
    return not any(ip in net for net in _NOT_PUBLIC if net.version == ip.version)


def address_allowed(address: str, *, allow_private: bool) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = embedded_ipv4(ip)
        if embedded is not None:
            if ip in _LOCAL_NAT64:
                # A translator on the local network: never in hosted mode; self-hosted, the usual
                # /96 reading is judged, and no other reading may be metadata or link-local.
                if not allow_private or any(v4 in net for v4 in embedded for net in _METADATA):
                    return False
                return _reachable(embedded[-1], allow_private=True)
            return all(_reachable(v4, allow_private=allow_private) for v4 in embedded)
    return _reachable(ip, allow_private=allow_private)


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
