from __future__ import annotations

from fastapi import APIRouter

from janitor.accounts.deps import CurrentAccount
from janitor.core.deps import SessionDep
from janitor.core.errors import Unauthorized, error_responses
from janitor.setup.errors import NoCompleteSync
from janitor.setup.schemas import SetupOut, SetupUpdate
from janitor.setup.service import SetupService

router = APIRouter(prefix="/api/v1/setup", tags=["setup"])


@router.get("", responses=error_responses(Unauthorized))
async def get_setup(session: SessionDep, account: CurrentAccount) -> SetupOut:
    """The setup checklist: each step done or not, read from the account's data, and whether it was hidden."""
    return await SetupService(session, account.id).state()


@router.patch("", responses=error_responses(Unauthorized))
async def update_setup(body: SetupUpdate, session: SessionDep, account: CurrentAccount) -> SetupOut:
    """Hide the checklist from the dashboard and the sidebar, or show it again."""
    return await SetupService(session, account.id).update(body)


@router.post("/dashboard-seen", responses=error_responses(Unauthorized, NoCompleteSync))
async def dashboard_seen(session: SessionDep, account: CurrentAccount) -> SetupOut:
    """The dashboard showed its figures: the checklist's last step is done. 409 before a sync read a Plex or
    Jellyfin server completely (the dashboard has no figures yet)."""
    return await SetupService(session, account.id).dashboard_seen()
