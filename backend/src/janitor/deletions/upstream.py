"""The deleter's side of the media servers: the one place that sends a destructive request.

Nothing else in the product calls ``delete_item``, ``delete_media`` or Jellyseerr's media delete
(``tests/deletions/test_only_the_deleter_deletes.py`` fails if anything does). Every answer is turned
into what the deleter may conclude from it, and no more:

* a delete the server accepted is only *asked*; the item is read back to learn whether it went;
* a timeout, a dropped connection or a 5xx says nothing about whether the delete happened:
  ``Sent.UNKNOWN``, read back later, never sent again;
* 400, 401 and 403 are refusals a person can fix, with the words to say how;
* reads back that fail are ``Presence.UNKNOWN``: unknown never counts as gone.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum

import httpx

from janitor.connections.clients.base import with_retries
from janitor.connections.clients.errors import (
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRefused,
    UpstreamTransient,
)
from janitor.connections.clients.jellyfin import JellyfinClient
from janitor.connections.clients.jellyseerr import JellyseerrClient
from janitor.connections.clients.plex import PlexServerClient
from janitor.connections.models import Connection, ConnectionKind
from janitor.connections.probes import plex_client_id
from janitor.core.config import Settings
from janitor.core.crypto import CredentialError, TokenCipher
from janitor.core.ssrf import upstream_http
from janitor.deletions.models import QueuedDeletion

# Builds the HTTP client for one connection (tests hand in one bound to an in-process simulator).
HttpFactory = Callable[[Connection], httpx.AsyncClient]

PLEX_ALLOW_DELETION = (
    "The Plex server does not allow media deletion: enable 'Allow media deletion' in Plex (Settings → Library), "
    "then queue it again."
)
PLEX_NOT_OWNER = (
    "The Plex server refused the deletion: only the server owner's token may delete. Reconnect the server with "
    "the owner's Plex account, then queue it again."
)
JELLYFIN_NO_RIGHT = (
    "Jellyfin refused the deletion: give the Jellyfin user {user} the right to delete media (Dashboard → Users → "
    "{user} → 'Allow media deletion from'), or use an administrator's API key, then queue it again."
)
JELLYFIN_NO_VERSIONS = "Jellyfin cannot delete one version of an item (only the whole item)."


class Presence(StrEnum):
    GONE = "gone"
    PRESENT = "present"
    UNKNOWN = "unknown"  # the read failed: nothing may be concluded


class Sent(StrEnum):
    ACCEPTED = "accepted"  # 2xx: asked; read back to know
    NOT_FOUND = "not_found"  # 404: perhaps already gone; read back to know
    UNKNOWN = "unknown"  # timeout, dropped connection, 5xx: it may or may not have happened
    REFUSED = "refused"  # 400/401/403/other 4xx: it did not happen, and a person must act


@dataclass(frozen=True)
class Answer:
    sent: Sent
    message: str
    status: int | None = None

    def details(self) -> dict[str, object]:
        return {"answer": self.sent.value, "status": self.status, "message": self.message}


def default_http(settings: Settings, *, concurrency: int) -> HttpFactory:
    def build(connection: Connection) -> httpx.AsyncClient:
        timeout = settings.upstream_timeout_seconds
        return upstream_http(
            allow_private=settings.allow_private_networks,
            verify=connection.verify_tls,
            max_connections=concurrency,
            # Requests wait their turn for one of the pool's connections: that wait is ours.
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0), pool=None),
        )

    return build


def secret_of(settings: Settings, connection: Connection) -> str:
    cipher = TokenCipher.from_settings(settings)
    return cipher.decrypt(connection.token_ciphertext, account_id=connection.account_id, connection_id=connection.id)


class Server:
    """One media server as the deleter sees it."""

    def __init__(self, connection: Connection, http: httpx.AsyncClient, secret: str) -> None:
        self.connection = connection
        self.name = connection.name
        self.plex: PlexServerClient | None = None
        self.jellyfin: JellyfinClient | None = None
        if connection.kind == ConnectionKind.PLEX:
            self.plex = PlexServerClient(
                http, base_url=connection.base_url, token=secret, client_id=plex_client_id(connection.account_id)
            )
        elif connection.kind == ConnectionKind.JELLYFIN:
            self.jellyfin = JellyfinClient(http, base_url=connection.base_url, api_key=secret)
        else:
            raise ValueError(f"{connection.kind} servers hold no media to delete")
        self.acting_user: str | None = connection.options.get("user_id") or None

    async def may_delete(self) -> str | None:
        """Why nothing may be sent to this server now (None: it may be). Plex: the server allows media
        deletion; Jellyfin: the connection's acting user holds the deletion right (or the API key is
        used without a user, as an administrator's)."""
        try:
            if self.plex is not None:
                info = await with_retries(self.plex.server_info, attempts=2)
                return None if info.allow_media_deletion else PLEX_ALLOW_DELETION.replace(", then queue it again", "")
            assert self.jellyfin is not None
            if self.acting_user is None:
                return None
            users = await with_retries(self.jellyfin.users, attempts=2)
        except UpstreamError as exc:
            return f"{self.name} could not be asked whether it allows deletions: {exc.message}"
        user = next((u for u in users if u.id == self.acting_user), None)
        if user is None:
            return f"The Jellyfin user this connection acts as is no longer on {self.name}; choose another one."
        if not user.can_delete:
            return JELLYFIN_NO_RIGHT.format(user=user.name).replace(", then queue it again", "")
        return None

    async def delete(self, row: QueuedDeletion) -> Answer:
        """Send the one delete of this row: the item, or only its version ``media_id`` (Plex)."""
        try:
            if self.plex is not None:
                if row.media_id:
                    await self.plex.delete_media(row.item_upstream_id, row.media_id)
                else:
                    await self.plex.delete_item(row.item_upstream_id)
            else:
                assert self.jellyfin is not None
                if row.media_id:
                    return Answer(Sent.REFUSED, JELLYFIN_NO_VERSIONS)
                await self.jellyfin.delete_item(row.item_upstream_id)
        except UpstreamNotFound as exc:
            return Answer(Sent.NOT_FOUND, exc.message, exc.status)
        except UpstreamRefused as exc:
            return Answer(Sent.REFUSED, PLEX_ALLOW_DELETION, exc.status)
        except UpstreamAuthError as exc:
            words = PLEX_NOT_OWNER if self.plex is not None else JELLYFIN_NO_RIGHT.format(user=self._user_words())
            return Answer(Sent.REFUSED, words, exc.status)
        except UpstreamTransient as exc:
            return Answer(Sent.UNKNOWN, exc.message, exc.status)
        except UpstreamError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return Answer(Sent.REFUSED, f"{self.name} refused the deletion: {exc.message}", exc.status)
            # Unreachable, TLS, a redirect, a body that is not an answer: whether the delete happened is
            # not known. A connection error may have cut the answer, not the request.
            return Answer(Sent.UNKNOWN, exc.message, exc.status)
        return Answer(Sent.ACCEPTED, "the server accepted the deletion")

    def _user_words(self) -> str:
        return "this connection acts as" if self.acting_user else "of the API key"

    async def read_back(self, row: QueuedDeletion) -> Presence:
        """Whether the row's target is still on the server: the item, or for a version delete that
        version (an item gone with it is gone too)."""
        try:
            if self.plex is not None:
                try:
                    found = await with_retries(lambda: self.plex.metadata([row.item_upstream_id]), attempts=2)  # type: ignore[union-attr]
                except UpstreamNotFound:
                    return Presence.GONE
                item = next((i for i in found if str(i.get("ratingKey")) == row.item_upstream_id), None)
                if item is None:
                    return Presence.GONE
                if not row.media_id:
                    return Presence.PRESENT
                media = item.get("Media")
                versions = (
                    {str(m.get("id")) for m in media if isinstance(m, dict)} if isinstance(media, list) else set()
                )
                return Presence.PRESENT if row.media_id in versions else Presence.GONE
            assert self.jellyfin is not None
            jellyfin = self.jellyfin
            # A listing by id, as the API key (every library): gone only when the server answers a
            # well-formed list without it. A 404 may be a route this server lacks, not the item gone.
            page = await with_retries(
                lambda: jellyfin.list_items(
                    user_id=None,
                    parent_id=None,
                    include_item_types=(),
                    fields=(),
                    start=0,
                    limit=1,
                    extra={"ids": row.item_upstream_id},
                ),
                attempts=2,
            )
            listed = any(str(i.get("Id")) == row.item_upstream_id for i in page.items)
            return Presence.PRESENT if listed else Presence.GONE
        except UpstreamError:
            return Presence.UNKNOWN

    async def versions(self, row: QueuedDeletion) -> set[str] | None:
        """The item's versions as the server lists them now (Plex), or None when it could not be read."""
        if self.plex is None:
            return None
        try:
            found = await with_retries(lambda: self.plex.metadata([row.item_upstream_id]), attempts=2)  # type: ignore[union-attr]
        except UpstreamNotFound:
            return set()
        except UpstreamError:
            return None
        item = next((i for i in found if str(i.get("ratingKey")) == row.item_upstream_id), None)
        media = item.get("Media") if item is not None else None
        return {str(m.get("id")) for m in media if isinstance(m, dict)} if isinstance(media, list) else set()


@asynccontextmanager
async def open_server(settings: Settings, connection: Connection, http: HttpFactory) -> AsyncIterator[Server]:
    """The server of ``connection`` with its token; ``CredentialError`` when the token cannot be read."""
    secret = secret_of(settings, connection)
    async with http(connection) as client:
        yield Server(connection, client, secret)


@dataclass(frozen=True)
class SeerrTarget:
    connection: Connection
    media_id: int


async def clear_seerr(settings: Settings, target: SeerrTarget, http: HttpFactory) -> dict[str, object]:
    """Remove Jellyseerr's media record of a deleted title (so it can be requested again). Never fails
    the deletion: the outcome goes into the audit event."""
    words: dict[str, object] = {"connection_id": str(target.connection.id), "media_id": target.media_id}
    try:
        secret = secret_of(settings, target.connection)
        async with http(target.connection) as client:
            await JellyseerrClient(client, base_url=target.connection.base_url, api_key=secret).delete_media(
                target.media_id
            )
    except UpstreamNotFound:
        return {**words, "cleared": True, "message": "already cleared"}
    except (UpstreamError, CredentialError) as exc:
        return {**words, "cleared": False, "message": getattr(exc, "message", str(exc))}
    return {**words, "cleared": True}


def connection_ids(*connections: Connection) -> list[uuid.UUID]:
    return [c.id for c in connections]
