from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from janitor.library.copies import normalise_path


def normalize_url(value: str) -> str:
    value = value.strip()
    if "://" not in value:
        raise ValueError("must start with http:// or https:// (for example https://plex.example.com:32400)")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("has no host name")
    if parts.username or parts.password:
        raise ValueError("must not contain a user name or password; give the token separately")
    if parts.query or parts.fragment:
        raise ValueError("must not contain a query string (tokens go in the token field, never in the URL)")
    try:
        parts.port  # noqa: B018 - raises on an invalid port
    except ValueError:
        raise ValueError("has an invalid port") from None
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


ServerUrl = Annotated[
    str, Field(max_length=2000, examples=["https://plex.example.com:32400"]), AfterValidator(normalize_url)
]
Secret = Annotated[str, Field(min_length=1, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class ConnectionOut(BaseModel):
    """A connection as the API shows it: whether a token is set, never the token."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: Literal["plex", "jellyfin", "jellyseerr"]
    name: str
    base_url: str
    server_id: str | None
    version: str | None
    verify_tls: bool
    status: Literal["ok", "error"]
    last_error: str | None
    last_checked_at: datetime | None
    created_at: datetime
    has_token: bool = True
    deletion_enabled: bool | None = Field(
        default=None, description="Plex: whether the server allows media deletion; Jellyfin: the acting user may delete"
    )
    acting_user: str | None = Field(default=None, description="Jellyfin: the user the app acts as")
    path_mappings: list[PathMapping] = Field(default_factory=list)


class PlexManualIn(BaseModel):
    url: ServerUrl
    token: Secret
    name: Name | None = None
    verify_tls: bool = True


class PlexPinOut(BaseModel):
    pin_id: int
    code: str
    auth_url: str
    expires_in: int


class PlexServerConnectionOut(BaseModel):
    uri: str
    local: bool
    relay: bool


class PlexServerOut(BaseModel):
    client_identifier: str
    name: str
    owned: bool
    product_version: str | None
    connections: list[PlexServerConnectionOut]


class PlexPinStatusOut(BaseModel):
    status: Literal["waiting", "claimed", "expired"]
    servers: list[PlexServerOut] = Field(default_factory=list)


class PlexFromPinIn(BaseModel):
    client_identifier: Annotated[str, Field(min_length=1, max_length=200)]


class JellyfinProbeIn(BaseModel):
    url: ServerUrl
    api_key: Secret
    verify_tls: bool = True


class JellyfinUserOut(BaseModel):
    id: str
    name: str
    is_admin: bool
    can_delete: bool


class JellyfinProbeOut(BaseModel):
    server_name: str
    server_id: str
    version: str
    users: list[JellyfinUserOut]


class JellyfinIn(JellyfinProbeIn):
    user_id: Annotated[str, Field(min_length=1, max_length=64, description="The Jellyfin user the app acts as")]
    name: Name | None = None


class JellyseerrIn(BaseModel):
    url: ServerUrl
    api_key: Secret
    name: Name | None = None
    verify_tls: bool = True


class ConnectionUpdate(BaseModel):
    name: Name | None = None
    url: ServerUrl | None = None
    token: Secret | None = Field(default=None, description="A new token or API key")
    verify_tls: bool | None = None
    user_id: str | None = Field(default=None, max_length=64, description="Jellyfin: the user the app acts as")


class LibraryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    connection_id: uuid.UUID
    upstream_key: str
    title: str
    kind: Literal["movie", "show", "music", "other"]
    enabled: bool
    item_count: int | None
    last_synced_at: datetime | None


class LibraryUpdate(BaseModel):
    enabled: bool


_ABSOLUTE = re.compile(r"^(/|\\\\|[A-Za-z]:([\\/]|$))")


def _folder(value: str) -> str:
    """A folder as a server writes it, in the form paths are compared in (library/copies.py)."""
    raw = value.strip()
    if not _ABSOLUTE.match(raw):
        raise ValueError("must be a full folder path as the server shows it, such as /data/movies or D:\\Media")
    return normalise_path(raw) or "/"


Folder = Annotated[str, Field(min_length=1, max_length=1000), AfterValidator(_folder)]


class PathMapping(BaseModel):
    """What this server calls ``server_path`` is ``shared_path`` on the account's other servers."""

    server_path: Folder = Field(examples=["/media/movies"], description="A folder as this server sees it")
    shared_path: Folder = Field(examples=["/data/movies"], description="The same folder as the other servers see it")


class PathMappingsIn(BaseModel):
    mappings: list[PathMapping] = Field(max_length=20)

    @model_validator(mode="after")
    def _distinct(self) -> PathMappingsIn:
        seen: set[str] = set()
        for mapping in self.mappings:
            if mapping.server_path in seen:
                raise ValueError(f"{mapping.server_path} is mapped twice; keep one line per folder")
            seen.add(mapping.server_path)
        return self


class SharedServerOut(BaseModel):
    connection_id: uuid.UUID
    name: str
    files: int = Field(description="Files this server and that one both hold")
    by_path: int = Field(description="Of them, recognised by their path")


class PathMappingsOut(BaseModel):
    mappings: list[PathMapping]
    sample_paths: list[str] = Field(description="A file path of each synced library, as this server sees it")
    shared_with: list[SharedServerOut] = Field(
        description="The other servers holding the same files, as of the last sync or mapping change"
    )
