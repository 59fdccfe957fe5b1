"""Request and response bodies of people and assignments."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from janitor.core.schemas import InputModel, Timestamp, Uuid


class ServerAccountOut(BaseModel):
    """One server account of a person (a Plex owner, Home member or friend; a Jellyfin user)."""

    remote_user_id: uuid.UUID
    connection_id: uuid.UUID
    server: str = Field(description="The server's name")
    server_kind: str = Field(description="plex or jellyfin")
    role: str = Field(description="owner, home (Plex Home), friend, user")
    name: str = Field(description="The server's name for the person")
    email: str | None
    linked_by: str = Field(description="auto: the account's own person; owner: linked by the owner")
    watch_problem: str | None = Field(
        description="Why this account's watch data cannot be trusted now (its answers are unknown); None when "
        "nothing wrong was seen"
    )


class RecentPlay(BaseModel):
    connection_id: uuid.UUID
    server: str
    item_upstream_id: str
    title: str
    at: datetime


class PersonOut(BaseModel):
    id: uuid.UUID
    name: str
    email: str | None
    accounts: list[ServerAccountOut]
    assignments: int = Field(description="How many movies and shows the person is assigned to")
    recent: list[RecentPlay] = Field(description="What they watched last (plays after the file was added)")
    trusted: bool = Field(description="False when some of their watch data cannot be trusted now")
    problems: list[str] = Field(description="Why their watch data cannot be trusted, per server")


class PersonRename(InputModel):
    name: str = Field(min_length=1, max_length=300)


class MergePeople(InputModel):
    """Merge these people into the one of the path: their server accounts and assignments move to it."""

    person_ids: list[Uuid] = Field(min_length=1, max_length=50)


class PersonPair(InputModel):
    """Two people of a suggested link."""

    person_ids: list[Uuid] = Field(min_length=2, max_length=2)


class Suggestion(BaseModel):
    """Two people on different servers that look like the same human."""

    people: list[PersonOut]
    reason: str = Field(description="same name, or same e-mail")


class ItemRef(InputModel):
    connection_id: Uuid
    upstream_id: str = Field(min_length=1, max_length=100)


class AssignItems(InputModel):
    """Assign people to movies or shows (a show: its present and future episodes)."""

    person_ids: list[Uuid] = Field(min_length=1, max_length=50)
    items: list[ItemRef] = Field(min_length=1, max_length=1000)
    ends_at: Timestamp | None = Field(
        default=None, description="The assignment stops counting after this moment (with a time zone)"
    )


ItemKind = Literal["movie", "show"]


class ItemFilter(InputModel):
    """The filters of the library table (GET /assignments/items)."""

    q: str | None = Field(default=None, max_length=200)
    connection_id: Uuid | None = None
    library_id: Uuid | None = None
    kind: ItemKind | None = None


class AssignFiltered(InputModel):
    """Assign people to every movie and show the library table's filters match (at most 5,000)."""

    person_ids: list[Uuid] = Field(min_length=1, max_length=50)
    filter: ItemFilter
    ends_at: Timestamp | None = None


class AssignResult(BaseModel):
    created: int = Field(description="New assignments")
    updated: int = Field(description="Existing assignments whose end changed")


class AssignmentUpdate(InputModel):
    ends_at: Timestamp | None = Field(description="The new end, with a time zone (None: no end)")


class AssignmentOut(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    person: str
    connection_id: uuid.UUID
    server: str
    item_upstream_id: str
    kind: str
    title: str | None = Field(description="None when the item is no longer on the server")
    ends_at: datetime | None
    active: bool = Field(description="False once ends_at has passed")
    created_at: datetime


class Assignee(BaseModel):
    assignment_id: uuid.UUID
    person_id: uuid.UUID
    name: str
    ends_at: datetime | None


class LibraryItemOut(BaseModel):
    connection_id: uuid.UUID
    server: str
    library_id: uuid.UUID
    library: str
    upstream_id: str
    kind: str
    title: str
    year: int | None
    added_at: datetime | None
    assignees: list[Assignee]


class LibraryItemPage(BaseModel):
    items: list[LibraryItemOut]
    total: int
    page: int
    page_size: int


class WatchState(BaseModel):
    person_id: uuid.UUID
    name: str
    state: Literal["watched", "not_watched", "unknown"]
    at: datetime | None
    why: str


class EpisodeStatus(BaseModel):
    upstream_id: str
    label: str = Field(description="S01E02")
    title: str
    people: list[WatchState]


class ItemWatchStatus(BaseModel):
    """Who is assigned to an item and, per person (and per episode for a show), whether they watched it
    after its current file was added, did not, or cannot be known (with why)."""

    connection_id: uuid.UUID
    server: str
    upstream_id: str
    kind: str
    title: str
    people: list[WatchState] = Field(description="Each active assignee's answer for the movie, or the whole show")
    episodes: list[EpisodeStatus]
