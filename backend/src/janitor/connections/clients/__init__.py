"""One typed async client per upstream API. They never log or raise with a token in the message."""

from janitor.connections.clients.base import Page, with_retries
from janitor.connections.clients.jellyfin import JellyfinClient
from janitor.connections.clients.jellyseerr import JellyseerrClient
from janitor.connections.clients.plex import PlexServerClient
from janitor.connections.clients.plextv import PlexTvClient

__all__ = [
    "JellyfinClient",
    "JellyseerrClient",
    "Page",
    "PlexServerClient",
    "PlexTvClient",
    "with_retries",
]
