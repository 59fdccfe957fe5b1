"""Fixtures for the upstream client unit tests: a real httpx client routed through respx, no database."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

# Building a verifying SSL context loads the CA bundle (~0.1 s): do it once, not per test.
_SSL_CONTEXT = ssl.create_default_context()


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5, verify=_SSL_CONTEXT) as client:
        yield client
