"""Turns upstream failures into errors a person can act on. Never echoes a token or an internal address."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlsplit

from janitor.connections.clients.errors import (
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFound,
    UpstreamProtocolError,
    UpstreamRefused,
    UpstreamTLSError,
    UpstreamTransient,
    UpstreamUnreachable,
)
from janitor.connections.errors import ConnectionValidationFailed
from janitor.connections.probes import ProbeStepFailed
from janitor.core.ssrf import BlockedAddress

KIND_NAMES = {"plex": "Plex Media Server", "jellyfin": "Jellyfin server", "jellyseerr": "Jellyseerr server"}
TOKEN_NAMES = {"plex": "Plex token", "jellyfin": "API key", "jellyseerr": "API key"}


def _blocked(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BlockedAddress):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def explain(exc: UpstreamError, *, kind: str, url: str, allow_private: bool) -> ConnectionValidationFailed:
    host = urlsplit(url).hostname or url
    what = KIND_NAMES[kind]
    if _blocked(exc):
        hint = (
            ""
            if allow_private
            else (" If you self-host Media Janitor on the same network, set JANITOR_ALLOW_PRIVATE_NETWORKS=true.")
        )
        return ConnectionValidationFailed(
            "connection_blocked_address",
            f"{host} points to a private or reserved network address, which this installation may not reach.{hint}",
        )
    if isinstance(exc, ProbeStepFailed):
        return _step_failed(exc, what=what, host=host, token=TOKEN_NAMES[kind])
    if isinstance(exc, UpstreamTLSError):
        return ConnectionValidationFailed(
            "connection_tls_error",
            f"The TLS certificate of {host} could not be verified. Use a valid certificate (for Plex, the "
            "plex.direct address), or turn off certificate verification for this connection.",
        )
    if isinstance(exc, UpstreamUnreachable):
        return ConnectionValidationFailed(
            "connection_unreachable",
            f"Could not reach {host}. Check the address and port, and that the server is running and "
            "reachable from Media Janitor.",
        )
    if isinstance(exc, UpstreamAuthError):
        return ConnectionValidationFailed(
            "connection_auth_failed", f"The {what} at {host} rejected the {TOKEN_NAMES[kind]}. Check it and try again."
        )
    if isinstance(exc, UpstreamProtocolError | UpstreamNotFound):
        return ConnectionValidationFailed(
            "connection_wrong_server", f"{url} does not answer like a {what}. Check the address (and the port)."
        )
    if isinstance(exc, UpstreamRefused):
        return ConnectionValidationFailed("connection_refused", f"The {what} at {host} refused: {exc.message}")
    if isinstance(exc, UpstreamTransient):
        return ConnectionValidationFailed(
            "connection_server_error",
            f"The {what} at {host} answered with an error{f' ({exc.status})' if exc.status else ''}. "
            "Try again in a moment.",
        )
    return ConnectionValidationFailed("connection_failed", f"The {what} at {host} could not be used.")


def _how(exc: UpstreamError) -> str:
    """How a call failed, from our own error (a status and its standard phrase, or our message): never
    the server's body, a URL or a header."""
    if exc.status is not None and exc.status >= 300:
        try:
            phrase = HTTPStatus(exc.status).phrase
        except ValueError:
            phrase = ""
        return f"it answered HTTP {exc.status}{f' {phrase}' if phrase else ''}"
    return exc.message.rstrip(".")


def _step_failed(exc: ProbeStepFailed, *, what: str, host: str, token: str) -> ConnectionValidationFailed:
    """A server that identified itself failed a later call: say which one and how. The host is the one
    the person typed; nothing the server sent is echoed (its addresses included)."""
    step, cause = exc.step, exc.cause
    where = f"The {what} at {host} ({exc.identified_as})"
    if isinstance(cause, UpstreamAuthError):
        if step.checks_key:
            return ConnectionValidationFailed(
                "connection_auth_failed", f"The {what} at {host} rejected the {token}. Check it and try again."
            )
        return ConnectionValidationFailed(
            "connection_permission_denied",
            f"{where} accepted the {token} but refused {step.what} ({step.call}: {_how(cause)}). "
            f"{step.refused_hint}".strip(),
        )
    if isinstance(cause, UpstreamTransient):
        return ConnectionValidationFailed(
            "connection_server_error",
            f"{where} answered, but {step.what} ({step.call}) failed: {_how(cause)}. Try again in a moment.",
        )
    hint = " It may be a version or a reverse proxy that does not serve this path." if cause.status == 404 else ""
    return ConnectionValidationFailed(
        "connection_call_failed",
        f"{where} answered, but {step.what} ({step.call}) failed: {_how(cause)}.{hint}",
    )
