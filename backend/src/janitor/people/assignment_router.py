"""Assignments: who is expected to watch which movie or show, made one by one, many at once, or from
the library table's filters; and whether each assignee watched it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from janitor.accounts.deps import CurrentAccount
from janitor.core.deps import SessionDep, UowDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.people.assignments import AssignmentService
from janitor.people.errors import AssignmentNotFound, ItemsNotFound, NotAssignable, PersonNotFound, TooManyItems
from janitor.people.schemas import (
    AssignFiltered,
    AssignItems,
    AssignmentOut,
    AssignmentUpdate,
    AssignResult,
    ItemFilter,
    ItemWatchStatus,
    LibraryItemOut,
    LibraryItemPage,
)

router = APIRouter(prefix="/api/v1/assignments", tags=["assignments"])

UpstreamId = Annotated[str, Query(min_length=1, max_length=100)]


@router.get("", responses=error_responses(Unauthorized))
async def list_assignments(
    session: SessionDep,
    account: CurrentAccount,
    connection_id: uuid.UUID | None = None,
    upstream_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    person_id: uuid.UUID | None = None,
) -> list[AssignmentOut]:
    """Assignments (at most 1,000), filtered by server, item or person; ended ones are shown as inactive."""
    return await AssignmentService(session, account.id).listing(
        now=datetime.now(UTC), connection_id=connection_id, upstream_id=upstream_id, person_id=person_id
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Unauthorized, PersonNotFound, ItemsNotFound, NotAssignable),
)
async def assign(body: AssignItems, uow: UowDep, account: CurrentAccount) -> AssignResult:
    """Assign people to movies or shows (a show covers its present and future episodes). Assigning
    again changes only the end. A season, an episode or a track answers 400: assign its show (or
    movie). When every active assignee has watched an item since its file was added, it is queued for
    deletion after the delay."""
    return await AssignmentService(uow.session, account.id, jobs=uow.jobs).assign(body)


@router.post(
    "/filtered",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(Unauthorized, PersonNotFound, TooManyItems),
)
async def assign_filtered(body: AssignFiltered, uow: UowDep, account: CurrentAccount) -> AssignResult:
    """Assign people to every movie and show the library table's filters match (at most 5,000)."""
    return await AssignmentService(uow.session, account.id, jobs=uow.jobs).assign_filtered(body)


@router.get("/items", responses=error_responses(Unauthorized))
async def library_items(
    session: SessionDep,
    account: CurrentAccount,
    q: Annotated[str | None, Query(max_length=200)] = None,
    connection_id: uuid.UUID | None = None,
    library_id: uuid.UUID | None = None,
    kind: Literal["movie", "show"] | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> LibraryItemPage:
    """The library table to assign from: movies and shows of the enabled libraries, by title, with who
    is assigned to each. Search matches the title; filter by server, library and kind."""
    where = ItemFilter(q=q, connection_id=connection_id, library_id=library_id, kind=kind)
    return await AssignmentService(session, account.id).library(where, page=page, page_size=page_size)


@router.get("/item", responses=error_responses(Unauthorized, ItemsNotFound, NotAssignable))
async def assignable_item(
    session: SessionDep, account: CurrentAccount, connection_id: uuid.UUID, upstream_id: UpstreamId
) -> LibraryItemOut:
    """The movie or show to assign for any item: itself, or for an episode or a season its show (a
    report row of an episode assigns its show), as the library table lists it, with who is assigned.
    A track, an album or an artist answers 422."""
    return await AssignmentService(session, account.id).assignable(connection_id, upstream_id)


@router.get("/status", responses=error_responses(Unauthorized, ItemsNotFound, NotAssignable))
async def watch_status(
    session: SessionDep, account: CurrentAccount, connection_id: uuid.UUID, upstream_id: UpstreamId
) -> ItemWatchStatus:
    """Whether each active assignee watched a movie or a show (and each episode of it) since its file
    was added: watched, not watched, or unknown with why (no account on that server, their watch data
    could not be read or looks wrong, a play without a date or in the future)."""
    return await AssignmentService(session, account.id).watch_status(connection_id, upstream_id, now=datetime.now(UTC))


@router.patch("/{assignment_id:uuid}", responses=error_responses(Unauthorized, AssignmentNotFound))
async def change_end(
    assignment_id: uuid.UUID, body: AssignmentUpdate, uow: UowDep, account: CurrentAccount
) -> AssignmentOut:
    """Change when the assignment ends (None: never). An end in the past stops it counting now."""
    service = AssignmentService(uow.session, account.id, jobs=uow.jobs)
    return await service.set_end(assignment_id, body.ends_at, now=datetime.now(UTC))


@router.delete(
    "/{assignment_id:uuid}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(Unauthorized, AssignmentNotFound),
)
async def unassign(assignment_id: uuid.UUID, uow: UowDep, account: CurrentAccount) -> None:
    """Remove an assignment. Items queued because of it that no longer qualify are cancelled by the
    schedule, with the reason."""
    await AssignmentService(uow.session, account.id, jobs=uow.jobs).remove(assignment_id)
