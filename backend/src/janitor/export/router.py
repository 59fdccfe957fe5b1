from __future__ import annotations

from fastapi import APIRouter, Response

from janitor.accounts.deps import CurrentAccount
from janitor.core.deps import SessionDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.export.schemas import TenantExport
from janitor.export.service import filename, tenant_export

router = APIRouter(prefix="/api/v1/account", tags=["account"])


@router.get("/export", responses=error_responses(Unauthorized))
async def export_my_data(session: SessionDep, account: CurrentAccount, response: Response) -> TenantExport:
    """Download my data: the account, its connections (never a token or any other secret), settings,
    allowlist, people and assignments, and the deletion audit log, as one JSON document."""
    export = await tenant_export(session, account)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(export.exported_at)}"'
    return export
