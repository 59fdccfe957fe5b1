"""Posters of synced items, fetched from the item's server with its stored token (respx for the servers)."""

from __future__ import annotations

import uuid

import httpx
import pytest
import respx
from httpx import Response

from janitor.connections.models import Connection, Library
from janitor.core.crypto import TokenCipher
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignedUp, SignupFn
from janitor.library.models import MediaItem

from .upstream_fixtures import JELLYFIN, PLEX

# The stored addresses; the guarded transport resolves them (fake DNS) and sends to PLEX / JELLYFIN.
PLEX_URL = "https://plex.example.com:32400"
JELLYFIN_URL = "https://jellyfin.example.com"
PLEX_TOKEN = "plex-secret-token-0001"
JELLYFIN_KEY = "jellyfinsecretkey0002"
PNG = b"\x89PNG\r\n\x1a\n" + b"poster" * 10


async def _plant(ctx: AppContext, user: SignedUp, kind: str, url: str, secret: str, upstream_id: str) -> uuid.UUID:
    """A connection (its token encrypted as the product stores it) with one synced movie."""
    connection_id = uuid.uuid4()
    cipher = TokenCipher.from_settings(ctx.settings)
    async with ctx.sessionmaker() as session, session.begin():
        session.add(
            Connection(
                id=connection_id,
                account_id=user.account_id,
                kind=kind,
                name=kind.title(),
                base_url=url,
                server_id=f"id-{connection_id.hex[:8]}",
                token_ciphertext=cipher.encrypt(secret, account_id=user.account_id, connection_id=connection_id),
                verify_tls=True,
                options={},
                status="ok",
            )
        )
        await session.flush()
        library = Library(
            account_id=user.account_id, connection_id=connection_id, upstream_key="1", title="Films", kind="movie"
        )
        session.add(library)
        await session.flush()
        session.add(
            MediaItem(
                account_id=user.account_id,
                connection_id=connection_id,
                library_id=library.id,
                upstream_id=upstream_id,
                title="The Matrix",
                kind="movie",
                year=1999,
                guids={},
                parts=[],
            )
        )
    return connection_id


def _poster(connection_id: uuid.UUID, upstream_id: str) -> str:
    return f"/api/v1/library/items/{connection_id}/{upstream_id}/poster"


def _no_secret(r: httpx.Response, *secrets: str) -> None:
    raw = r.content + str(r.headers).encode()
    for secret in secrets:
        assert secret.encode() not in raw


async def test_plex_poster_is_fetched_with_the_token_and_cached_privately(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter, ctx: AppContext
) -> None:
    user = await signup()
    connection_id = await _plant(ctx, user, "plex", PLEX_URL, PLEX_TOKEN, "603")
    thumb = upstream.get(f"{PLEX}/library/metadata/603/thumb").mock(
        return_value=Response(200, content=PNG, headers={"Content-Type": "image/png"})
    )
    r = await client.get(_poster(connection_id, "603"), headers=user.headers)
    assert r.status_code == 200, r.text
    assert r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["cache-control"] == "private, max-age=86400"
    sent = thumb.calls.last.request
    assert sent.headers["X-Plex-Token"] == PLEX_TOKEN
    assert "X-Plex-Token" not in str(sent.url)  # the token travels in a header only
    _no_secret(r, PLEX_TOKEN)
    # Other API answers keep their no-store.
    assert (await client.get("/api/v1/allowlists", headers=user.headers)).headers["cache-control"] == "no-store"


async def test_jellyfin_poster_is_the_primary_image(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter, ctx: AppContext
) -> None:
    user = await signup()
    item = "a" * 32
    connection_id = await _plant(ctx, user, "jellyfin", JELLYFIN_URL, JELLYFIN_KEY, item)
    image = upstream.get(f"{JELLYFIN}/Items/{item}/Images/Primary").mock(
        return_value=Response(200, content=b"\xff\xd8\xffjpeg", headers={"Content-Type": "image/jpeg"})
    )
    r = await client.get(_poster(connection_id, item), headers=user.headers)
    assert r.status_code == 200, r.text
    assert (r.content, r.headers["content-type"]) == (b"\xff\xd8\xffjpeg", "image/jpeg")
    assert f'Token="{JELLYFIN_KEY}"' in image.calls.last.request.headers["Authorization"]
    _no_secret(r, JELLYFIN_KEY)


async def test_another_accounts_item_or_an_unknown_one_is_a_404_without_asking_the_server(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter, ctx: AppContext
) -> None:
    owner, other = await signup(), await signup()
    connection_id = await _plant(ctx, owner, "plex", PLEX_URL, PLEX_TOKEN, "603")
    thumb = upstream.get(url__regex=r".*/thumb").mock(return_value=Response(200, content=PNG))
    for who, path in (
        (other, _poster(connection_id, "603")),
        (owner, _poster(connection_id, "604")),
        (owner, _poster(uuid.uuid4(), "603")),
    ):
        r = await client.get(path, headers=who.headers)
        assert r.status_code == 404, r.text
        assert r.json()["error"] == "poster_not_found"
    assert not thumb.called
    assert (await client.get(_poster(connection_id, "603"))).status_code == 401


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        (Response(404), 404, "poster_not_found"),
        (Response(500, text=f"crash {PLEX_TOKEN}"), 502, "poster_unavailable"),
        (Response(401), 502, "poster_unavailable"),
        (Response(200, content=b"<svg/>", headers={"Content-Type": "image/svg+xml"}), 502, "poster_unavailable"),
        (Response(200, text="<html>", headers={"Content-Type": "text/html"}), 502, "poster_unavailable"),
        (Response(302, headers={"Location": "http://10.0.0.1/"}), 502, "poster_unavailable"),
        # Over the 2 MB cap, with or without a Content-Length saying so.
        (Response(200, content=b"x" * (2 * 1024 * 1024 + 1), headers={"Content-Type": "image/jpeg"}), 502, None),
        (
            Response(200, stream=httpx.ByteStream(b"x" * (3 * 1024 * 1024)), headers={"Content-Type": "image/jpeg"}),
            502,
            None,
        ),
    ],
)
async def test_a_server_that_does_not_send_a_poster_is_a_clean_error(
    client: httpx.AsyncClient,
    signup: SignupFn,
    upstream: respx.MockRouter,
    ctx: AppContext,
    capsys: pytest.CaptureFixture[str],
    answer: Response,
    status: int,
    code: str | None,
) -> None:
    user = await signup()
    connection_id = await _plant(ctx, user, "plex", PLEX_URL, PLEX_TOKEN, "603")
    upstream.get(f"{PLEX}/library/metadata/603/thumb").mock(return_value=answer)
    r = await client.get(_poster(connection_id, "603"), headers=user.headers)
    assert r.status_code == status, r.text
    assert r.json()["error"] == (code or "poster_unavailable")
    assert r.headers["cache-control"] == "no-store"
    _no_secret(r, PLEX_TOKEN)
    logs = capsys.readouterr()
    assert PLEX_TOKEN not in logs.out + logs.err


async def test_an_unreachable_server_is_a_502(
    client: httpx.AsyncClient, signup: SignupFn, upstream: respx.MockRouter, ctx: AppContext
) -> None:
    user = await signup()
    connection_id = await _plant(ctx, user, "jellyfin", JELLYFIN_URL, JELLYFIN_KEY, "b" * 32)
    upstream.get(url__regex=r".*/Images/Primary").mock(side_effect=httpx.ConnectTimeout("slow"))
    r = await client.get(_poster(connection_id, "b" * 32), headers=user.headers)
    assert (r.status_code, r.json()["error"]) == (502, "poster_unavailable")
