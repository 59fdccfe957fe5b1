from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.export.repository import PLAIN_TABLES, ExportRepository
from janitor.export.schemas import ExportAccount, ExportConnection, TenantExport


async def tenant_export(session: AsyncSession, account: Account) -> TenantExport:
    """The account's data as one document (the same for the owner and for an operator)."""
    rows = ExportRepository(session, account.id)
    tables = {name: await rows.table(name) for name in PLAIN_TABLES}
    return TenantExport(
        exported_at=datetime.now(UTC),
        account=ExportAccount.model_validate(account),
        connections=[ExportConnection.model_validate(c) for c in await rows.connections()],
        **tables,
    )


def filename(at: datetime) -> str:
    """The download's name: the date, never the address (a file name travels further than its contents)."""
    return f"media-janitor-export-{at:%Y-%m-%d}.json"
