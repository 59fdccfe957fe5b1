from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from janitor.allowlists.models import ListName

_GUID = re.compile(r"^(tmdb|tvdb|imdb|mbid|musicbrainz):[A-Za-z0-9._-]{1,80}$")


def _guid(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().lower()
    if value.startswith("imdb:"):
        value = "imdb:" + value[5:]
    if not _GUID.match(value):
        raise ValueError("must look like tmdb:603, tvdb:121361 or imdb:tt0133093")
    return value


Guid = Annotated[str | None, AfterValidator(_guid)]
Note = Annotated[str | None, Field(max_length=1000)]


class ItemRef(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str = Field(min_length=1, max_length=100)


class AddEntries(BaseModel):
    """Add report rows (by server and id) to a list, in bulk."""

    model_config = ConfigDict(populate_by_name=True)

    list_name: ListName = Field(alias="list")
    items: list[ItemRef] = Field(min_length=1, max_length=1000)
    note: Note = None
    expires_at: datetime | None = None


class ImportedEntry(BaseModel):
    """One entry of an imported list: by server and id, or by an external id, with a title to show."""

    model_config = ConfigDict(populate_by_name=True)

    list_name: ListName = Field(alias="list")
    title: str = Field(min_length=1, max_length=500)
    guid: Guid = None
    connection_id: uuid.UUID | None = None
    upstream_id: str | None = Field(default=None, max_length=100)
    note: Note = None
    expires_at: datetime | None = None

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


class EntryUpdate(BaseModel):
    note: Note = None
    expires_at: datetime | None = None
    clear_expiry: bool = False


class ImportResult(BaseModel):
    added: int
    already_listed: int
