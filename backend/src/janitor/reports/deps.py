"""A route dependency for the writes the dashboard summary depends on."""

from __future__ import annotations

import uuid

from fastapi import Depends

from janitor.core.deps import CurrentAccount, UowDep
from janitor.jobs.names import JobName


async def _summary_later(uow: UowDep, account: CurrentAccount) -> None:
    # Published only once the route's transaction committed (discarded on an error).
    uow.jobs.enqueue(
        JobName.REPORT_SUMMARY, str(account.id), dedupe_id=f"{JobName.REPORT_SUMMARY.value}:{uuid.uuid4()}"
    )


# dependencies=[RefreshSummary] on a write route: the dashboard's figures are recomputed in the
# background after it, instead of by the next dashboard read.
RefreshSummary = Depends(_summary_later)


async def _copies_later(uow: UowDep, account: CurrentAccount) -> None:
    uow.jobs.enqueue(JobName.MEDIA_COPIES, str(account.id), dedupe_id=f"{JobName.MEDIA_COPIES.value}:{uuid.uuid4()}")


# dependencies=[RefreshCopies] on a write that changes which items are present (a library switched,
# a server removed): which files the servers share, the duplicate candidates and the dashboard are
# rebuilt in the background. Meanwhile no item hides behind a copy that is gone or switched off
# (library.copies.folded checks the primary at read time).
RefreshCopies = Depends(_copies_later)
