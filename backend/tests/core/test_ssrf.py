from __future__ import annotations

import ssl

import httpx
import pytest

from janitor.core.ssrf import BlockedAddress, GuardedTransport, address_allowed, upstream_http


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
