from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, model_validator
from pydantic.config import JsonDict

from janitor.allowlists.models import ListName
from janitor.core.schemas import InputModel, Matches, Timestamp, Uuid

_PROVIDERS = ("tmdb", "tvdb", "imdb", "mbid", "musicbrainz")
# An external id: a provider (any case; JSON Schema patterns have no case-insensitive flag) and its id.
GUID_PATTERN = (
    "^(?:" + "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in _PROVIDERS) + "):[A-Za-z0-9._-]{1,80}$"
)

Guid = Annotated[
    Annotated[
        str,
        Matches(GUID_PATTERN, "must look like tmdb:603, tvdb:121361 or imdb:tt0133093"),
        AfterValidator(str.lower),
    ]
    | None,
    Field(examples=["tmdb:603"]),
]
List = Annotated[ListName, Strict(False)]
Note = Annotated[str | None, Field(max_length=1000)]


# At most this many items are added to a list in one request (chosen one by one or all matching a filter).
MAX_ADD_ITEMS = 1000


class ItemRef(InputModel):
    connection_id: Uuid
    upstream_id: str = Field(min_length=1, max_length=100)


class AddEntries(InputModel):
    """Add report rows (by server and id) to a list, in bulk."""

    list_name: List = Field(alias="list")
    items: list[ItemRef] = Field(min_length=1, max_length=MAX_ADD_ITEMS)
    note: Note = None
    expires_at: Timestamp | None = None


# JSON Schema for "a guid, or a server and its id" (the validator below says the same).
_HAS_A_KEY: JsonDict = {
    "anyOf": [
        {"required": ["guid"], "properties": {"guid": {"type": "string"}}},
        {
            "required": ["connection_id", "upstream_id"],
            "properties": {"connection_id": {"type": "string"}, "upstream_id": {"type": "string"}},
        },
    ]
}


class ImportedEntry(InputModel):
    """One entry of an imported list: by server and id, or by an external id, with a title to show."""

    model_config = ConfigDict(json_schema_extra=_HAS_A_KEY)

    list_name: List = Field(alias="list")
    title: str = Field(min_length=1, max_length=500)
    guid: Guid = None
    connection_id: Uuid | None = None
    upstream_id: str | None = Field(default=None, min_length=1, max_length=100)
    note: Note = None
    expires_at: Timestamp | None = None

    @model_validator(mode="after")
    def _has_a_key(self) -> ImportedEntry:
        if self.guid is None and (self.connection_id is None or self.upstream_id is None):
            raise ValueError("needs a guid (tmdb:603) or both connection_id and upstream_id")
        return self


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: uuid.UUID
    list_name: ListName = Field(alias="list", validation_alias="list")
    title: str
    guid: str | None
    connection_id: uuid.UUID | None
    upstream_id: str | None
    note: str | None
    expires_at: datetime | None
    created_at: datetime
    expired: bool = False


class EntryUpdate(InputModel):
    note: Note = None
    expires_at: Timestamp | None = None
    clear_expiry: bool = False


class LibraryHit(BaseModel):
    """A movie or show of the account's synced libraries, as the add form's search offers it."""

    connection_id: uuid.UUID
    upstream_id: str
    title: str
    year: int | None
    kind: str = Field(description="movie or show")
    server: str
    library: str
    guid: str | None = Field(
        description="The external id an entry added from this item matches by (tmdb, tvdb or imdb); None: "
        "the entry matches this item on this server only"
    )


class ImportResult(BaseModel):
    added: int
    already_listed: int
