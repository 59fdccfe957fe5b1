"""Errors every upstream client raises. Messages are safe to show a person and never hold a secret."""

from __future__ import annotations

from janitor.core.errors import TransientError


class UpstreamError(Exception):
    """Base of every upstream failure. ``kind`` is a stable machine code."""

    kind = "upstream_error"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class UpstreamUnreachable(UpstreamError):
    """DNS failure, refused connection, connect timeout: nothing answered."""

    kind = "unreachable"


class UpstreamTLSError(UpstreamError):
    """The TLS handshake failed (bad or self-signed certificate, wrong host name)."""

    kind = "tls_error"


class UpstreamAuthError(UpstreamError):
    """The server answered but refused the token or key (401, 403, Plex 498)."""

    kind = "auth_failed"


class UpstreamNotFound(UpstreamError):
    kind = "not_found"


class UpstreamProtocolError(UpstreamError):
    """The answer is not what this kind of server sends (not Plex/Jellyfin/Jellyseerr, bad JSON)."""

    kind = "protocol_error"


class UpstreamRefused(UpstreamError):
    """The server understood and refused the action (e.g. Plex media deletion disabled: 400)."""

    kind = "refused"


class UpstreamTransient(UpstreamError, TransientError):
    """Worth retrying: 5xx, 429 (with ``retry_after``), read timeouts, dropped connections."""

    kind = "transient"

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        UpstreamError.__init__(self, message, status=status)
        self.retry_after = retry_after
