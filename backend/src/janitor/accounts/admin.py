"""What the operator does to an account from the command line (``janitor accounts …``, ``janitor
operator …``) and from the operator console."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.errors import EmailTaken, PasswordRejected
from janitor.accounts.models import Account
from janitor.accounts.passwords import check_new_password
from janitor.accounts.repository import AccountRepository, RefreshTokenRepository
from janitor.accounts.schemas import MIN_PASSWORD_CHARS, normalize_email
from janitor.core.security import hash_password

log = structlog.get_logger(__name__)


class NoSuchAccount(LookupError):
    def __init__(self, email: str) -> None:
        super().__init__(f"no account has the e-mail address {email!r}")


async def find(session: AsyncSession, email: str) -> Account:
    """The account of ``email`` (as typed: trimmed and normalised like sign-up does), or ``NoSuchAccount``."""
    try:
        account = await AccountRepository(session).by_email(normalize_email(email))
    except ValueError:
        account = None
    if account is None:
        raise NoSuchAccount(email)
    return account


async def set_disabled(session: AsyncSession, email: str, *, disabled: bool) -> Account:
    """``switch_disabled`` for the account of ``email``."""
    return await switch_disabled(session, await find(session, email), disabled=disabled)


async def switch_disabled(session: AsyncSession, account: Account, *, disabled: bool) -> Account:
    """Disable ``account`` (it is signed out at once: every access token is refused and every refresh
    token revoked; its jobs are skipped from now on) or enable it again."""
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


async def set_operator(session: AsyncSession, email: str, *, operator: bool) -> Account:
    """Grant (``operator``) or revoke the operator role: the console and ``/api/v1/operator``. Only the
    command line calls this; no route does."""
    account = await find(session, email)
    account.is_operator = operator
    await session.flush()
    log.info("operator_granted" if operator else "operator_revoked", account_id=str(account.id))
    return account


async def create_account(session: AsyncSession, email: str, password: str, *, bcrypt_rounds: int) -> Account:
    """An account made by the operator: the sign-up's rules for the address and the password, and
    verified at once (the operator vouches for the address). ``ValueError`` for an address that is
    not one, ``PasswordRejected`` or ``EmailTaken`` otherwise."""
    address = normalize_email(email)
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordRejected(f"must be at least {MIN_PASSWORD_CHARS} characters", field="password")
    check_new_password(password, field="password", email=address)
    accounts = AccountRepository(session)
    if await accounts.by_email(address) is not None:
        raise EmailTaken()
    now = datetime.now(UTC)
    hashed = await hash_password(password, rounds=bcrypt_rounds)
    account = Account(email=address, password_hash=hashed, credentials_changed_at=now, email_verified_at=now)
    await accounts.add(account)
    await session.refresh(account)
    log.info("account_created", account_id=str(account.id), by="operator")
    return account
