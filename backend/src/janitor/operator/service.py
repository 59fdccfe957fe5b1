"""The operator console's use cases. Services never commit: the request's unit of work does, the
action and its audit row together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts import admin
from janitor.accounts.addresses import EmailAddresses
from janitor.accounts.errors import AlreadyVerified
from janitor.accounts.models import Account
from janitor.core.csv_writer import to_csv
from janitor.core.queue import BACKGROUND_QUEUE, FIRST_SYNC_QUEUE, INTERACTIVE_QUEUE, QUICK_QUEUE, queue_depth
from janitor.deletions.switches import Switch, global_switch, set_global_switch
from janitor.export.schemas import TenantExport
from janitor.export.service import tenant_export
from janitor.operator import audit
from janitor.operator.errors import CannotDisableSelf, TenantNotFound
from janitor.operator.models import OperatorAction
from janitor.operator.repository import TenantFigures, TenantRepository
from janitor.operator.schemas import (
    FailingSyncOut,
    KillSwitchOut,
    OperatorAuditEntryOut,
    OperatorAuditPage,
    QueueDepthOut,
    TenantOut,
    TenantPage,
)

USAGE_COLUMNS = (
    "email",
    "created",
    "verified",
    "last_sign_in",
    "disabled",
    "connections",
    "items",
    "syncs_30d",
    "failed_syncs_30d",
    "deletions_executed",
    "row_bytes",
)
FIGURES_BATCH = 500  # accounts whose figures are read in one round of queries (the CSV of every tenant)


def _tenant(account: Account, f: TenantFigures) -> TenantOut:
    return TenantOut(
        id=account.id,
        email=account.email,
        created_at=account.created_at,
        verified=account.email_verified_at is not None,
        last_sign_in_at=account.last_sign_in_at,
        disabled_at=account.disabled_at,
        is_operator=account.is_operator,
        connections=f.connections,
        items=f.items,
        last_sync_status=f.last_sync_status,
        last_sync_at=f.last_sync_at,
        row_bytes=f.row_bytes,
    )


def _switch(switch: Switch) -> KillSwitchOut:
    return KillSwitchOut(disabled=switch.disabled, note=switch.note, updated_at=switch.updated_at)


class OperatorService:
    def __init__(self, session: AsyncSession, operator: Account) -> None:
        self.session = session
        self.operator = operator
        self.tenants = TenantRepository(session)

    async def _target(self, account_id: uuid.UUID) -> Account:
        account = await self.tenants.get(account_id)
        if account is None:
            raise TenantNotFound()
        return account

    async def tenant_page(self, *, q: str | None, page: int, page_size: int) -> TenantPage:
        accounts, total = await self.tenants.page(q=q, page=page, page_size=page_size)
        figures = await self.tenants.figures([a.id for a in accounts], now=datetime.now(UTC))
        return TenantPage(
            items=[_tenant(a, figures[a.id]) for a in accounts], total=total, page=page, page_size=page_size
        )

    async def set_disabled(self, account_id: uuid.UUID, *, disabled: bool, note: str | None) -> TenantOut:
        """Disable (signed out at once, no sign-in, its jobs skipped) or enable a tenant."""
        target = await self._target(account_id)
        if disabled and target.id == self.operator.id:
            raise CannotDisableSelf()
        account = await admin.switch_disabled(self.session, target, disabled=disabled)
        action = OperatorAction.TENANT_DISABLED if disabled else OperatorAction.TENANT_ENABLED
        await audit.record(self.session, action, actor=self.operator, target=account, note=note)
        figures = await self.tenants.figures([account.id], now=datetime.now(UTC))
        return _tenant(account, figures[account.id])

    async def send_verification(self, account_id: uuid.UUID, addresses: EmailAddresses) -> TenantOut:
        """Mail the tenant the link that confirms its address again (a newer link revokes the older
        one); ``AlreadyVerified`` once it is confirmed. Not limited like the tenant's own "send again":
        the operator is answering someone who asked."""
        target = await self._target(account_id)
        if target.email_verified_at is not None:
            raise AlreadyVerified()
        await addresses.send_verification(target)
        await audit.record(self.session, OperatorAction.VERIFICATION_SENT, actor=self.operator, target=target)
        figures = await self.tenants.figures([target.id], now=datetime.now(UTC))
        return _tenant(target, figures[target.id])

    async def kill_switch(self) -> KillSwitchOut:
        return _switch(await global_switch(self.session))

    async def set_kill_switch(self, *, disabled: bool, note: str | None) -> KillSwitchOut:
        switch = await set_global_switch(self.session, disabled=disabled, note=note)
        action = OperatorAction.DELETIONS_DISABLED if disabled else OperatorAction.DELETIONS_ENABLED
        await audit.record(self.session, action, actor=self.operator, note=note)
        return _switch(switch)

    async def export(self, account_id: uuid.UUID) -> TenantExport:
        target = await self._target(account_id)
        await audit.record(self.session, OperatorAction.TENANT_EXPORTED, actor=self.operator, target=target)
        return await tenant_export(self.session, target)

    async def usage_csv(self) -> str:
        """One row per tenant, oldest first (see USAGE_COLUMNS; the 30 days end now)."""
        now = datetime.now(UTC)
        rows = []
        accounts = await self.tenants.every()
        for start in range(0, len(accounts), FIGURES_BATCH):
            chunk = accounts[start : start + FIGURES_BATCH]
            figures = await self.tenants.figures([a.id for a in chunk], now=now)
            for a in chunk:
                f = figures[a.id]
                rows.append(
                    {
                        "email": a.email,
                        "created": a.created_at.isoformat(),
                        "verified": "yes" if a.email_verified_at else "no",
                        "last_sign_in": a.last_sign_in_at.isoformat() if a.last_sign_in_at else "",
                        "disabled": "yes" if a.disabled_at else "no",
                        "connections": f.connections,
                        "items": f.items,
                        "syncs_30d": f.syncs_30d,
                        "failed_syncs_30d": f.failed_syncs_30d,
                        "deletions_executed": f.deletions_executed,
                        "row_bytes": f.row_bytes,
                    }
                )
        await audit.record(
            self.session, OperatorAction.USAGE_EXPORTED, actor=self.operator, note=f"{len(rows)} tenants"
        )
        return to_csv(USAGE_COLUMNS, rows)

    async def failing_syncs(self, *, limit: int) -> list[FailingSyncOut]:
        return [
            FailingSyncOut(
                run_id=run.id,
                account_id=run.account_id,
                email=email,
                status=run.status,
                trigger=run.trigger,
                error=run.error,
                created_at=run.created_at,
                finished_at=run.finished_at,
            )
            for run, email in await self.tenants.failing_syncs(limit=limit)
        ]

    async def audit_page(self, *, page: int, page_size: int) -> OperatorAuditPage:
        rows, total = await audit.page(self.session, page=page, page_size=page_size)
        return OperatorAuditPage(
            items=[OperatorAuditEntryOut.model_validate(r, from_attributes=True) for r in rows],
            total=total,
            page=page,
            page_size=page_size,
        )


async def queue_figures(redis: Redis) -> QueueDepthOut:
    depth = await queue_depth(redis)
    return QueueDepthOut(
        interactive=depth[INTERACTIVE_QUEUE],
        first_sync=depth[FIRST_SYNC_QUEUE],
        quick=depth[QUICK_QUEUE],
        background=depth[BACKGROUND_QUEUE],
    )
