"""The watch-based schedule's state: whether it is deciding, and when not, why."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.deps import CurrentAccount
from janitor.core.deps import SessionDep, UowDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.deletions.errors import ServerNotFound
from janitor.deletions.jobs import queue_schedule
from janitor.deletions.models import DeletionSettings
from janitor.deletions.schedule import DEFAULT_DELAY_HOURS, freeze_reasons
from janitor.deletions.schemas import QueueRowOut
from janitor.deletions.service import QueueService

router = APIRouter(prefix="/api/v1/deletions/schedule", tags=["deletions"])


class ScheduleFreeze(BaseModel):
    connection_id: uuid.UUID | None = Field(description="The server held back; None: the whole account")
    server: str | None
    reason: str


class ScheduleStatus(BaseModel):
    frozen: bool = Field(description="True when the schedule decides nothing now for some server (or all)")
    reasons: list[ScheduleFreeze] = Field(description="Why, per server (or for the whole account)")
    delay_hours: int = Field(description="How long a watched item waits in the queue (a library may differ)")
    whole_seasons: bool


async def _status(session: AsyncSession, account_id: uuid.UUID) -> ScheduleStatus:
    freezes = await freeze_reasons(session, account_id)
    settings = await session.get(DeletionSettings, account_id)
    return ScheduleStatus(
        frozen=bool(freezes),
        reasons=[ScheduleFreeze(connection_id=f.connection_id, server=f.server, reason=f.reason) for f in freezes],
        delay_hours=settings.delay_hours if settings is not None else DEFAULT_DELAY_HOURS,
        whole_seasons=bool(settings.whole_seasons) if settings is not None else False,
    )


@router.get("", responses=error_responses(Unauthorized))
async def schedule_status(session: SessionDep, account: CurrentAccount) -> ScheduleStatus:
    """Whether the watch-based schedule is deciding now. It queues and cancels nothing while a sync
    runs, after a sync that did not complete (a server that could not be read, items that vanished at
    once and were held back), or while the report figures are out of date; each reason says which."""
    return await _status(session, account.id)


@router.post("/run", status_code=status.HTTP_202_ACCEPTED, responses=error_responses(Unauthorized))
async def run_schedule_now(uow: UowDep, account: CurrentAccount) -> ScheduleStatus:
    """Run the schedule now (it also runs after every sync and assignment change)."""
    queue_schedule(uow.jobs, account.id)
    return await _status(uow.session, account.id)


@router.get("/item", responses=error_responses(Unauthorized, ServerNotFound))
async def queued_of_item(
    session: SessionDep,
    account: CurrentAccount,
    connection_id: uuid.UUID,
    upstream_id: Annotated[str, Query(min_length=1, max_length=100)],
) -> list[QueueRowOut]:
    """What of a movie or show is in the deletion queue now (scheduled, executing, or unknown while
    it is checked): the item itself, or its seasons and episodes, the soonest due first, whoever queued
    them. For an assigned item's watch status: which episode goes, and when."""
    return await QueueService(session, account.id).of_item(connection_id, upstream_id)
