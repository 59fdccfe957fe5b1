"""Connections: validate before saving, store tokens encrypted, test, update, remove; libraries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.connections.clients.errors import UpstreamError
from janitor.connections.clients.jellyfin import JellyfinClient
from janitor.connections.clients.jellyseerr import JellyseerrClient
from janitor.connections.clients.plex import PlexServerClient
from janitor.connections.errors import (
    ConnectionExists,
    ConnectionNotFound,
    ConnectionValidationFailed,
    LibraryNotFound,
    PathMappingRepeated,
    PathMappingsNotApplicable,
)
from janitor.connections.models import Connection, ConnectionKind, ConnectionStatus, Library
from janitor.connections.probes import Probe, plex_client_id, probe_jellyfin, probe_jellyseerr, probe_plex
from janitor.connections.repository import ConnectionRepository, LibraryRepository
from janitor.connections.schemas import (
    ConnectionOut,
    ConnectionUpdate,
    JellyfinProbeOut,
    JellyfinUserOut,
    PathMapping,
    PathMappingsOut,
    SharedServerOut,
)
from janitor.connections.validation import explain
from janitor.core.config import Settings
from janitor.core.crypto import CredentialError, TokenCipher
from janitor.core.ssrf import upstream_http
from janitor.library.copies import rebuild_copies, sample_paths, shared_files
from janitor.library.video_rows import refresh_video_items

log = structlog.get_logger(__name__)


def to_out(connection: Connection) -> ConnectionOut:
    out = ConnectionOut.model_validate(connection)
    out.deletion_enabled = connection.options.get("deletion_enabled")
    out.acting_user = connection.options.get("user_name")
    return out


class ConnectionService:
    def __init__(self, session: AsyncSession, account: Account, *, settings: Settings) -> None:
        self.session = session
        self.account = account
        self.settings = settings
        self.cipher = TokenCipher.from_settings(settings)
        self.connections = ConnectionRepository(session, account.id)
        self.libraries = LibraryRepository(session, account.id)

    @asynccontextmanager
    async def http(self, *, verify_tls: bool) -> AsyncIterator[httpx.AsyncClient]:
        async with upstream_http(allow_private=self.settings.allow_private_networks, verify=verify_tls) as client:
            yield client

    async def _probe(self, kind: str, url: str, secret: str, *, verify_tls: bool, user_id: str | None = None) -> Probe:
        try:
            async with self.http(verify_tls=verify_tls) as http:
                if kind == ConnectionKind.PLEX:
                    client_id = plex_client_id(self.account.id)
                    return await probe_plex(PlexServerClient(http, base_url=url, token=secret, client_id=client_id))
                if kind == ConnectionKind.JELLYFIN:
                    probe, _ = await probe_jellyfin(JellyfinClient(http, base_url=url, api_key=secret), user_id=user_id)
                    if user_id is not None and "user_id" not in probe.options:
                        raise ConnectionValidationFailed(
                            "jellyfin_user_not_found",
                            "That Jellyfin user does not exist on this server. Pick one of its users.",
                        )
                    return probe
                return await probe_jellyseerr(JellyseerrClient(http, base_url=url, api_key=secret))
        except UpstreamError as exc:
            raise explain(exc, kind=kind, url=url, allow_private=self.settings.allow_private_networks) from None

    async def probe_jellyfin(self, *, url: str, api_key: str, verify_tls: bool) -> JellyfinProbeOut:
        try:
            async with self.http(verify_tls=verify_tls) as http:
                probe, users = await probe_jellyfin(JellyfinClient(http, base_url=url, api_key=api_key), user_id=None)
        except UpstreamError as exc:
            raise explain(exc, kind="jellyfin", url=url, allow_private=self.settings.allow_private_networks) from None
        return JellyfinProbeOut(
            server_name=probe.name,
            server_id=probe.server_id or "",
            version=probe.version or "",
            users=[JellyfinUserOut(**u) for u in users],
        )

    async def create(
        self,
        kind: ConnectionKind,
        *,
        url: str,
        secret: str,
        name: str | None,
        verify_tls: bool,
        user_id: str | None = None,
        extra_options: dict[str, Any] | None = None,
        probe: Probe | None = None,
    ) -> Connection:
        probe = probe or await self._probe(kind, url, secret, verify_tls=verify_tls, user_id=user_id)
        if probe.server_id and await self.connections.find_server(kind, probe.server_id):
            raise ConnectionExists(f"This {probe.name} is already connected.")
        connection = Connection(
            id=uuid.uuid4(),
            kind=kind.value,
            name=name or probe.name,
            base_url=url,
            server_id=probe.server_id,
            version=probe.version,
            token_ciphertext="",
            verify_tls=verify_tls,
            options={**probe.options, **(extra_options or {})},
            status=ConnectionStatus.OK,
            last_checked_at=datetime.now(UTC),
        )
        connection.token_ciphertext = self.cipher.encrypt(
            secret, account_id=self.account.id, connection_id=connection.id
        )
        try:
            async with self.session.begin_nested():
                await self.connections.add(connection)
        except IntegrityError:
            raise ConnectionExists(f"This {probe.name} is already connected.") from None
        await self.libraries.upsert(connection.id, probe.libraries)
        log.info("connection_created", connection_id=str(connection.id), kind=kind.value)
        return connection

    def secret_of(self, connection: Connection) -> str:
        try:
            return self.cipher.decrypt(
                connection.token_ciphertext, account_id=self.account.id, connection_id=connection.id
            )
        except CredentialError:
            raise ConnectionValidationFailed(
                "connection_token_unreadable",
                "The stored token of this connection can no longer be read. Enter the token again.",
            ) from None

    async def get(self, connection_id: uuid.UUID) -> Connection:
        connection = await self.connections.get(connection_id)
        if connection is None:
            raise ConnectionNotFound()
        return connection

    async def all(self) -> Sequence[Connection]:
        return await self.connections.all()

    async def test(self, connection_id: uuid.UUID) -> Connection:
        """Checks the server again and records the outcome; a failing server is a result, not an error."""
        connection = await self.get(connection_id)
        try:
            probe = await self._probe(
                connection.kind,
                connection.base_url,
                self.secret_of(connection),
                verify_tls=connection.verify_tls,
                user_id=connection.options.get("user_id"),
            )
        except ConnectionValidationFailed as exc:
            connection.status, connection.last_error = ConnectionStatus.ERROR, exc.detail
        else:
            if connection.server_id and probe.server_id and probe.server_id != connection.server_id:
                connection.status = ConnectionStatus.ERROR
                connection.last_error = (
                    "A different server now answers at this address. Remove this connection and add the new server."
                )
            else:
                connection.status, connection.last_error = ConnectionStatus.OK, None
                connection.version = probe.version
                connection.options = {**connection.options, **probe.options}
                await self.libraries.upsert(connection.id, probe.libraries)
        connection.last_checked_at = datetime.now(UTC)
        await self.session.flush()
        return connection

    async def update(self, connection_id: uuid.UUID, change: ConnectionUpdate) -> Connection:
        connection = await self.get(connection_id)
        url = change.url or connection.base_url
        verify_tls = connection.verify_tls if change.verify_tls is None else change.verify_tls
        user_id = change.user_id or connection.options.get("user_id")
        if change.url or change.token or change.verify_tls is not None or change.user_id:
            secret = change.token or self.secret_of(connection)
            probe = await self._probe(connection.kind, url, secret, verify_tls=verify_tls, user_id=user_id)
            if connection.server_id and probe.server_id != connection.server_id:
                raise ConnectionValidationFailed(
                    "connection_other_server",
                    "A different server answers at this address. Add it as a new connection instead.",
                )
            connection.base_url, connection.verify_tls = url, verify_tls
            connection.version = probe.version
            connection.options = {**connection.options, **probe.options}
            connection.token_ciphertext = self.cipher.encrypt(
                secret, account_id=self.account.id, connection_id=connection.id
            )
            connection.status, connection.last_error = ConnectionStatus.OK, None
            connection.last_checked_at = datetime.now(UTC)
            await self.libraries.upsert(connection.id, probe.libraries)
        if change.name:
            connection.name = change.name
        await self.session.flush()
        return connection

    async def delete(self, connection_id: uuid.UUID, *, before: Callable[[], Awaitable[None]]) -> None:
        """Remove the connection with everything synced from it. ``before`` runs first, in the same
        transaction (``Change.SERVER_REMOVING``: a sync of the account in progress is cancelled, so it
        stops within a second instead of failing on rows that are gone, and what it read from the
        other servers is kept)."""
        connection = await self.get(connection_id)
        await before()
        await self.connections.delete(connection)
        log.info("connection_deleted", connection_id=str(connection.id))

    async def _holding_files(self, connection_id: uuid.UUID) -> Connection:
        connection = await self.get(connection_id)
        if connection.kind not in (ConnectionKind.PLEX, ConnectionKind.JELLYFIN):
            raise PathMappingsNotApplicable()
        return connection

    async def _path_mappings_out(self, connection: Connection) -> PathMappingsOut:
        return PathMappingsOut(
            mappings=[PathMapping.model_validate(m) for m in connection.path_mappings or []],
            sample_paths=await sample_paths(self.session, connection.id),
            shared_with=[
                SharedServerOut(connection_id=s.connection_id, name=s.name, files=s.files, by_path=s.by_path)
                for s in await shared_files(self.session, connection.id)
            ],
        )

    async def path_mappings(self, connection_id: uuid.UUID) -> PathMappingsOut:
        return await self._path_mappings_out(await self._holding_files(connection_id))

    async def set_path_mappings(self, connection_id: uuid.UUID, mappings: list[PathMapping]) -> PathMappingsOut:
        """Save how this server's paths read on the other servers; which files they share is recomputed
        at once (the reports fold the copies it finds)."""
        connection = await self._holding_files(connection_id)
        seen: set[str] = set()
        for number, mapping in enumerate(mappings):
            if mapping.server_path in seen:
                raise PathMappingRepeated(
                    f"{mapping.server_path} is mapped twice; keep one line per folder",
                    field=f"mappings.{number}.server_path",
                )
            seen.add(mapping.server_path)
        connection.path_mappings = [m.model_dump() for m in mappings]
        await self.session.flush()
        await rebuild_copies(self.session, self.account.id)
        await refresh_video_items(self.session, self.account.id)  # a show's episodes across servers
        return await self._path_mappings_out(connection)

    async def list_libraries(self, connection_id: uuid.UUID | None) -> Sequence[Library]:
        if connection_id is not None:
            await self.get(connection_id)
        return await self.libraries.all(connection_id)

    async def set_library_enabled(self, library_id: uuid.UUID, *, enabled: bool) -> Library:
        library = await self.libraries.get(library_id)
        if library is None:
            raise LibraryNotFound()
        library.enabled = enabled
        await self.session.flush()
        return library
