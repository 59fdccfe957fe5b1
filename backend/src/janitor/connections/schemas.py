from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from janitor.core.schemas import InputModel, Matches
from janitor.library.copies import normalise_path

# What a server address may be, as a pattern (the schema's and the one checked here): http or https,
# a host name (labels of letters, digits, `_` and single inner `-`, the last one not all digits), an
# IPv4 address or a bracketed IPv6 address, an optional port (1-65535) and an optional path; no user
# name or password, no query, no fragment.
_IPV4_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_H16 = "[0-9A-Fa-f]{1,4}"
_IPV6 = "|".join(
    [
        f"(?:{_H16}:){{7}}{_H16}",
        f"(?:{_H16}:){{1,7}}:",
        f"(?:{_H16}:){{1,6}}:{_H16}",
        *(f"(?:{_H16}:){{1,{n}}}(?::{_H16}){{1,{7 - n}}}" for n in range(5, 0, -1)),
        f":(?:(?::{_H16}){{1,7}}|:)",
    ]
)
_LABEL = "[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*"
_LAST_LABEL = "(?:[0-9]+-)*[0-9]*[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*"
_HOST = f"(?:(?:{_LABEL}\\.)*{_LAST_LABEL}|{_IPV4_OCTET}(?:\\.{_IPV4_OCTET}){{3}}|\\[(?:{_IPV6})\\])"
_PORT = "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
URL_PATTERN = f"^https?://{_HOST}(?::{_PORT})?(?:/[^\\x00-\\x20\\x7f?#]*)?$"


def _diagnose_url(value: str) -> str:
    """The mistakes people make, each with its own message (the pattern then says the rest)."""
    if "://" not in value:
        raise ValueError("must start with http:// or https:// (for example https://plex.example.com:32400)")
    scheme, _, rest = value.partition("://")
    if scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https:// (in lower case)")
    if "@" in rest.split("/", 1)[0]:
        raise ValueError("must not contain a user name or password; give the token separately")
    if "?" in value or "#" in value:
        raise ValueError("must not contain a query string (tokens go in the token field, never in the URL)")
    return value


ServerUrl = Annotated[
    str,
    Field(max_length=2000, examples=["https://plex.example.com:32400"]),
    AfterValidator(_diagnose_url),
    Matches(
        URL_PATTERN,
        "is not a server address: a host name or IP address, an optional port (1-65535) and path, "
        "such as https://plex.example.com:32400 or http://192.168.1.10:8096",
    ),
    AfterValidator(lambda url: url.rstrip("/")),
]
# Tokens and API keys travel in request headers: visible ASCII, no spaces.
Secret = Annotated[
    str,
    Field(min_length=1, max_length=2000),
    Matches("^[!-~]+$", "must be the token as the server shows it: letters, digits and symbols, no spaces"),
]
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


class PlexManualIn(InputModel):
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


class PlexFromPinIn(InputModel):
    client_identifier: Annotated[str, Field(min_length=1, max_length=200)]


class JellyfinProbeIn(InputModel):
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


class JellyseerrIn(InputModel):
    url: ServerUrl
    api_key: Secret
    name: Name | None = None
    verify_tls: bool = True


class ConnectionUpdate(InputModel):
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


class LibraryUpdate(InputModel):
    enabled: bool


# A full folder path as a server shows it: from the root (/data), a share (\\nas\media) or a drive (D:\).
FOLDER_PATTERN = r"^(?:/|\\\\|[A-Za-z]:(?:[\\/]|$))"
Folder = Annotated[
    str,
    Field(min_length=1, max_length=1000),
    Matches(FOLDER_PATTERN, "must be a full folder path as the server shows it, such as /data/movies or D:\\Media"),
    # In the form paths are compared in (library/copies.py).
    AfterValidator(lambda folder: normalise_path(folder) or "/"),
]


class PathMapping(InputModel):
    """What this server calls ``server_path`` is ``shared_path`` on the account's other servers."""

    server_path: Folder = Field(examples=["/media/movies"], description="A folder as this server sees it")
    shared_path: Folder = Field(examples=["/data/movies"], description="The same folder as the other servers see it")


class PathMappingsIn(InputModel):
    mappings: list[PathMapping] = Field(
        max_length=20, description="One line per folder of this server (a folder given twice is refused: 400)"
    )


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
