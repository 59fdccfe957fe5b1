"""FastAPI dependencies of the signed-in account, and of the data a write route changes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.addresses import require_verified
from janitor.accounts.models import Account
from janitor.accounts.repository import AccountRepository
from janitor.core.config import Settings
from janitor.core.deps import AppContext, SessionDep, SettingsDep, UowDep
from janitor.core.errors import Unauthorized
from janitor.core.events import Change, EventsDep
from janitor.core.pagecache import AUTH_STATE_KEY
from janitor.core.security import InvalidToken, decode_access_token

_bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def authenticate(
    session: AsyncSession, settings: Settings, credentials: HTTPAuthorizationCredentials | None
) -> Account:
    """The account a bearer token signs in, or ``Unauthorized``: the token's signature and expiry,
    the account still existing, and the token of the account's current session version."""
    if credentials is None:
        raise Unauthorized()
    try:
        claims = decode_access_token(credentials.credentials, key=settings.secret_key.get_secret_value())
    except InvalidToken:
        raise Unauthorized("Your session is invalid or has expired. Sign in again.") from None
    account = await AccountRepository(session).get(claims.account_id)
    # Tokens issued before the last password change carry an older session version: dead, however
    # close in time to the change they were issued.
    if account is None or claims.session_version != account.session_version or account.disabled_at is not None:
        raise Unauthorized("Your session is invalid or has expired. Sign in again.")
    return account


async def still_signed_in(ctx: AppContext, credentials: HTTPAuthorizationCredentials | None) -> bool:
    """``authenticate`` again in a transaction of its own: for a response that outlives its request
    (the live progress stream), which must end when its session does."""
    async with ctx.sessionmaker() as session:
        try:
            await authenticate(session, ctx.settings, credentials)
        except Unauthorized:
            return False
    return True


async def current_account(
    request: Request, session: SessionDep, settings: SettingsDep, credentials: BearerCredentials
) -> Account:
    account = await authenticate(session, settings, credentials)
    # For the report page cache (core/pagecache.py): the sign-in it may check on its own next time.
    setattr(request.state, AUTH_STATE_KEY, (account.id, account.session_version))
    return account


CurrentAccount = Annotated[Account, Depends(current_account)]


async def verified_account(account: CurrentAccount, session: SessionDep, settings: SettingsDep) -> Account:
    """The signed-in account, if it may connect servers: its address confirmed, or the operator not
    requiring it (``EmailNotVerified`` else; accounts/addresses.py)."""
    await require_verified(session, settings, account)
    return account


VerifiedAccount = Annotated[Account, Depends(verified_account)]


def data_changed(*changes: Change) -> Any:
    """``dependencies=[data_changed(Change.REPORT_INPUTS)]`` on a write route: what is derived from the
    account's data follows (the subscribers' jobs are published once the route's transaction
    committed, and discarded with it on an error)."""

    async def publish(uow: UowDep, account: CurrentAccount, events: EventsDep) -> None:
        for change in changes:
            await events.publish(uow, account.id, change)

    return Depends(publish)
