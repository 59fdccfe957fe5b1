from __future__ import annotations

from janitor.core.errors import AppError, NotFound


class ConnectionNotFound(NotFound):
    code = "connection_not_found"
    message = "No such connection."


class LibraryNotFound(NotFound):
    code = "library_not_found"
    message = "No such library."


class PinNotFound(NotFound):
    code = "plex_pin_not_found"
    message = "This Plex sign-in is unknown or has expired. Start the sign-in again."


class PinNotClaimed(AppError):
    status_code = 409
    code = "plex_pin_not_claimed"
    message = "Plex sign-in is not finished yet: approve the request on plex.tv first."


class PlexServerNotFound(AppError):
    status_code = 422
    code = "plex_server_not_found"
    message = "That server is not among the servers of this Plex account."


class ConnectionExists(AppError):
    status_code = 409
    code = "connection_exists"
    message = "This server is already connected."


class ConnectionValidationFailed(AppError):
    """Saving or testing a connection failed; ``code`` says why, the message says what to do."""

    status_code = 422
    code = "connection_failed"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code  # type: ignore[misc]


class PathMappingsNotApplicable(AppError):
    status_code = 422
    code = "path_mappings_not_applicable"
    message = "Only Plex and Jellyfin servers hold files; Jellyseerr needs no path mapping."
