"""Sign-up, sign-in, sessions and credentials. Services never commit: the unit of work does."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.addresses import EmailAddresses, verification_required, verification_status
from janitor.accounts.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    PasswordRejected,
    RefreshTokenReused,
    WrongPassword,
)
from janitor.accounts.limits import consume, subject
from janitor.accounts.models import Account, RefreshToken
from janitor.accounts.passwords import check_new_password
from janitor.accounts.repository import AccountRepository, AccountTokenRepository, RefreshTokenRepository
from janitor.accounts.reset import CHANGED_MAIL, PASSWORD_LINKS
from janitor.accounts.schemas import AccountOut, Session
from janitor.core.audit import SecurityEvent, SecurityEvents
from janitor.core.config import Settings
from janitor.core.crypto import TokenCipher
from janitor.core.errors import RateLimited
from janitor.core.queue import JobBuffer
from janitor.core.ratelimit import Limit, RateLimiter
from janitor.core.security import (
    hash_password,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
    verify_password,
)
from janitor.mail.outbox import queue_mail

log = structlog.get_logger(__name__)

DELETED_MAIL = "account_deleted"


@dataclass(frozen=True)
class IssuedSession:
    session: Session
    refresh_token: str


async def account_out(session: AsyncSession, settings: Settings, account: Account) -> AccountOut:
    required = await verification_required(session, settings)
    return AccountOut(
        id=account.id,
        email=account.email,
        created_at=account.created_at,
        is_operator=account.is_operator,
        email_verification=verification_status(account, required=required),
    )


class AuthService:
    """Sign-up, sign-in, sessions, password change and account deletion; the mails they send (the
    address's confirmation link, "password changed") go once the transaction commits (``jobs``)."""

    def __init__(
        self,
        session: AsyncSession,
        jobs: JobBuffer,
        *,
        settings: Settings,
        limiter: RateLimiter,
        events: SecurityEvents,
    ) -> None:
        self.db = session
        self.jobs = jobs
        self.settings = settings
        self.limiter = limiter
        self.events = events
        self.accounts = AccountRepository(session)
        self.tokens = RefreshTokenRepository(session)
        s = settings
        self.login_ip_limit = Limit("login-ip", s.login_attempts_per_ip, s.login_window_seconds)
        self.login_fail_limit = Limit("login-fail", s.login_failures_per_account_ip, s.login_window_seconds)
        self.signup_ip_limit = Limit("signup-ip", s.signups_per_ip, s.signup_window_seconds)

    async def _consume(self, limit: Limit, key: str, *, ip: str) -> None:
        await consume(self.limiter, self.events, limit, key, ip=ip)

    async def _issue(self, account: Account, *, family_id: uuid.UUID | None = None) -> IssuedSession:
        now = datetime.now(UTC)
        account.last_sign_in_at = now  # the operator console's "last sign-in"
        plain = new_refresh_token()
        await self.tokens.add(
            RefreshToken(
                account_id=account.id,
                family_id=family_id or uuid.uuid4(),
                token_hash=hash_refresh_token(plain),
                expires_at=now + timedelta(days=self.settings.refresh_token_ttl_days),
            )
        )
        ttl = self.settings.access_token_ttl_seconds
        access = issue_access_token(
            account.id,
            key=self.settings.secret_key.get_secret_value(),
            ttl_seconds=ttl,
            session_version=account.session_version,
        )
        out = await account_out(self.db, self.settings, account)
        return IssuedSession(Session(access_token=access, expires_in=ttl, account=out), plain)

    async def signup(self, *, email: str, password: str, ip: str) -> IssuedSession:
        check_new_password(password, field="password", email=email)
        await self._consume(self.signup_ip_limit, subject(ip), ip=ip)
        if await self.accounts.by_email(email) is not None:
            raise EmailTaken()
        hashed = await hash_password(password, rounds=self.settings.bcrypt_rounds)
        account = Account(email=email, password_hash=hashed, credentials_changed_at=datetime.now(UTC))
        try:
            async with self.db.begin_nested():
                await self.accounts.add(account)
        except IntegrityError:  # a concurrent signup with the same email won the race
            raise EmailTaken() from None
        await self.db.refresh(account)
        log.info("account_created", account_id=str(account.id))
        if await verification_required(self.db, self.settings):
            addresses = EmailAddresses(
                self.db, self.jobs, settings=self.settings, limiter=self.limiter, events=self.events
            )
            await addresses.send_verification(account)
        return await self._issue(account)

    async def login(self, *, email: str, password: str, ip: str) -> IssuedSession:
        # Per address for everything, and per (account, address) for failures: a stranger
        # elsewhere can exhaust only their own budget, never lock the owner out.
        await self._consume(self.login_ip_limit, subject(ip), ip=ip)
        pair = subject(email, ip)
        account = await self.accounts.by_email(email)
        account_id = account.id if account else None
        try:
            await self.limiter.check(self.login_fail_limit, pair)
        except RateLimited:
            self.events.record(
                SecurityEvent.RATE_LIMITED, client=ip, account_id=account_id, limit=self.login_fail_limit.name
            )
            raise
        hashed = account.password_hash if account else None
        if not await verify_password(password, hashed, rounds=self.settings.bcrypt_rounds) or account is None:
            failures = await self.limiter.hit(self.login_fail_limit, pair)
            self.events.record(SecurityEvent.LOGIN_FAILED, client=ip, account_id=account_id)
            if failures == self.login_fail_limit.max_hits:
                self.events.record(
                    SecurityEvent.LOGIN_LOCKOUT,
                    client=ip,
                    account_id=account_id,
                    seconds=self.login_fail_limit.window_seconds,
                )
            raise InvalidCredentials()
        await self.limiter.reset(self.login_fail_limit, pair)
        if account.disabled_at is not None:
            raise AccountDisabled()
        return await self._issue(account)

    async def refresh(self, *, token: str | None, ip: str) -> IssuedSession:
        if not token:
            raise InvalidRefreshToken()
        row = await self.tokens.by_hash(hash_refresh_token(token))
        if row is None:
            raise InvalidRefreshToken()
        now = datetime.now(UTC)
        if row.used_at is not None or row.revoked_at is not None or not await self.tokens.mark_used(row.id, now):
            await self.tokens.revoke_family(row.account_id, row.family_id, now)
            self.events.record(SecurityEvent.REFRESH_TOKEN_REUSE, client=ip, account_id=row.account_id)
            raise RefreshTokenReused()
        if row.expires_at <= now:
            raise InvalidRefreshToken()
        account = await self.accounts.get(row.account_id)
        if account is None or account.disabled_at is not None:
            raise InvalidRefreshToken()
        return await self._issue(account, family_id=row.family_id)

    async def logout(self, *, token: str | None) -> None:
        if not token:
            return
        row = await self.tokens.by_hash(hash_refresh_token(token))
        if row is not None:
            await self.tokens.revoke_family(row.account_id, row.family_id, datetime.now(UTC))

    async def change_password(self, account: Account, *, current: str, new: str, ip: str) -> IssuedSession:
        check_new_password(new, field="new_password", email=account.email)
        if not await verify_password(current, account.password_hash, rounds=self.settings.bcrypt_rounds):
            self.events.record(SecurityEvent.REAUTH_FAILED, client=ip, account_id=account.id, action="change_password")
            raise WrongPassword()
        if new == current:
            raise PasswordRejected("must differ from your current password", field="new_password")
        now = datetime.now(UTC)
        account.password_hash = await hash_password(new, rounds=self.settings.bcrypt_rounds)
        account.credentials_changed_at = now
        # Counted up in the database (a concurrent change waits for this row and counts on from
        # here): every access token of an older version is refused from now on.
        account.session_version = Account.session_version + 1
        await self.tokens.revoke_all(account.id, now)
        # A reset link still out would set the password again (its fingerprint no longer matches
        # either; this says so in the row), and so would a change of e-mail asked for before.
        await AccountTokenRepository(self.db).revoke_all(account.id, now, purpose=PASSWORD_LINKS)
        await self.db.flush()
        await self.db.refresh(account, ["session_version"])
        queue_mail(
            self.db,
            self.jobs,
            TokenCipher.from_settings(self.settings),
            account_id=account.id,
            to=account.email,
            template=CHANGED_MAIL,
            values={"site": self.settings.public_url},
        )
        self.events.record(SecurityEvent.PASSWORD_CHANGED, client=ip, account_id=account.id)
        return await self._issue(account)

    async def delete_account(
        self, account: Account, *, password: str, ip: str, before: Callable[[], Awaitable[None]]
    ) -> None:
        """``before`` runs once the password is checked, in the same transaction (the account's
        ``Change.ACCOUNT_DELETING`` event)."""
        if not await verify_password(password, account.password_hash, rounds=self.settings.bcrypt_rounds):
            self.events.record(SecurityEvent.REAUTH_FAILED, client=ip, account_id=account.id, action="delete_account")
            raise WrongPassword("The password is not correct; the account was not deleted.")
        await before()
        email = account.email
        await self.accounts.delete(account)
        # Of no account: the account's own rows go with it.
        queue_mail(
            self.db,
            self.jobs,
            TokenCipher.from_settings(self.settings),
            account_id=None,
            to=email,
            template=DELETED_MAIL,
            values={"site": self.settings.public_url},
        )
        self.events.record(SecurityEvent.ACCOUNT_DELETED, client=ip, account_id=account.id)
