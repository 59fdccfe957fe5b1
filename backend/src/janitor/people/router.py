"""People: the household members and friends of the account's servers, linked across servers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter

from janitor.accounts.deps import CurrentAccount
from janitor.core.deps import SessionDep, UowDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.people.errors import AccountNotFound, LastAccount, MergeInvalid, PairInvalid, PersonNotFound
from janitor.people.schemas import MergePeople, PersonOut, PersonPair, PersonRename, Suggestion
from janitor.people.service import PeopleService

router = APIRouter(prefix="/api/v1/people", tags=["people"])


@router.get("", responses=error_responses(Unauthorized))
async def list_people(session: SessionDep, account: CurrentAccount) -> list[PersonOut]:
    """Every person: their accounts on each server (the server's name for them and their role), how many
    movies and shows they are assigned to, the last things they watched (plays after the file was
    added), and whether their watch data can be trusted now (when not, their answers are unknown and
    nothing of theirs is queued). Each new server account starts as a person of its own."""
    return await PeopleService(session, account.id).everyone(now=datetime.now(UTC))


@router.get("/suggestions", responses=error_responses(Unauthorized))
async def suggest_links(session: SessionDep, account: CurrentAccount) -> list[Suggestion]:
    """People on different servers that look like the same human (same name or same e-mail): link them
    with a merge."""
    return await PeopleService(session, account.id).suggestions(now=datetime.now(UTC))


@router.post(
    "/suggestions/dismiss",
    status_code=204,
    responses=error_responses(Unauthorized, PersonNotFound, PairInvalid),
)
async def dismiss_suggestion(body: PersonPair, uow: UowDep, account: CurrentAccount) -> None:
    """These two are not the same human: stop suggesting their link. Merging one of them into someone
    else keeps the dismissal for the merged person."""
    await PeopleService(uow.session, account.id).dismiss_suggestion(body.person_ids)


@router.post(
    "/suggestions/restore",
    status_code=204,
    responses=error_responses(Unauthorized, PersonNotFound, PairInvalid),
)
async def restore_suggestion(body: PersonPair, uow: UowDep, account: CurrentAccount) -> None:
    """Undo a dismissal: the link is suggested again while the two still look alike."""
    await PeopleService(uow.session, account.id).restore_suggestion(body.person_ids)


@router.get("/{person_id:uuid}", responses=error_responses(Unauthorized, PersonNotFound))
async def get_person(person_id: uuid.UUID, session: SessionDep, account: CurrentAccount) -> PersonOut:
    """One person."""
    return await PeopleService(session, account.id).get(person_id, now=datetime.now(UTC))


@router.patch("/{person_id:uuid}", responses=error_responses(Unauthorized, PersonNotFound))
async def rename_person(
    person_id: uuid.UUID, body: PersonRename, session: SessionDep, account: CurrentAccount
) -> PersonOut:
    """Rename a person (their servers keep their own names for them)."""
    return await PeopleService(session, account.id).rename(person_id, body.name, now=datetime.now(UTC))


@router.post("/{person_id:uuid}/merge", responses=error_responses(Unauthorized, PersonNotFound, MergeInvalid))
async def merge_people(person_id: uuid.UUID, body: MergePeople, uow: UowDep, account: CurrentAccount) -> PersonOut:
    """Link people into this one: the same human on several servers. Their server accounts and their
    assignments move here (an item both were assigned to stays once, with the later end); the others
    are removed. The watch-based schedule runs again."""
    service = PeopleService(uow.session, account.id, jobs=uow.jobs)
    return await service.merge(person_id, body.person_ids, now=datetime.now(UTC))


@router.post(
    "/{person_id:uuid}/accounts/{remote_user_id:uuid}/unlink",
    responses=error_responses(Unauthorized, PersonNotFound, AccountNotFound, LastAccount),
)
async def unlink_account(
    person_id: uuid.UUID, remote_user_id: uuid.UUID, uow: UowDep, account: CurrentAccount
) -> PersonOut:
    """Take a server account out of this person: it becomes a person of its own again, with no
    assignments (they stay with this person). Answers the new person."""
    service = PeopleService(uow.session, account.id, jobs=uow.jobs)
    return await service.unlink(person_id, remote_user_id, now=datetime.now(UTC))
