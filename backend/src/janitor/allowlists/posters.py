"""Posters of synced items, fetched from their media server with the stored token, server-side.

The browser never sees a server's address or token: it asks for ``/api/v1/library/items/{connection}/
{item}/poster`` and gets the image bytes (capped in size, fetched with a short timeout), or a 404 for
an item that is not the account's or that has no poster, or a 502 when the server does not send it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import httpx
import structlog
from fastapi import APIRouter, Path
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.deps import CurrentAccount
from janitor.allowlists.errors import PosterNotFound, PosterUnavailable
from janitor.connections.clients.base import Image
from janitor.connections.clients.errors import UpstreamError, UpstreamNotFound
from janitor.connections.clients.jellyfin import JellyfinClient
from janitor.connections.clients.plex import PlexServerClient
from janitor.connections.models import Connection, ConnectionKind
from janitor.connections.probes import plex_client_id
from janitor.core.config import Settings
from janitor.core.crypto import CredentialError, TokenCipher
from janitor.core.deps import SessionDep, SettingsDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.core.ssrf import upstream_http
from janitor.library.models import MediaItem

log = structlog.get_logger(__name__)

POSTER_MAX_BYTES = 2 * 1024 * 1024
POSTER_TIMEOUT_SECONDS = 10.0
POSTER_CACHE = "private, max-age=86400"


async def fetch_poster(
    session: AsyncSession, settings: Settings, account_id: uuid.UUID, connection_id: uuid.UUID, upstream_id: str
) -> Image:
    """The poster of the account's item ``upstream_id`` on ``connection_id`` (``PosterNotFound`` for
    any other; ``PosterUnavailable`` when its server does not send one)."""
    connection = await session.scalar(
        select(Connection)
        .join(MediaItem, MediaItem.connection_id == Connection.id)
        .where(
            Connection.id == connection_id,
            Connection.account_id == account_id,
            MediaItem.account_id == account_id,
            MediaItem.upstream_id == upstream_id,
            Connection.kind.in_((ConnectionKind.PLEX, ConnectionKind.JELLYFIN)),
        )
    )
    if connection is None:
        raise PosterNotFound()
    try:
        secret = TokenCipher.from_settings(settings).decrypt(
            connection.token_ciphertext, account_id=account_id, connection_id=connection.id
        )
    except CredentialError:
        log.warning("poster_credential_unusable", connection_id=str(connection.id))
        raise PosterUnavailable() from None
    timeout = httpx.Timeout(POSTER_TIMEOUT_SECONDS, connect=min(POSTER_TIMEOUT_SECONDS, 5.0))
    try:
        async with upstream_http(
            allow_private=settings.allow_private_networks, verify=connection.verify_tls, timeout=timeout
        ) as http:
            if connection.kind == ConnectionKind.PLEX:
                plex = PlexServerClient(
                    http, base_url=connection.base_url, token=secret, client_id=plex_client_id(account_id)
                )
                return await plex.poster(upstream_id, max_bytes=POSTER_MAX_BYTES)
            jellyfin = JellyfinClient(http, base_url=connection.base_url, api_key=secret)
            return await jellyfin.poster(upstream_id, max_bytes=POSTER_MAX_BYTES)
    except UpstreamNotFound:
        raise PosterNotFound() from None
    except UpstreamError as exc:
        # The message names the service and the status only (never a URL, a header or a body).
        log.info("poster_unavailable", connection_id=str(connection.id), kind=exc.kind, status=exc.status)
        raise PosterUnavailable() from None


router = APIRouter(prefix="/api/v1/library", tags=["library"])


@router.get(
    "/items/{connection_id}/{upstream_id}/poster",
    response_class=Response,
    responses={
        200: {
            "description": "The poster as the server sent it (JPEG, PNG, WebP, GIF or AVIF; at most 2 MB)",
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        **error_responses(Unauthorized, PosterNotFound, PosterUnavailable),
    },
)
async def item_poster(
    connection_id: uuid.UUID,
    upstream_id: Annotated[str, Path(min_length=1, max_length=100)],
    session: SessionDep,
    settings: SettingsDep,
    account: CurrentAccount,
) -> Response:
    """The poster of one of your synced items, fetched from its server (whose token stays here).
    404 when the item is not yours or its server has no poster for it; 502 when the server does not
    send it (unreachable, an answer that is not an image, or over 2 MB)."""
    image = await fetch_poster(session, settings, account.id, connection_id, upstream_id)
    return Response(image.content, media_type=image.content_type, headers={"Cache-Control": POSTER_CACHE})
