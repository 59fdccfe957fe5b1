"""Password reset: "forgot password" mails a single-use link, the link sets a new password.

The token is ``secrets.token_urlsafe(32)``, stored only as its sha256 (``AccountToken``), bound to
the account and to a fingerprint of its password hash at the time: a newer link, a use, or any change
of the password (a reset, a change, whatever path) ends it, and it expires after
``password_reset_minutes``. The token is in the mail's body only (the outbox stores it encrypted),
never in a log line or a response.

The request never says whether an address has an account: the answer is the same for an unknown
address, a disabled account and a known one, and it goes before anything is looked up. The route
counts the request per client address (429 past the limit, as sign-in does) and answers; the lookup,
the token and the mail follow after the response, in a transaction of their own (``send_link``), so
the time to the answer is the same whichever branch is taken. Requests also count per address asked
about: past ``PER_ADDRESS`` no more mails go in the window (no one can fill an inbox with links).

Using a link sets the new password (the rules of sign-up and change; not the current one), signs out
every session (the account's session version counts up, every refresh token is revoked) and mails
the owner that the password was changed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.errors import InvalidResetToken, PasswordRejected
from janitor.accounts.limits import consume, subject
from janitor.accounts.models import Account, AccountToken, TokenPurpose
from janitor.accounts.passwords import check_new_password
from janitor.accounts.repository import AccountRepository, AccountTokenRepository, RefreshTokenRepository
from janitor.accounts.schemas import normalize_email
from janitor.core import clock
from janitor.core.audit import SecurityEvent, SecurityEvents
from janitor.core.config import Settings
from janitor.core.crypto import TokenCipher
from janitor.core.deps import AppContext
from janitor.core.errors import RateLimited
from janitor.core.queue import JobBuffer
from janitor.core.ratelimit import Limit, RateLimiter
from janitor.core.security import hash_password, verify_password
from janitor.mail.outbox import queue_mail

log = structlog.get_logger(__name__)

RESET_MAIL = "password_reset"
CHANGED_MAIL = "password_changed"
RESET_PATH = "/reset-password"
# Reset mails per address asked about, per hour; past it the answer is the same and no mail goes.
PER_ADDRESS = Limit("forgot-address", 3, 3600)


# The links a password change ends (each was asked for under the old password); a verification link
# and an undo of a change of e-mail stay (accounts/addresses.py).
PASSWORD_LINKS = (TokenPurpose.PASSWORD_RESET, TokenPurpose.CHANGE_EMAIL)


def hash_token(token: str) -> str:
    # 256 random bits: a fast hash is enough, and lets the token be looked up by it.
    return hashlib.sha256(token.encode()).hexdigest()


def password_fingerprint(password_hash: str) -> str:
    """What a token remembers of the password it was issued under: any new hash (bcrypt salts each
    one, so even the same password set again) gives another fingerprint."""
    return hashlib.sha256(b"password-fingerprint|" + password_hash.encode()).hexdigest()


class PasswordReset:
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
        self.reset_ip_limit = Limit("reset-ip", settings.login_attempts_per_ip, settings.login_window_seconds)

    def _link(self, token: str) -> str:
        return f"{self.settings.public_url}{RESET_PATH}?token={token}"

    async def request(self, *, email: str) -> None:
        """Mail a reset link to ``email`` if it is an enabled account's (in the caller's transaction;
        the mail goes once it commits and the jobs are flushed)."""
        try:
            email = normalize_email(email)
        except ValueError:  # every stored address passed this: no account has this one
            return
        try:
            await self.limiter.consume(PER_ADDRESS, subject(email))
        except RateLimited:
            return
        account = await self.accounts.by_email(email)
        if account is None or account.disabled_at is not None:
            return
        now = clock.utcnow()
        token = secrets.token_urlsafe(32)
        await self.tokens.revoke_all(account.id, now, purpose=TokenPurpose.PASSWORD_RESET)
        await self.tokens.add(
            AccountToken(
                account_id=account.id,
                purpose=TokenPurpose.PASSWORD_RESET,
                token_hash=hash_token(token),
                password_fingerprint=password_fingerprint(account.password_hash),
                expires_at=now + timedelta(minutes=self.settings.password_reset_minutes),
            )
        )
        values = {"link": self._link(token), "minutes": str(self.settings.password_reset_minutes)}
        queue_mail(
            self.db, self.jobs, self.cipher, account_id=account.id, to=account.email, template=RESET_MAIL, values=values
        )
        log.info("password_reset_requested", account_id=str(account.id))

    async def reset(self, *, token: str, new_password: str, ip: str) -> None:
        """Set the password of the account ``token`` was mailed to, once (``InvalidResetToken`` else)."""
        await consume(self.limiter, self.events, self.reset_ip_limit, subject(ip), ip=ip)
        now = clock.utcnow()
        row = await self.tokens.by_hash(TokenPurpose.PASSWORD_RESET, hash_token(token))
        if row is None or row.used_at is not None or row.revoked_at is not None or row.expires_at <= now:
            raise InvalidResetToken()
        account = await self.accounts.get(row.account_id)
        if (
            account is None
            or account.disabled_at is not None
            or row.password_fingerprint != password_fingerprint(account.password_hash)
        ):
            raise InvalidResetToken()
        # The rules first: a refused password leaves the link usable for a better one.
        check_new_password(new_password, field="new_password", email=account.email)
        if await verify_password(new_password, account.password_hash, rounds=self.settings.bcrypt_rounds):
            raise PasswordRejected("must differ from your current password", field="new_password")
        if not await self.tokens.use(row.id, now):  # a concurrent use won
            raise InvalidResetToken()
        await self._set_password(account, new_password)
        queue_mail(
            self.db,
            self.jobs,
            self.cipher,
            account_id=account.id,
            to=account.email,
            template=CHANGED_MAIL,
            values={"site": self.settings.public_url},
        )
        self.events.record(SecurityEvent.PASSWORD_CHANGED, client=ip, account_id=account.id, via="reset")

    async def _set_password(self, account: Account, new_password: str) -> None:
        now = clock.utcnow()
        account.password_hash = await hash_password(new_password, rounds=self.settings.bcrypt_rounds)
        account.credentials_changed_at = now
        # As a password change does: every access token of an older version is refused from now
        # on, every refresh token is revoked, and so is any other link still out.
        account.session_version = Account.session_version + 1
        await RefreshTokenRepository(self.db).revoke_all(account.id, now)
        await self.tokens.revoke_all(account.id, now, purpose=PASSWORD_LINKS)
        # The link came to the account's inbox: that proves the address as a verification link would.
        if account.email_verified_at is None:
            account.email_verified_at = now
        await self.db.flush()


def forgot_ip_limit(settings: Settings) -> Limit:
    # Counted apart from sign-in, with its numbers: asking for links is no cheaper a probe.
    return Limit("forgot-ip", settings.login_attempts_per_ip, settings.login_window_seconds)


async def count_request(ctx: AppContext, events: SecurityEvents, *, ip: str) -> None:
    """A "forgot password" request from ``ip``, in the request (``RateLimited`` past the limit)."""
    await consume(ctx.limiter, events, forgot_ip_limit(ctx.settings), subject(ip), ip=ip)


async def send_link(ctx: AppContext, events: SecurityEvents, email: str) -> None:
    """``PasswordReset.request`` in a transaction of its own, after the response went (a background
    task of the route): its time is not the answer's. A failure is logged by its kind only (never
    with the values, which may hold the token)."""
    jobs = JobBuffer()
    try:
        async with ctx.sessionmaker() as session, session.begin():
            service = PasswordReset(session, jobs, settings=ctx.settings, limiter=ctx.limiter, events=events)
            await service.request(email=email)
        await jobs.flush(ctx.redis)
    except Exception as exc:
        log.error("password_reset_request_failed", error=type(exc).__name__)
