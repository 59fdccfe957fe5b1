"""The operator console's API: every route needs the operator role (401 without a token, 403 for a
signed-in account without the role). The role is granted on the command line only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from janitor.accounts.addresses import EmailAddresses
from janitor.accounts.errors import AlreadyVerified
from janitor.core.deps import ContextDep, SecurityEventsDep, SessionDep, UowDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.export.schemas import TenantExport
from janitor.export.service import filename
from janitor.operator.deps import CurrentOperator
from janitor.operator.errors import CannotDisableSelf, OperatorsOnly, TenantNotFound
from janitor.operator.schemas import (
    FailingSyncOut,
    KillSwitchIn,
    KillSwitchOut,
    NoteIn,
    OperatorAuditPage,
    QueueDepthOut,
    TenantOut,
    TenantPage,
)
from janitor.operator.service import OperatorService, queue_figures

router = APIRouter(prefix="/api/v1/operator", tags=["operator"])

Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
GUARDED = (Unauthorized, OperatorsOnly)


@router.get("/tenants", responses=error_responses(*GUARDED))
async def list_tenants(
    session: SessionDep,
    operator: CurrentOperator,
    q: Annotated[str | None, Query(max_length=320, description="Part of the e-mail address, any case")] = None,
    page: Page = 1,
    page_size: PageSize = 25,
) -> TenantPage:
    """Every account, newest first: sign-up date, verified, last sign-in, disabled, connections, items,
    the latest sync and its status, and an estimate of the database space its rows take."""
    return await OperatorService(session, operator).tenant_page(q=q, page=page, page_size=page_size)


@router.post("/tenants/{account_id}/disable", responses=error_responses(*GUARDED, TenantNotFound, CannotDisableSelf))
async def disable_tenant(
    account_id: uuid.UUID, session: SessionDep, operator: CurrentOperator, body: NoteIn | None = None
) -> TenantOut:
    """Disable an account: it is signed out everywhere at once, cannot sign in, and its syncs and
    deletions stop until it is enabled again. You cannot disable your own account (400)."""
    note = body.note if body else None
    return await OperatorService(session, operator).set_disabled(account_id, disabled=True, note=note)


@router.post("/tenants/{account_id}/enable", responses=error_responses(*GUARDED, TenantNotFound))
async def enable_tenant(
    account_id: uuid.UUID, session: SessionDep, operator: CurrentOperator, body: NoteIn | None = None
) -> TenantOut:
    """Enable a disabled account again: it can sign in, and its syncs and deletions run."""
    note = body.note if body else None
    return await OperatorService(session, operator).set_disabled(account_id, disabled=False, note=note)


@router.post(
    "/tenants/{account_id}/verification",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(*GUARDED, TenantNotFound, AlreadyVerified),
)
async def send_tenant_verification(
    account_id: uuid.UUID, uow: UowDep, ctx: ContextDep, events: SecurityEventsDep, operator: CurrentOperator
) -> TenantOut:
    """Mail an account the link that confirms its e-mail address again (its newest link is the one that
    works); 409 once the address is confirmed. Recorded in the operator audit log."""
    addresses = EmailAddresses(uow.session, uow.jobs, settings=ctx.settings, limiter=ctx.limiter, events=events)
    return await OperatorService(uow.session, operator).send_verification(account_id, addresses)


@router.get("/tenants/{account_id}/export", responses=error_responses(*GUARDED, TenantNotFound))
async def export_tenant(
    account_id: uuid.UUID, session: SessionDep, operator: CurrentOperator, response: Response
) -> TenantExport:
    """An account's data export (the same document its owner downloads from Settings), recorded in the
    operator audit log."""
    export = await OperatorService(session, operator).export(account_id)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(export.exported_at)}"'
    return export


@router.get(
    "/usage.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **error_responses(*GUARDED)},
)
async def usage_csv(session: SessionDep, operator: CurrentOperator) -> Response:
    """Usage figures, one row per account: e-mail, created, verified, last sign-in, disabled,
    connections, items, syncs and failed syncs in the last 30 days, deletions executed, and the
    estimate of its rows' size in bytes (as in the tenants list)."""
    body = await OperatorService(session, operator).usage_csv()
    name = f"media-janitor-usage-{datetime.now(UTC):%Y-%m-%d}.csv"
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/deletions-switch", responses=error_responses(*GUARDED))
async def get_kill_switch(session: SessionDep, operator: CurrentOperator) -> KillSwitchOut:
    """The global deletion kill switch: while `disabled`, no server of any account deletes anything."""
    return await OperatorService(session, operator).kill_switch()


@router.put("/deletions-switch", responses=error_responses(*GUARDED))
async def set_kill_switch(body: KillSwitchIn, session: SessionDep, operator: CurrentOperator) -> KillSwitchOut:
    """Stop every deletion of every account now (`disabled: true`; queued rows wait, cancelling still
    works), or let them go on (each account's own switches and dry-run still apply)."""
    return await OperatorService(session, operator).set_kill_switch(disabled=body.disabled, note=body.note)


@router.get("/queue", responses=error_responses(*GUARDED))
async def get_queue_depth(ctx: ContextDep, operator: CurrentOperator) -> QueueDepthOut:
    """How many jobs wait in each queue now."""
    return await queue_figures(ctx.redis)


@router.get("/failing-syncs", responses=error_responses(*GUARDED))
async def list_failing_syncs(
    session: SessionDep, operator: CurrentOperator, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[FailingSyncOut]:
    """The accounts whose latest finished sync failed or was partial, the most recent first."""
    return await OperatorService(session, operator).failing_syncs(limit=limit)


@router.get("/audit", responses=error_responses(*GUARDED))
async def operator_audit(
    session: SessionDep, operator: CurrentOperator, page: Page = 1, page_size: PageSize = 50
) -> OperatorAuditPage:
    """The operator audit log, newest first: who did what to whom, when, and why."""
    return await OperatorService(session, operator).audit_page(page=page, page_size=page_size)
