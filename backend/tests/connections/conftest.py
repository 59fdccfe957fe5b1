from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

# Public addresses the fake DNS hands out (the SSRF guard refuses private ones in hosted mode).
HOSTS = {
    "plex.tv": "93.184.216.40",
    "plex.example.com": "93.184.216.34",
    "203-0-113-9.abc.plex.direct": "93.184.216.36",
    "relay.plex.direct": "93.184.216.37",
    "jellyfin.example.com": "93.184.216.35",
    "requests.example.com": "93.184.216.38",
}


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    async def resolve(host: str, port: int) -> list[str]:
        if host in HOSTS:
            return [HOSTS[host]]
        if host.replace(".", "").isdigit() or ":" in host:
            return [host]
        raise OSError("unknown host")

    monkeypatch.setattr("janitor.core.ssrf.system_resolver", resolve)
    return HOSTS


@pytest.fixture
def upstream(fake_dns: dict[str, str]) -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router
