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
