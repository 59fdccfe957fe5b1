from __future__ import annotations

import ipaddress
import ssl

import httpx
import pytest

from janitor.core.ssrf import BlockedAddress, GuardedTransport, IPAddress, address_allowed, embedded_ipv4, upstream_http


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.8.8",
        "::1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.10",
        "100.64.0.1",
        "169.254.169.254",
        "fe80::1",
        "fd12:3456::1",
        "fc00::1",
        "0.0.0.0",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "224.0.0.1",
        "240.0.0.1",
        "198.18.0.1",
        "not-an-ip",
    ],
)
def test_hosted_mode_blocks_internal_addresses(address: str) -> None:
    assert address_allowed(address, allow_private=False) is False


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "93.184.216.34"])
def test_hosted_mode_allows_public_addresses(address: str) -> None:
    assert address_allowed(address, allow_private=False) is True


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.5", "192.168.1.10", "fd12::1", "::1"])
def test_self_hosted_mode_allows_private_ranges(address: str) -> None:
    assert address_allowed(address, allow_private=True) is True


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "fd00:ec2::254", "::ffff:169.254.169.254"])
def test_metadata_and_link_local_are_blocked_even_when_self_hosted(address: str) -> None:
    assert address_allowed(address, allow_private=True) is False


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(302, headers={"location": "http://169.254.169.254/"}, request=request)


def _resolver(mapping: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return mapping[host]

    return resolve


async def test_connects_to_the_checked_address_with_original_host_and_sni() -> None:
    inner = Recorder()
    transport = GuardedTransport(
        allow_private=False, resolver=_resolver({"plex.example.com": ["93.184.216.34"]}), inner=inner
    )
    async with httpx.AsyncClient(transport=transport, follow_redirects=False) as c:
        r = await c.get("https://plex.example.com:32400/identity")
    sent = inner.requests[0]
    assert sent.url.host == "93.184.216.34"
    assert sent.url.port == 32400
    assert sent.headers["host"] == "plex.example.com:32400"
    assert sent.extensions["sni_hostname"] == "plex.example.com"
    assert r.status_code == 302  # the redirect was not followed
    assert len(inner.requests) == 1


async def test_a_name_with_any_internal_answer_is_refused_with_a_coarse_message() -> None:
    inner = Recorder()
    transport = GuardedTransport(
        allow_private=False,
        resolver=_resolver({"rebind.example": ["93.184.216.34", "10.0.0.7"]}),
        inner=inner,
    )
    async with httpx.AsyncClient(transport=transport) as c:
        with pytest.raises(BlockedAddress) as info:
            await c.get("http://rebind.example/")
    assert "10.0.0.7" not in str(info.value)
    assert inner.requests == []


async def test_literal_internal_ip_urls_are_refused() -> None:
    async with upstream_http(allow_private=False) as c:
        for url in ("http://127.0.0.1:8000/", "http://[::1]/", "http://169.254.169.254/latest/meta-data"):
            with pytest.raises(BlockedAddress):
                await c.get(url)


async def test_self_hosted_mode_reaches_loopback() -> None:
    # A real socket on this machine: a throwaway HTTP server.
    import asyncio

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with upstream_http(allow_private=True) as c:
            r = await c.get(f"http://localhost:{port}/")
        assert r.text == "ok"
        async with upstream_http(allow_private=False) as c:
            with pytest.raises(BlockedAddress):
                await c.get(f"http://localhost:{port}/")
    finally:
        server.close()
        await server.wait_closed()


async def test_unresolvable_name_is_a_connect_error() -> None:
    async with upstream_http(allow_private=False) as c:
        with pytest.raises(httpx.ConnectError, match="could not be resolved"):
            await c.get("http://does-not-exist.invalid/")


def test_tls_verification_is_on_by_default() -> None:
    transport = GuardedTransport(allow_private=False)
    pool = transport.inner._pool  # type: ignore[attr-defined]
    assert pool._ssl_context.verify_mode == ssl.CERT_REQUIRED


async def test_max_connections_bounds_the_requests_in_flight() -> None:
    """The per-server bound holds at the server: limits given to an httpx client are ignored once a
    transport is passed, so the guarded transport carries them (before it did, all six went at once)."""
    import asyncio

    in_flight = peak = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal in_flight, peak
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                in_flight += 1
                peak = max(peak, in_flight)
                await asyncio.sleep(0.05)
                in_flight -= 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with upstream_http(allow_private=True, max_connections=2) as c:
            replies = await asyncio.gather(*(c.get(f"http://127.0.0.1:{port}/{i}") for i in range(6)))
        assert [r.text for r in replies] == ["ok"] * 6
        assert peak == 2
    finally:
        server.close()
        await server.wait_closed()


# --- Table-driven: every special-purpose range, judged by the ipaddress module's own properties ---
#
# The probes are both ends of every range below (and the addresses just outside them) plus a sweep
# of every IPv4 /8 and every 256th IPv6 /16; the verdict expected for each comes from the
# ipaddress module's properties (is_private, is_loopback, is_link_local, is_multicast, is_reserved,
# is_unspecified, is_site_local, is_global) plus the explicit lists below for what Python 3.11's
# tables do not know. Every IPv6 form that carries an IPv4 address (mapped, translated, compatible,
# NAT64, 6to4, Teredo) must get the verdict of the IPv4 address it carries.

# IANA IPv4 special-purpose registry, plus cloud metadata addresses.
IPV4_RANGES = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32", "192.0.0.9/32", "192.0.0.10/32", "192.0.0.170/31",
    "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
    "240.0.0.0/4", "255.255.255.255/32", "100.100.100.200/32",
]  # fmt: skip
# IANA IPv6 special-purpose registry, plus site-local, 6bone, metadata and the embedding prefixes.
IPV6_RANGES = [
    "::/128", "::1/128", "::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48",
    "100::/64", "2001::/23", "2001::/32", "2001:1::1/128", "2001:1::2/128", "2001:2::/48", "2001:3::/32",
    "2001:4:112::/48", "2001:10::/28", "2001:20::/28", "2001:30::/28", "2001:db8::/32", "2002::/16",
    "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    "fd00:ec2::254/128", "3ffe::/16",
]  # fmt: skip
# Not public although Python 3.11's tables say is_global: documentation (RFC 9637), local-use NAT64
# (RFC 8215), site-local (RFC 3879).
EXPLICIT_NOT_PUBLIC = [ipaddress.ip_network(n) for n in ("3fff::/20", "64:ff9b:1::/48", "fec0::/10")]
# Never reachable, self-hosted or not: cloud metadata, "this network".
EXPLICIT_NEVER = [
    ipaddress.ip_network(n) for n in ("169.254.0.0/16", "100.100.100.200/32", "fd00:ec2::254/128", "0.0.0.0/8")
]
# IPv6 prefixes whose addresses carry an IPv4 address (judged through it, not as IPv6).
EMBEDDING = [
    ipaddress.ip_network(n)
    for n in ("::/96", "::ffff:0:0/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "2001::/32")
]


def _probes(ranges: list[str]) -> list[IPAddress]:
    out: set[IPAddress] = set()
    for text in ranges:
        net = ipaddress.ip_network(text)
        first, last = int(net.network_address), int(net.broadcast_address)
        top = 2**32 - 1 if net.version == 4 else 2**128 - 1
        for n in (first - 1, first, first + 1, (first + last) // 2, last - 1, last, last + 1):
            if 0 <= n <= top:
                out.add(ipaddress.ip_address(n) if net.version == 6 or n > 0 else ipaddress.IPv4Address(n))
    return sorted(out, key=lambda ip: (ip.version, int(ip)))


V4_PROBES = [ip for ip in _probes(IPV4_RANGES) if ip.version == 4] + [
    ipaddress.IPv4Address(f"{i}.1.2.3") for i in range(256)
]
V6_PROBES = [ip for ip in _probes(IPV6_RANGES) if ip.version == 6] + [
    ipaddress.IPv6Address(f"{i:x}00::1") for i in range(256)
]


def expected(ip: IPAddress, *, allow_private: bool) -> bool:
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified or any(ip in n for n in EXPLICIT_NEVER):
        return False
    if allow_private:
        return True
    flags = (ip.is_private, ip.is_loopback, ip.is_reserved, getattr(ip, "is_site_local", False))
    return ip.is_global and not any(flags) and not any(ip in n for n in EXPLICIT_NOT_PUBLIC)


def _wrapped(v4: ipaddress.IPv4Address) -> dict[str, ipaddress.IPv6Address]:
    n = int(v4)
    forms = {
        "mapped ::ffff:a.b.c.d": ipaddress.IPv6Address((0xFFFF << 32) | n),
        "translated ::ffff:0:a.b.c.d": ipaddress.IPv6Address((0xFFFF << 48) | n),
        "compatible ::a.b.c.d": ipaddress.IPv6Address(n),
        "NAT64 64:ff9b::/96": ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | n),
        "6to4 2002::/16": ipaddress.IPv6Address((0x2002 << 112) | (n << 80)),
        # Teredo: server 65.54.227.120 or client 8.8.8.8 (public) beside the probe; the client is stored
        # bit-inverted in the low 32 bits.
        "Teredo client": ipaddress.IPv6Address(f"2001:0:4136:e378:8000:63bf:{(~n >> 16) & 0xFFFF:x}:{~n & 0xFFFF:x}"),
        "Teredo server": ipaddress.IPv6Address((0x20010000 << 96) | (n << 64) | 0x800063BFF7F7F7F7),
    }
    if n <= 1:  # ::0.0.0.0 and ::0.0.0.1 are IPv6's own :: and ::1, judged as such
        del forms["compatible ::a.b.c.d"]
    return forms


@pytest.mark.parametrize("allow_private", [False, True], ids=["hosted", "self-hosted"])
def test_every_ipv4_range_gets_the_verdict_of_its_properties(allow_private: bool) -> None:
    wrong = [
        str(ip)
        for ip in V4_PROBES
        if address_allowed(str(ip), allow_private=allow_private) != expected(ip, allow_private=allow_private)
    ]
    assert wrong == []


@pytest.mark.parametrize("allow_private", [False, True], ids=["hosted", "self-hosted"])
def test_every_plain_ipv6_range_gets_the_verdict_of_its_properties(allow_private: bool) -> None:
    plain = [ip for ip in V6_PROBES if not any(ip in n for n in EMBEDDING)]
    assert len(plain) > 250
    wrong = [
        str(ip)
        for ip in plain
        if address_allowed(str(ip), allow_private=allow_private) != expected(ip, allow_private=allow_private)
    ]
    assert wrong == []


@pytest.mark.parametrize("allow_private", [False, True], ids=["hosted", "self-hosted"])
def test_every_ipv6_form_carrying_an_ipv4_address_is_judged_by_that_address(allow_private: bool) -> None:
    wrong = []
    for v4 in V4_PROBES:
        verdict = expected(v4, allow_private=allow_private)
        for form, v6 in _wrapped(v4).items():
            # Teredo's server and client are both judged; the fixed other half is public.
            if address_allowed(str(v6), allow_private=allow_private) != verdict:
                wrong.append(f"{form}: {v6} ({v4})")
    assert wrong == []


def test_the_forms_are_what_the_ipaddress_module_reads() -> None:
    v4 = ipaddress.IPv4Address("10.1.2.3")
    forms = _wrapped(v4)
    assert forms["mapped ::ffff:a.b.c.d"].ipv4_mapped == v4
    assert forms["6to4 2002::/16"].sixtofour == v4
    assert forms["Teredo client"].teredo == (ipaddress.IPv4Address("65.54.227.120"), v4)
    assert forms["Teredo server"].teredo is not None and forms["Teredo server"].teredo[0] == v4
    for probe in V6_PROBES:  # every embedding probe is one of the forms judged through its IPv4
        if any(probe in n for n in EMBEDDING) and int(probe) > 1:
            assert embedded_ipv4(probe) is not None, probe


@pytest.mark.parametrize(
    ("address", "hosted", "self_hosted"),
    [
        # The forms the attack found passing (issue 14, point 3), and their neighbours.
        ("64:ff9b::7f00:1", False, True),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False, False),  # NAT64 of the metadata address
        ("64:ff9b::808:808", True, True),  # NAT64 of 8.8.8.8: what DNS64 answers on IPv6-only hosts
        ("64:ff9b:1::7f00:1", False, True),  # local-use NAT64: a local translator
        ("64:ff9b:1::808:808", False, True),
        ("64:ff9b:1:a9fe:a9:fe00::", False, False),  # metadata under the /48 embedding
        ("64:ff9b:1::a9fe:a9fe", False, False),
        ("::ffff:0:7f00:1", False, True),  # IPv4-translated 127.0.0.1
        ("::ffff:0:a9fe:a9fe", False, False),
        ("::ffff:0:808:808", True, True),
        ("::7f00:1", False, True),  # IPv4-compatible 127.0.0.1
        ("::a9fe:a9fe", False, False),
        ("::ffff:127.0.0.1", False, True),
        ("::ffff:169.254.169.254", False, False),
        ("2002:a9fe:a9fe::", False, False),  # 6to4
        ("2002:808:808::1", True, True),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False, True),  # Teredo client 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:5601:5601", False, False),  # Teredo client 169.254.169.254
        ("fec0::1", False, True),  # site-local
        ("feff:ffff::1", False, True),
        ("3fff::1", False, True),  # documentation (RFC 9637)
        ("fe80::1%eth0", False, False),
        ("ff02::1", False, False),
        ("::", False, False),
        ("::1", False, True),
    ],
)
def test_explicit_verdicts(address: str, hosted: bool, self_hosted: bool) -> None:
    assert address_allowed(address, allow_private=False) is hosted
    assert address_allowed(address, allow_private=True) is self_hosted
