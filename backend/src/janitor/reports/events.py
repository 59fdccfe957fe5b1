"""What the reports derive from an account's data, rebuilt in the background when it changes."""

from __future__ import annotations

import uuid

from janitor.core.deps import UnitOfWork
from janitor.core.events import Change, Events
from janitor.core.queue import QUICK_QUEUE
from janitor.jobs.names import JobName, dedupe_id


async def summary_later(uow: UnitOfWork, account_id: uuid.UUID) -> None:
    # The dashboard's figures are recomputed after the write, instead of by the next dashboard read. One
    # pending job per account: any number of writes before it starts are one recompute (the job looks
    # again for those made while it runs).
    # Quick: the person who made the edit looks at the dashboard next, even while syncs run.
    uow.jobs.enqueue(
        JobName.REPORT_SUMMARY,
        str(account_id),
        dedupe_id=dedupe_id(JobName.REPORT_SUMMARY, account_id),
        queue=QUICK_QUEUE,
    )


async def copies_later(uow: UnitOfWork, account_id: uuid.UUID) -> None:
    # Which files the servers share, the duplicate candidates and the dashboard are rebuilt. Meanwhile
    # no item hides behind a copy that is gone or switched off (library.copies.folded checks the
    # primary at read time).
    uow.jobs.enqueue(JobName.MEDIA_COPIES, str(account_id), dedupe_id=f"{JobName.MEDIA_COPIES.value}:{uuid.uuid4()}")


def subscribe(events: Events) -> None:
    events.subscribe(Change.REPORT_INPUTS, summary_later)
    events.subscribe(Change.PRESENT_ITEMS, copies_later)
