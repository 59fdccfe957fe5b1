"""The account's e-mail address: confirming it (verification) and changing it.

**Verification.** A new account gets a link (``VERIFY_EMAIL`` token, mailed to its address). Until it
is followed, the account can sign in and look around but cannot connect a server (``require_verified``),
while the operator requires it (``verification_required``: the install's default, which the operator
can switch at run time). "Send the link again" is limited per account.

**Change of e-mail.** Asked for with the password. The link goes to the new address
(``CHANGE_EMAIL``, the new address in the token's row); following it moves the account there (if no
other account took the address meanwhile), confirmed, and mails the old address a notice with a link
that undoes it (``UNDO_EMAIL_CHANGE``, the old address in its row, valid ``email_undo_days``). Undoing
moves the account back and ends every session and every link still out: whoever changed the address
may hold the password, so the notice says to reset it.

Tokens are random (``secrets.token_urlsafe(32)``), stored as their sha256, single use, expire, and a
newer link of the same kind revokes the older one. A link only works while the account's address is
still the one it was issued for. A password change ends a change-of-e-mail link still out; it does not
end a verification link or an undo link (the undo must survive an intruder's password change)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.errors import (
    AlreadyVerified,
    EmailNotVerified,
    EmailRejected,
    EmailTaken,
    InvalidEmailLink,
    WrongPassword,
)
from janitor.accounts.limits import consume, subject
from janitor.accounts.models import Account, AccountToken, TokenPurpose
from janitor.accounts.repository import AccountRepository, AccountTokenRepository, RefreshTokenRepository
from janitor.accounts.reset import hash_token, password_fingerprint
from janitor.core import clock
from janitor.core.audit import SecurityEvent, SecurityEvents
from janitor.core.config import Settings
from janitor.core.crypto import TokenCipher
from janitor.core.flags import read_flag, write_flag
from janitor.core.queue import JobBuffer
from janitor.core.ratelimit import Limit, RateLimiter
from janitor.core.security import verify_password
from janitor.mail.outbox import queue_mail

log = structlog.get_logger(__name__)

VERIFICATION_FLAG = "email_verification"
VERIFY_MAIL = "verify_email"
CHANGE_MAIL = "confirm_email_change"
CHANGED_MAIL = "email_changed"
VERIFY_PATH = "/verify-email"
UNDO_PATH = "/undo-email-change"
# "Send the link again" and change-of-e-mail requests, per account and hour.
RESEND_LIMIT = Limit("verify-send", 3, 3600)
CHANGE_LIMIT = Limit("email-change", 5, 3600)

EmailVerification = Literal["verified", "pending", "not_required"]


async def verification_required(session: AsyncSession, settings: Settings) -> bool:
    """Whether unconfirmed addresses are held back: the operator's switch once used, else the
    install's default (``JANITOR_EMAIL_VERIFICATION``)."""
    flag = await read_flag(session, VERIFICATION_FLAG)
    return settings.email_verification if flag is None else flag


async def set_verification_required(session: AsyncSession, required: bool) -> None:
    await write_flag(session, VERIFICATION_FLAG, enabled=required)


def verification_status(account: Account, *, required: bool) -> EmailVerification:
    if account.email_verified_at is not None:
        return "verified"
    return "pending" if required else "not_required"


async def require_verified(session: AsyncSession, settings: Settings, account: Account) -> None:
    """``EmailNotVerified`` unless the account may connect servers."""
    if account.email_verified_at is None and await verification_required(session, settings):
        raise EmailNotVerified()


@dataclass(frozen=True)
class Confirmed:
    email: str
    changed: bool  # a change of e-mail, not the first confirmation


class EmailAddresses:
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
        self.tokens = AccountTokenRepository(session)
        self.cipher = TokenCipher.from_settings(settings)
        self.link_ip_limit = Limit("email-link-ip", settings.login_attempts_per_ip, settings.login_window_seconds)

    async def _consume(self, limit: Limit, key: str, *, ip: str, account: Account | None = None) -> None:
        account_id = None if account is None else account.id
        await consume(self.limiter, self.events, limit, subject(key), ip=ip, account_id=account_id)

    async def _issue(self, account: Account, purpose: TokenPurpose, email: str, lifetime: timedelta) -> str:
        now = clock.utcnow()
        token = secrets.token_urlsafe(32)
        if purpose != TokenPurpose.UNDO_EMAIL_CHANGE:
            # A newer link revokes the older one, except an undo: a second change must not take the
            # first one's undo away from the address it was taken from.
            await self.tokens.revoke_all(account.id, now, purpose=purpose)
        await self.tokens.add(
            AccountToken(
                account_id=account.id,
                purpose=purpose,
                token_hash=hash_token(token),
                password_fingerprint=password_fingerprint(account.password_hash),
                email=email,
                expires_at=now + lifetime,
            )
        )
        return token

    def _mail(self, account: Account, to: str, template: str, **values: str) -> None:
        queue_mail(self.db, self.jobs, self.cipher, account_id=account.id, to=to, template=template, values=values)

    def _link(self, path: str, token: str) -> str:
        return f"{self.settings.public_url}{path}?token={token}"

    async def send_verification(self, account: Account) -> None:
        """Mail ``account`` a link that confirms its address (a newer link revokes the older one)."""
        hours = self.settings.email_link_hours
        token = await self._issue(account, TokenPurpose.VERIFY_EMAIL, account.email, timedelta(hours=hours))
        self._mail(account, account.email, VERIFY_MAIL, link=self._link(VERIFY_PATH, token), hours=str(hours))
        log.info("email_verification_sent", account_id=str(account.id))

    async def resend(self, account: Account, *, ip: str) -> None:
        if account.email_verified_at is not None:
            raise AlreadyVerified()
        await self._consume(RESEND_LIMIT, str(account.id), ip=ip, account=account)
        await self.send_verification(account)

    async def request_change(self, account: Account, *, new_email: str, password: str, ip: str) -> None:
        """Mail ``new_email`` a link that moves the account there (``new_email`` normalised already)."""
        if not await verify_password(password, account.password_hash, rounds=self.settings.bcrypt_rounds):
            self.events.record(SecurityEvent.REAUTH_FAILED, client=ip, account_id=account.id, action="change_email")
            raise WrongPassword("The password is not correct; the address was not changed.")
        if new_email == account.email:
            raise EmailRejected("is already your address", field="new_email")
        await self._consume(CHANGE_LIMIT, f"change|{account.id}", ip=ip, account=account)
        if await self.accounts.by_email(new_email) is not None:
            raise EmailTaken("Another account uses this address. Choose another one.")
        hours = self.settings.email_link_hours
        token = await self._issue(account, TokenPurpose.CHANGE_EMAIL, new_email, timedelta(hours=hours))
        self._mail(
            account, new_email, CHANGE_MAIL, link=self._link(VERIFY_PATH, token), hours=str(hours), old=account.email
        )
        log.info("email_change_requested", account_id=str(account.id))

    async def _live(self, token: str, *purposes: TokenPurpose) -> tuple[AccountToken, Account]:
        now = clock.utcnow()
        row = await self.tokens.by_hash(purposes, hash_token(token))
        if row is None or row.used_at is not None or row.revoked_at is not None or row.expires_at <= now:
            raise InvalidEmailLink()
        account = await self.accounts.get(row.account_id)
        if account is None or account.disabled_at is not None:
            raise InvalidEmailLink()
        return row, account

    async def confirm(self, *, token: str, ip: str) -> Confirmed:
        """Follow a link that confirms an address: the account's own (verification) or a new one
        (change of e-mail)."""
        await self._consume(self.link_ip_limit, f"ip|{ip}", ip=ip)
        row, account = await self._live(token, TokenPurpose.VERIFY_EMAIL, TokenPurpose.CHANGE_EMAIL)
        now = clock.utcnow()
        if row.purpose == TokenPurpose.VERIFY_EMAIL:
            if row.email != account.email:  # the address changed since the link went
                raise InvalidEmailLink()
            if not await self.tokens.use(row.id, now):
                raise InvalidEmailLink()
            if account.email_verified_at is None:
                account.email_verified_at = now
            await self.db.flush()
            self.events.record(SecurityEvent.EMAIL_VERIFIED, client=ip, account_id=account.id)
            return Confirmed(email=account.email, changed=False)
        assert row.email is not None
        if row.password_fingerprint != password_fingerprint(account.password_hash):
            raise InvalidEmailLink()  # the password changed since it was asked for
        if not await self.tokens.use(row.id, now):
            raise InvalidEmailLink()
        old = account.email
        await self._move(account, row.email)
        undo_days = self.settings.email_undo_days
        undo = await self._issue(account, TokenPurpose.UNDO_EMAIL_CHANGE, old, timedelta(days=undo_days))
        # The other kinds of link went to (or were about) the old address.
        await self.tokens.revoke_all(account.id, now, purpose=TokenPurpose.VERIFY_EMAIL)
        await self.tokens.revoke_all(account.id, now, purpose=TokenPurpose.PASSWORD_RESET)
        self._mail(account, old, CHANGED_MAIL, new=account.email, link=self._link(UNDO_PATH, undo), days=str(undo_days))
        self.events.record(SecurityEvent.EMAIL_CHANGED, client=ip, account_id=account.id)
        return Confirmed(email=account.email, changed=True)

    async def undo(self, *, token: str, ip: str) -> str:
        """Move the account back to the address a change took it from; every session and every link
        still out ends. Returns the address."""
        await self._consume(self.link_ip_limit, f"ip|{ip}", ip=ip)
        row, account = await self._live(token, TokenPurpose.UNDO_EMAIL_CHANGE)
        assert row.email is not None
        now = clock.utcnow()
        if not await self.tokens.use(row.id, now):
            raise InvalidEmailLink()
        if row.email != account.email:
            await self._move(account, row.email)
        account.session_version = Account.session_version + 1
        await RefreshTokenRepository(self.db).revoke_all(account.id, now)
        await self.tokens.revoke_all(account.id, now)
        await self.db.flush()
        self.events.record(SecurityEvent.EMAIL_CHANGE_UNDONE, client=ip, account_id=account.id)
        return row.email

    async def _move(self, account: Account, email: str) -> None:
        if await self.accounts.by_email(email) is not None:
            raise EmailTaken("Another account took this address meanwhile; the address was not changed.")
        account.email = email
        account.email_verified_at = clock.utcnow()
        try:
            async with self.db.begin_nested():
                await self.db.flush()
        except IntegrityError:  # a concurrent sign-up took it
            raise EmailTaken("Another account took this address meanwhile; the address was not changed.") from None
