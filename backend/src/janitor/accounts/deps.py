"""FastAPI dependencies of the signed-in account, and of the data a write route changes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from janitor.accounts.models import Account
from janitor.accounts.repository import AccountRepository
from janitor.core.deps import SessionDep, SettingsDep, UowDep
from janitor.core.errors import Unauthorized
from janitor.core.events import Change, EventsDep
from janitor.core.pagecache import AUTH_STATE_KEY
from janitor.core.security import InvalidToken, decode_access_token

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


async def current_account(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Account:
    if credentials is None:
        raise Unauthorized()
    try:
        claims = decode_access_token(credentials.credentials, key=settings.secret_key.get_secret_value())
    except InvalidToken:
        raise Unauthorized("Your session is invalid or has expired. Sign in again.") from None
    account = await AccountRepository(session).get(claims.account_id)
    # Tokens issued before the last password change carry an older session version: dead, however
    # close in time to the change they were issued.
    if account is None or claims.session_version != account.session_version:
        raise Unauthorized("Your session is invalid or has expired. Sign in again.")
    # For the report page cache (core/pagecache.py): the sign-in it may check on its own next time.
    setattr(request.state, AUTH_STATE_KEY, (account.id, account.session_version))
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


def data_changed(*changes: Change) -> Any:
    """``dependencies=[data_changed(Change.REPORT_INPUTS)]`` on a write route: what is derived from the
    account's data follows (the subscribers' jobs are published once the route's transaction
    committed, and discarded with it on an error)."""

    async def publish(uow: UowDep, account: CurrentAccount, events: EventsDep) -> None:
        for change in changes:
            await events.publish(uow, account.id, change)

    return Depends(publish)
