"""What the operator does to an account from the command line (``janitor accounts …``)."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account
from janitor.accounts.repository import AccountRepository, RefreshTokenRepository
from janitor.accounts.schemas import normalize_email

log = structlog.get_logger(__name__)


class NoSuchAccount(LookupError):
    def __init__(self, email: str) -> None:
        super().__init__(f"no account has the e-mail address {email!r}")


async def set_disabled(session: AsyncSession, email: str, *, disabled: bool) -> Account:
    """Disable the account of ``email`` (it is signed out at once: every access token is refused and
    every refresh token revoked; its jobs are skipped from now on) or enable it again."""
    try:
        account = await AccountRepository(session).by_email(normalize_email(email))
    except ValueError:
        account = None
    if account is None:
        raise NoSuchAccount(email)
    now = datetime.now(UTC)
    if disabled and account.disabled_at is None:
        account.disabled_at = now
        account.session_version = Account.session_version + 1
        await RefreshTokenRepository(session).revoke_all(account.id, now)
    elif not disabled:
        account.disabled_at = None
    await session.flush()
    await session.refresh(account, ["session_version", "disabled_at"])
    log.info("account_disabled" if disabled else "account_enabled", account_id=str(account.id))
    return account
