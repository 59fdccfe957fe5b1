from __future__ import annotations

from janitor.core.errors import AppError, BadRequest, Conflict, NotFound


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


class PlexServerNotFound(NotFound):
    code = "plex_server_not_found"
    message = "That server is not among the servers of this Plex account."


class ConnectionExists(AppError):
    status_code = 409
    code = "connection_exists"
    message = "This server is already connected."


class ConnectionValidationFailed(BadRequest):
    """Saving or testing a connection failed (the server could not be reached, refused the token, is
    not the kind asked for...); ``code`` says why, the message says what to do."""

    code = "connection_failed"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code  # type: ignore[misc]


class PathMappingsNotApplicable(Conflict):
    code = "path_mappings_not_applicable"
    message = "Only Plex and Jellyfin servers hold files; Jellyseerr needs no path mapping."


class PathMappingRepeated(BadRequest):
    code = "path_mapping_repeated"
    message = "A folder is mapped twice; keep one line per folder."
