"""The deletion API: the queue (queue report rows or a duplicate group's extra copies, list, cancel,
postpone), settings and library delays, servers (dry-run, leaving it, frozen), history, the audit log
and the dashboard's figures. Every id of another account's object answers 404."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from janitor.accounts.deps import CurrentAccount
from janitor.core.deps import ContextDep, SessionDep, SettingsDep, UowDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.core.events import Change, EventsDep
from janitor.core.schemas import Timestamp
from janitor.deletions.choosing import queue_matching, queue_report_items
from janitor.deletions.deleter_jobs import queue_deletion_run
from janitor.deletions.duplicates import queue_group
from janitor.deletions.errors import (
    AlreadyExecuting,
    AlreadyFinished,
    CapsChanged,
    DeletionNotAllowed,
    DuplicateGroupNotFound,
    GroupKeepsNothing,
    KeepForeverImpossible,
    LibraryNotFound,
    NotFrozen,
    NotQueueable,
    PostponeInvalid,
    QueueChangedMeanwhile,
    QueueRowNotFound,
    ServerNotFound,
    VanishAnswered,
    VanishChanged,
)
from janitor.deletions.history import HistoryService, audit_csv, summary
from janitor.deletions.models import ACTIVE_STATUSES, AuditEvent, DeletionReason
from janitor.deletions.repository import FINISHED_STATUSES, EventFilters, RowFilters
from janitor.deletions.schemas import (
    ActiveStatus,
    AuditPage,
    CancelIn,
    Caps,
    DeletionSettingsIn,
    DeletionSettingsOut,
    DeletionSummary,
    HistoryPage,
    HistoryStatus,
    LibraryDelayIn,
    LibraryDelayOut,
    LiveReview,
    PostponeIn,
    QueueGroupIn,
    QueueItemsIn,
    QueueMatchingIn,
    QueuePage,
    QueueResult,
    QueueRowDetail,
    QueueRowOut,
    ServerOut,
    VanishAnswer,
)
from janitor.deletions.servers import ServerService
from janitor.deletions.service import QueueService
from janitor.deletions.settings import SettingsService
from janitor.reports.matching import MatchesChanged, TooManyMatches

router = APIRouter(prefix="/api/v1/deletions", tags=["deletions"])

Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=500)]
Search = Annotated[str | None, Query(max_length=200, description="Search in titles")]
Since = Annotated[Timestamp | None, Query(description="From this time on (with its zone: 2026-12-01T00:00:00Z)")]
Until = Annotated[Timestamp | None, Query(description="Before this time (with its zone)")]


# ------------------------------------------------------------------------------------------- queueing
@router.post(
    "/queue",
    responses=error_responses(Unauthorized, NotQueueable, QueueChangedMeanwhile),
)
async def queue_items(body: QueueItemsIn, session: SessionDep, account: CurrentAccount) -> QueueResult:
    """Queue rows of the stale, large or language report for deletion, due after the delay (the
    library's own, else the account's). Each item must be a row of that report now and not protected;
    otherwise nothing is queued and the 409 names each item and why. `media_id` deletes one version of a
    Plex item only. A stale show is queued as its episodes. An item already queued answers with its row."""
    return await queue_report_items(session, account.id, body)


@router.post(
    "/queue/matching",
    responses=error_responses(Unauthorized, TooManyMatches, NotQueueable, MatchesChanged, QueueChangedMeanwhile),
)
async def queue_matching_rows(body: QueueMatchingIn, session: SessionDep, account: CurrentAccount) -> QueueResult:
    """Queue every row of the stale, large or language report matching `filter` ("all N matching this
    filter"), resolved now by the report's own query, never from ids the page held. `expected` is the
    count the person confirmed: another count now is a 409; more than 100 rows a 400 saying how many
    match. A row on the Protected list is left out (under `skipped`, with why). Otherwise as
    `POST /queue`: all queued, or nothing."""
    return await queue_matching(session, account.id, body)


@router.post(
    "/queue/duplicates",
    responses=error_responses(Unauthorized, DuplicateGroupNotFound, GroupKeepsNothing, QueueChangedMeanwhile),
)
async def queue_duplicates(body: QueueGroupIn, session: SessionDep, account: CurrentAccount) -> QueueResult:
    """Queue the extra copies of a duplicate group, keeping its keeper: the other tracks, or, for a track
    with several versions, the other versions only (Plex). 404 when the group changed since the report
    was loaded; 409 when it would keep nothing (its keeper is itself queued). Protected copies are left
    out, listed under `skipped`."""
    return await queue_group(session, account.id, body)


# ---------------------------------------------------------------------------------------- the queue
@router.get("/queue", responses=error_responses(Unauthorized))
async def list_queue(
    session: SessionDep,
    account: CurrentAccount,
    page: Page = 1,
    page_size: PageSize = 50,
    connection_id: uuid.UUID | None = None,
    reason: DeletionReason | None = None,
    status: ActiveStatus | None = None,
    q: Search = None,
) -> QueuePage:
    """What is queued (scheduled, executing, unknown), the soonest due first, with why each was queued."""
    filters = RowFilters(
        statuses=[status] if status else list(ACTIVE_STATUSES), connection_id=connection_id, reason=reason, q=q
    )
    return await QueueService(session, account.id).page(filters, page=page, page_size=page_size)


@router.get("/queue/{queue_id:uuid}", responses=error_responses(Unauthorized, QueueRowNotFound))
async def get_queued(queue_id: uuid.UUID, session: SessionDep, account: CurrentAccount) -> QueueRowDetail:
    """One deletion (queued or finished) with its fingerprint and every audit event about it."""
    return await QueueService(session, account.id).detail(queue_id)


@router.post(
    "/queue/{queue_id:uuid}/cancel",
    responses=error_responses(Unauthorized, QueueRowNotFound, AlreadyExecuting, AlreadyFinished, KeepForeverImpossible),
)
async def cancel_queued(
    queue_id: uuid.UUID, body: CancelIn, uow: UowDep, account: CurrentAccount, events: EventsDep
) -> QueueRowOut:
    """Cancel a scheduled deletion (always possible, kill switches and dry-run or not). `keep_forever`
    also adds the item to the Protected list, in the same step. 409 once the deleter has taken it."""
    row = await QueueService(uow.session, account.id).cancel(queue_id, body)
    if body.keep_forever:  # the Protected list feeds the reports
        await events.publish(uow, account.id, Change.REPORT_INPUTS)
    return row


@router.post(
    "/queue/{queue_id:uuid}/run-now",
    responses=error_responses(Unauthorized, QueueRowNotFound, AlreadyExecuting, AlreadyFinished),
)
async def run_queued_now(queue_id: uuid.UUID, uow: UowDep, account: CurrentAccount) -> QueueRowOut:
    """Skip the rest of the wait: the row is due now and a deletion run starts at once. The deleter
    makes every check as always: in dry-run it records what it would delete and deletes nothing."""
    row = await QueueService(uow.session, account.id).run_now(queue_id)
    queue_deletion_run(uow.jobs, account.id)
    return row


@router.post(
    "/queue/{queue_id:uuid}/postpone",
    responses=error_responses(Unauthorized, QueueRowNotFound, AlreadyExecuting, AlreadyFinished, PostponeInvalid),
)
async def postpone_queued(
    queue_id: uuid.UUID, body: PostponeIn, session: SessionDep, account: CurrentAccount
) -> QueueRowOut:
    """Move a scheduled deletion later: by `hours`, or `until` a time (at most 90 days from now)."""
    return await QueueService(session, account.id).postpone(queue_id, body)


# ----------------------------------------------------------------------------------------- settings
@router.get("/settings", responses=error_responses(Unauthorized))
async def get_deletion_settings(session: SessionDep, account: CurrentAccount) -> DeletionSettingsOut:
    """The delay, the caps, your kill switch (`paused`), the libraries' own delays, and whether the
    operator stopped every deletion of this service (read-only here)."""
    return await SettingsService(session, account.id).out()


@router.put("/settings", responses=error_responses(Unauthorized))
async def update_deletion_settings(
    body: DeletionSettingsIn, session: SessionDep, account: CurrentAccount
) -> DeletionSettingsOut:
    """Change some settings (those left out keep their value); each value is checked against its bounds."""
    return await SettingsService(session, account.id).update(body)


@router.put("/libraries/{library_id:uuid}/delay", responses=error_responses(Unauthorized, LibraryNotFound))
async def set_library_delay(
    library_id: uuid.UUID, body: LibraryDelayIn, session: SessionDep, account: CurrentAccount
) -> LibraryDelayOut:
    """Give a library its own delay before its items go, or (`null`) go back to the account's."""
    return await SettingsService(session, account.id).set_library_delay(library_id, body.delay_hours)


# ------------------------------------------------------------------------------------------ servers
@router.get("/servers", responses=error_responses(Unauthorized))
async def list_servers(session: SessionDep, account: CurrentAccount) -> list[ServerOut]:
    """Each Plex and Jellyfin server: dry-run or live since when, its runs, and whether its deletions are
    frozen (the latest full sync held back a mass vanish) and why."""
    return await ServerService(session, account).all()


@router.get("/servers/{connection_id:uuid}/live", responses=error_responses(Unauthorized, ServerNotFound))
async def review_live(connection_id: uuid.UUID, session: SessionDep, account: CurrentAccount) -> LiveReview:
    """What leaving dry-run means for this server: the caps to confirm, and a plain warning."""
    return await ServerService(session, account).review(connection_id)


@router.post(
    "/servers/{connection_id:uuid}/live",
    responses=error_responses(Unauthorized, ServerNotFound, CapsChanged, DeletionNotAllowed),
)
async def go_live(
    connection_id: uuid.UUID, body: Caps, session: SessionDep, account: CurrentAccount, settings: SettingsDep
) -> ServerOut:
    """Leave dry-run: the body repeats the caps you were shown (409 when they changed since). The server
    is asked now whether it lets this connection delete media (Plex: "Allow media deletion"; Jellyfin:
    the acting user's deletion right); 409 with what to change when it does not."""
    return await ServerService(session, account).go_live(connection_id, body, settings=settings)


@router.post("/servers/{connection_id:uuid}/dry-run", responses=error_responses(Unauthorized, ServerNotFound))
async def go_dry_run(connection_id: uuid.UUID, session: SessionDep, account: CurrentAccount) -> ServerOut:
    """Back to dry-run (always allowed): runs record what they would delete and delete nothing."""
    return await ServerService(session, account).dry_run(connection_id)


@router.post(
    "/servers/{connection_id:uuid}/vanish",
    responses=error_responses(Unauthorized, ServerNotFound, NotFrozen, VanishChanged, VanishAnswered),
)
async def answer_vanish(
    connection_id: uuid.UUID, body: VanishAnswer, uow: UowDep, account: CurrentAccount
) -> ServerOut:
    """Answer the mass vanish that froze this server's deletions: `confirm` (the items really are gone:
    the next full sync counts them missing) or `dismiss` (the server answered wrongly: a full sync reads
    it again, starting now). Either way its deletions wait until a full sync reads it completely;
    409 when it is not frozen, when a newer sync changed the freeze, or when it was answered already."""
    return await ServerService(uow.session, account).answer_vanish(connection_id, body, jobs=uow.jobs)


# ----------------------------------------------------------------------------------- history, audit
@router.get("/history", responses=error_responses(Unauthorized))
async def deletion_history(
    session: SessionDep,
    account: CurrentAccount,
    page: Page = 1,
    page_size: PageSize = 50,
    connection_id: uuid.UUID | None = None,
    reason: DeletionReason | None = None,
    status: HistoryStatus | None = None,
    q: Search = None,
    since: Since = None,
    until: Until = None,
) -> HistoryPage:
    """Finished deletions (deleted, failed, cancelled) and what dry runs recorded they would delete
    (`dry_run`: still queued, `dry_run_at` set), the latest first, with totals, bytes freed and bytes
    a dry run would have freed over every row matching the filters (`since`/`until`: when they
    finished, or when the dry run recorded them)."""
    finished = [status] if status in FINISHED_STATUSES else [] if status else list(FINISHED_STATUSES)
    filters = RowFilters(
        statuses=finished,
        dry_runs=status in (None, "dry_run"),
        connection_id=connection_id,
        reason=reason,
        q=q,
        since=since,
        until=until,
    )
    return await HistoryService(session, account.id).history(filters, page=page, page_size=page_size)


@router.get("/audit", responses=error_responses(Unauthorized))
async def audit_log(
    session: SessionDep,
    account: CurrentAccount,
    page: Page = 1,
    page_size: PageSize = 50,
    event: AuditEvent | None = None,
    connection_id: uuid.UUID | None = None,
    reason: DeletionReason | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search in titles, messages and server names")] = None,
    since: Since = None,
    until: Until = None,
) -> AuditPage:
    """The audit log, newest first: queued, skipped, postponed, run now, cancelled, executed, verified,
    unknown, dry run, each with what was checked and found."""
    filters = EventFilters(event=event, connection_id=connection_id, reason=reason, q=q, since=since, until=until)
    return await HistoryService(session, account.id).audit(filters, page=page, page_size=page_size)


@router.get(
    "/audit.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **error_responses(Unauthorized)},
)
async def audit_log_csv(
    ctx: ContextDep,
    account: CurrentAccount,
    event: AuditEvent | None = None,
    connection_id: uuid.UUID | None = None,
    reason: DeletionReason | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search in titles, messages and server names")] = None,
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    """The filtered audit log as CSV, newest first, streamed (same filters as the audit log)."""
    filters = EventFilters(event=event, connection_id=connection_id, reason=reason, q=q, since=since, until=until)
    stream = audit_csv(ctx, account.id, filters)
    first = await anext(stream)  # read before the response starts: a failure here is an error response
    return StreamingResponse(
        _then(first, stream),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="media-janitor-deletion-audit.csv"'},
    )


async def _then(first: str, rest: AsyncIterator[str]) -> AsyncIterator[str]:
    yield first
    async for chunk in rest:
        yield chunk


@router.get("/summary", responses=error_responses(Unauthorized))
async def deletion_summary(session: SessionDep, account: CurrentAccount) -> DeletionSummary:
    """The dashboard's figures: bytes freed (all time, last 30 days), what is due this week, how much is
    queued, servers in dry-run, frozen servers, and the kill switches."""
    return await summary(session, account)
