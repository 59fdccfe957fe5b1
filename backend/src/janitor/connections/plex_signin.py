"""Sign in with Plex: a PIN on plex.tv, approved by the user in their browser, then a server pick.

The plex.tv account token never leaves the backend: while the user picks a server it waits in
Redis, encrypted and bound to the account, and expires with the sign-in.
"""

from __future__ import annotations

import uuid

import httpx
import orjson
from redis.asyncio import Redis

from janitor.accounts.models import Account
from janitor.connections.clients.errors import UpstreamError, UpstreamNotFound
from janitor.connections.clients.plex import PlexServerClient
from janitor.connections.clients.plextv import PlexResource, PlexTvClient
from janitor.connections.errors import (
    ConnectionValidationFailed,
    PinNotClaimed,
    PinNotFound,
    PlexServerNotFound,
)
from janitor.connections.models import Connection, ConnectionKind
from janitor.connections.probes import Probe, plex_client_id, probe_plex
from janitor.connections.schemas import PlexPinOut, PlexPinStatusOut, PlexServerConnectionOut, PlexServerOut
from janitor.connections.service import ConnectionService
from janitor.connections.validation import explain

PIN_TTL_SECONDS = 30 * 60


def _pin_key(account_id: uuid.UUID, pin_id: int) -> str:
    return f"plexpin:{account_id}:{pin_id}"


def _binding(pin_id: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"plex-pin:{pin_id}")


def _server_out(resource: PlexResource) -> PlexServerOut:
    return PlexServerOut(
        client_identifier=resource.client_identifier,
        name=resource.name,
        owned=resource.owned,
        product_version=resource.product_version,
        connections=[
            PlexServerConnectionOut(uri=c.uri, local=c.local, relay=c.relay) for c in resource.preferred_connections()
        ],
    )


class PlexSignIn:
    def __init__(self, service: ConnectionService, redis: Redis) -> None:
        self.service = service
        self.redis = redis
        self.account: Account = service.account
        self.settings = service.settings

    def _plextv(self, http: httpx.AsyncClient, token: str | None = None) -> PlexTvClient:
        return PlexTvClient(
            http,
            base_url=self.settings.plex_tv_url,
            client_id=plex_client_id(self.account.id),
            token=token,
        )

    def _fail(self, exc: UpstreamError) -> ConnectionValidationFailed:
        return explain(
            exc, kind="plex", url=self.settings.plex_tv_url, allow_private=self.settings.allow_private_networks
        )

    async def start(self) -> PlexPinOut:
        try:
            async with self.service.http(verify_tls=True) as http:
                client = self._plextv(http)
                pin = await client.create_pin(strong=True)
                auth_url = client.auth_url(pin, app_url=self.settings.plex_auth_url)
        except UpstreamError as exc:
            raise self._fail(exc) from None
        await self.redis.set(_pin_key(self.account.id, pin.id), orjson.dumps({"token": None}), ex=PIN_TTL_SECONDS)
        return PlexPinOut(pin_id=pin.id, code=pin.code, auth_url=auth_url, expires_in=pin.expires_in or PIN_TTL_SECONDS)

    async def _stored(self, pin_id: int) -> dict[str, str | None]:
        raw = await self.redis.get(_pin_key(self.account.id, pin_id))
        if raw is None:  # unknown, expired, or another tenant's PIN
            raise PinNotFound()
        data: dict[str, str | None] = orjson.loads(raw)
        return data

    def _account_token(self, data: dict[str, str | None], pin_id: int) -> str | None:
        if not data.get("token"):
            return None
        return self.service.cipher.decrypt(
            str(data["token"]), account_id=self.account.id, connection_id=_binding(pin_id)
        )

    async def check(self, pin_id: int) -> PlexPinStatusOut:
        data = await self._stored(pin_id)
        token = self._account_token(data, pin_id)
        try:
            async with self.service.http(verify_tls=True) as http:
                if token is None:
                    try:
                        pin = await self._plextv(http).check_pin(pin_id)
                    except UpstreamNotFound:
                        await self.redis.delete(_pin_key(self.account.id, pin_id))
                        return PlexPinStatusOut(status="expired")
                    if not pin.auth_token:
                        return PlexPinStatusOut(status="waiting")
                    token = pin.auth_token
                    sealed = self.service.cipher.encrypt(
                        token, account_id=self.account.id, connection_id=_binding(pin_id)
                    )
                    await self.redis.set(
                        _pin_key(self.account.id, pin_id), orjson.dumps({"token": sealed}), ex=PIN_TTL_SECONDS
                    )
                resources = await self._plextv(http, token).resources()
        except UpstreamError as exc:
            raise self._fail(exc) from None
        return PlexPinStatusOut(status="claimed", servers=[_server_out(r) for r in resources])

    async def connect(self, pin_id: int, client_identifier: str) -> Connection:
        """Tries the chosen server's connections (local, remote, relay) and keeps the first that answers."""
        token = self._account_token(await self._stored(pin_id), pin_id)
        if token is None:
            raise PinNotClaimed()
        try:
            async with self.service.http(verify_tls=True) as http:
                resources = await self._plextv(http, token).resources()
        except UpstreamError as exc:
            raise self._fail(exc) from None
        resource = next((r for r in resources if r.client_identifier == client_identifier), None)
        if resource is None:
            raise PlexServerNotFound()
        candidates = [c.uri for c in resource.preferred_connections()]
        last_error: ConnectionValidationFailed | None = None
        chosen: tuple[str, Probe] | None = None
        for uri in candidates:
            try:
                async with self.service.http(verify_tls=True) as http:
                    client = PlexServerClient(
                        http, base_url=uri, token=resource.access_token, client_id=plex_client_id(self.account.id)
                    )
                    probe = await probe_plex(client)
            except UpstreamError as exc:
                last_error = explain(exc, kind="plex", url=uri, allow_private=self.settings.allow_private_networks)
                continue
            if probe.server_id == client_identifier:
                chosen = (uri, probe)
                break
        if chosen is None:
            raise last_error or ConnectionValidationFailed(
                "connection_unreachable", f"None of the addresses of {resource.name} answered."
            )
        uri, probe = chosen
        connection = await self.service.create(
            ConnectionKind.PLEX,
            url=uri,
            secret=resource.access_token,
            name=resource.name,
            verify_tls=True,
            extra_options={"connections": candidates, "owned": resource.owned},
            probe=probe,
        )
        await self.redis.delete(_pin_key(self.account.id, pin_id))
        return connection
