"""How current the reports' data is, and whether it may feed deletions.

The reports read the synced rows and data derived from them at the end of each run
(``reports/precompute.py``: the last play of every movie and show, the tracks that may be
duplicates). Each run records on its row whether that derived data matches what it left in the
tables (``sync_runs.derived_stale``); the latest run that recorded it speaks for the account.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.sync.models import ACTIVE, SyncRun, SyncStatus

# Why derived data is stale, as a run records it.
NOT_REBUILT = "the sync stopped before the report figures were rebuilt"
REBUILD_FAILED = "the report figures could not be rebuilt"


class Freshness(BaseModel):
    """What every report response says about the data behind it."""

    data_as_of: datetime | None = Field(
        description="When the data the report shows was last brought in line with the servers: the end of the "
        "latest sync run whose report figures were rebuilt (or found current). None before the first one."
    )
    derived_stale: bool = Field(
        description="True when the latest sync run left the report figures (last plays, duplicate candidates) "
        "out of step with the synced rows: they may be out of date until the next sync rebuilds them."
    )
    derived_stale_reason: str | None = Field(description="Why the figures may be out of date (when they may).")
    first_sync_running: bool = Field(
        default=False,
        description="True while the account's first sync is queued or running and no run has finished yet: the "
        "reports and the dashboard list nothing until it has (half-read libraries would show items whose plays "
        "are not read yet as never watched).",
    )


def _latest_recorded(account_id: uuid.UUID) -> Select[bool | None, str | None]:
    """The derived state after the latest run that recorded one (a run that never started touched
    nothing and records nothing)."""
    return (
        select(SyncRun.derived_stale, SyncRun.derived_error)
        .where(SyncRun.account_id == account_id, SyncRun.derived_stale.is_not(None))
        .order_by(SyncRun.created_at.desc())
        .limit(1)
    )


async def derived_stale_now(session: AsyncSession, account_id: uuid.UUID) -> bool:
    """Whether the account's derived data is stale now (what a new run needs to know: it then
    rebuilds it whatever it changes)."""
    latest = (await session.execute(_latest_recorded(account_id))).one_or_none()
    return bool(latest is not None and latest.derived_stale)


async def report_freshness(session: AsyncSession, account_id: uuid.UUID) -> Freshness:
    """The account's freshness: the latest run that recorded it, and the end of the latest run that
    left the data fresh."""
    latest = (await session.execute(_latest_recorded(account_id))).one_or_none()
    as_of = await session.scalar(
        select(SyncRun.finished_at)
        .where(SyncRun.account_id == account_id, SyncRun.derived_stale.is_(False))
        .order_by(SyncRun.created_at.desc())
        .limit(1)
    )
    stale = bool(latest is not None and latest.derived_stale)
    first = as_of is None and await _first_run_active(session, account_id)
    return Freshness(
        data_as_of=as_of,
        derived_stale=stale,
        derived_stale_reason=(latest.derived_error or NOT_REBUILT) if stale and latest is not None else None,
        first_sync_running=first,
    )


async def _first_run_active(session: AsyncSession, account_id: uuid.UUID) -> bool:
    """Whether the account's first sync is under way: a run is queued or running and none has ever
    finished (whatever its outcome: after a failed first run, what it stored is shown with its warning; a
    run cancelled before it started read nothing and does not count)."""
    ended = await session.scalar(
        select(SyncRun.id)
        .where(SyncRun.account_id == account_id, SyncRun.started_at.is_not(None), SyncRun.finished_at.is_not(None))
        .limit(1)
    )
    if ended is not None:
        return False
    active = await session.scalar(
        select(SyncRun.id).where(SyncRun.account_id == account_id, SyncRun.status.in_(ACTIVE)).limit(1)
    )
    return active is not None


async def data_may_feed_deletions(session: AsyncSession, account_id: uuid.UUID) -> bool:
    """Whether the account's synced data may feed deletion decisions now. The deletion feature asks
    this before it decides anything, and again before it acts; False means "unknown", and unknown
    keeps every file.

    True only when all of these hold:

    * no sync run is ``running``: while one runs, rows are being rewritten and the derived data lags
      them (a ``queued`` run has touched nothing yet and does not count);
    * the latest finished run is ``complete``: every page of every source was read and the counts
      matched. "Finished" means it started and ended; a run cancelled before it started, or whose
      job was lost before it started, touched nothing and is passed over. ``partial``, ``failed`` and
      ``cancelled`` runs never feed deletions;
    * that run's derived data is fresh (``derived_stale`` is false): the last plays and duplicate
      candidates were rebuilt from what it read, or it changed nothing and they were fresh before.
      A complete run whose rebuild failed is not complete for deletions.

    An account that never finished a run has nothing to decide from: False.
    """
    running = await session.scalar(
        select(SyncRun.id).where(SyncRun.account_id == account_id, SyncRun.status == SyncStatus.RUNNING).limit(1)
    )
    if running is not None:
        return False
    latest = (
        await session.execute(
            select(SyncRun.status, SyncRun.derived_stale)
            .where(
                SyncRun.account_id == account_id,
                SyncRun.started_at.is_not(None),
                SyncRun.finished_at.is_not(None),
            )
            .order_by(SyncRun.created_at.desc())
            .limit(1)
        )
    ).one_or_none()
    return latest is not None and latest.status == SyncStatus.COMPLETE and latest.derived_stale is False
