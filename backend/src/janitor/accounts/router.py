from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Cookie, Depends, Response, status

from janitor.accounts.addresses import EmailAddresses
from janitor.accounts.deps import CurrentAccount
from janitor.accounts.errors import (
    AccountDisabled,
    AlreadyVerified,
    EmailRejected,
    EmailTaken,
    InvalidCredentials,
    InvalidEmailLink,
    InvalidRefreshToken,
    InvalidResetToken,
    PasswordRejected,
    WrongPassword,
)
from janitor.accounts.reset import PasswordReset, count_request, send_link
from janitor.accounts.schemas import (
    AccountOut,
    ChangePasswordIn,
    Credentials,
    DeleteAccountIn,
    EmailChangeIn,
    EmailConfirmedOut,
    EmailLinkIn,
    ForgotPasswordIn,
    ForgotPasswordOut,
    MailSentOut,
    ResetPasswordIn,
    Session,
    SignupIn,
)
from janitor.accounts.service import AuthService, IssuedSession, account_out
from janitor.core.config import Settings
from janitor.core.deps import ClientIP, ContextDep, SecurityEventsDep, SessionDep, UowDep
from janitor.core.errors import RateLimited, Unauthorized, error_responses
from janitor.core.events import Change, EventsDep

REFRESH_COOKIE = "mj_refresh"
COOKIE_PATH = "/api/v1/auth"

auth = APIRouter(prefix="/api/v1/auth", tags=["auth"])
account_router = APIRouter(prefix="/api/v1/account", tags=["account"])

RefreshCookie = Annotated[str | None, Cookie(alias=REFRESH_COOKIE, include_in_schema=False)]


def _service(uow: UowDep, ctx: ContextDep, events: SecurityEventsDep) -> AuthService:
    return AuthService(uow.session, uow.jobs, settings=ctx.settings, limiter=ctx.limiter, events=events)


Service = Annotated[AuthService, Depends(_service)]


def _addresses(uow: UowDep, ctx: ContextDep, events: SecurityEventsDep) -> EmailAddresses:
    return EmailAddresses(uow.session, uow.jobs, settings=ctx.settings, limiter=ctx.limiter, events=events)


Addresses = Annotated[EmailAddresses, Depends(_addresses)]


def _reset_service(uow: UowDep, ctx: ContextDep, events: SecurityEventsDep) -> PasswordReset:
    return PasswordReset(uow.session, uow.jobs, settings=ctx.settings, limiter=ctx.limiter, events=events)


ResetService = Annotated[PasswordReset, Depends(_reset_service)]
FORGOT_ANSWER = "If this address has an account, a link to reset its password is on its way. Check your inbox."


def _set_cookie(response: Response, issued: IssuedSession, settings: Settings) -> Session:
    response.set_cookie(
        REFRESH_COOKIE,
        issued.refresh_token,
        max_age=settings.refresh_token_ttl_days * 86_400,
        path=COOKIE_PATH,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )
    return issued.session


def _clear_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=COOKIE_PATH, httponly=True, secure=settings.secure_cookies, samesite="strict"
    )


@auth.post(
    "/signup",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(PasswordRejected, EmailTaken, RateLimited),
)
async def signup(body: SignupIn, service: Service, ctx: ContextDep, ip: ClientIP, response: Response) -> Session:
    """Create an account and sign in. Sets the refresh-token cookie."""
    issued = await service.signup(email=body.email, password=body.password, ip=ip)
    return _set_cookie(response, issued, ctx.settings)


@auth.post("/login", responses=error_responses(InvalidCredentials, AccountDisabled, RateLimited))
async def login(body: Credentials, service: Service, ctx: ContextDep, ip: ClientIP, response: Response) -> Session:
    """Sign in with email and password. Sets the refresh-token cookie."""
    issued = await service.login(email=body.email, password=body.password, ip=ip)
    return _set_cookie(response, issued, ctx.settings)


@auth.post("/refresh", responses=error_responses(InvalidRefreshToken))
async def refresh(
    service: Service, ctx: ContextDep, ip: ClientIP, response: Response, token: RefreshCookie = None
) -> Session:
    """Exchange the refresh-token cookie for a new access token; the cookie is rotated."""
    issued = await service.refresh(token=token, ip=ip)
    return _set_cookie(response, issued, ctx.settings)


@auth.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(service: Service, ctx: ContextDep, response: Response, token: RefreshCookie = None) -> None:
    """End this sign-in: its refresh tokens are revoked and the cookie is cleared."""
    await service.logout(token=token)
    _clear_cookie(response, ctx.settings)


@auth.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED, responses=error_responses(RateLimited))
async def forgot_password(
    body: ForgotPasswordIn, ctx: ContextDep, events: SecurityEventsDep, ip: ClientIP, background: BackgroundTasks
) -> ForgotPasswordOut:
    """Mail a single-use link to reset the password. The answer is the same, and as quick, whether or
    not the address has an account: the lookup and the mail follow the response."""
    await count_request(ctx, events, ip=ip)
    background.add_task(send_link, ctx, events, body.email)
    return ForgotPasswordOut(detail=FORGOT_ANSWER)


@auth.post(
    "/password/reset",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(PasswordRejected, InvalidResetToken, RateLimited),
)
async def reset_password(body: ResetPasswordIn, service: ResetService, ip: ClientIP) -> None:
    """Set a new password with the token of a reset mail (once). Every session of the account is
    signed out; sign in with the new password."""
    await service.reset(token=body.token, new_password=body.new_password, ip=ip)


@account_router.get("", responses=error_responses(Unauthorized))
async def me(account: CurrentAccount, session: SessionDep, ctx: ContextDep) -> AccountOut:
    """The signed-in account."""
    return await account_out(session, ctx.settings, account)


@account_router.post(
    "/email/verification",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(Unauthorized, AlreadyVerified, RateLimited),
)
async def send_verification(account: CurrentAccount, addresses: Addresses, ip: ClientIP) -> MailSentOut:
    """Mail the link that confirms the account's address again (a few times an hour at most; the
    newest link is the one that works)."""
    await addresses.resend(account, ip=ip)
    return MailSentOut(detail=f"We sent a new link to {account.email}. It may take a minute to arrive.")


@account_router.post(
    "/email",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(Unauthorized, WrongPassword, EmailRejected, EmailTaken, RateLimited),
)
async def change_email(body: EmailChangeIn, account: CurrentAccount, addresses: Addresses, ip: ClientIP) -> MailSentOut:
    """Ask to move the account to another address: a link goes to the new address, and the account
    keeps its current one until the link is followed. Asks for the password again."""
    await addresses.request_change(account, new_email=body.new_email, password=body.password, ip=ip)
    return MailSentOut(
        detail=f"We sent a link to {body.new_email}. Open it to confirm; until then your address stays {account.email}."
    )


@account_router.post("/email/verify", responses=error_responses(InvalidEmailLink, EmailTaken, RateLimited))
async def confirm_email(body: EmailLinkIn, addresses: Addresses, ip: ClientIP) -> EmailConfirmedOut:
    """Follow the link of a confirmation mail: it confirms the account's address, or moves the account
    to the new address it was sent to. No sign-in needed (the link is the proof)."""
    confirmed = await addresses.confirm(token=body.token, ip=ip)
    return EmailConfirmedOut(email=confirmed.email, changed=confirmed.changed)


@account_router.post("/email/undo", responses=error_responses(InvalidEmailLink, EmailTaken, RateLimited))
async def undo_email_change(body: EmailLinkIn, addresses: Addresses, ip: ClientIP) -> EmailConfirmedOut:
    """Follow the link of an "address changed" mail: the account moves back to the old address and
    every session ends. No sign-in needed (the link is the proof)."""
    email = await addresses.undo(token=body.token, ip=ip)
    return EmailConfirmedOut(email=email, changed=True)


@account_router.post("/password", responses=error_responses(Unauthorized, PasswordRejected, WrongPassword))
async def change_password(
    body: ChangePasswordIn, account: CurrentAccount, service: Service, ctx: ContextDep, ip: ClientIP, response: Response
) -> Session:
    """Change the password. Every other session is signed out; this one gets fresh tokens."""
    issued = await service.change_password(account, current=body.current_password, new=body.new_password, ip=ip)
    return _set_cookie(response, issued, ctx.settings)


@account_router.post(
    "/delete", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(Unauthorized, WrongPassword)
)
async def delete_account(
    body: DeleteAccountIn,
    account: CurrentAccount,
    service: Service,
    uow: UowDep,
    events: EventsDep,
    ctx: ContextDep,
    ip: ClientIP,
    response: Response,
) -> None:
    """Delete the account and every piece of data it owns. Asks for the password again."""
    deleting = partial(events.publish, uow, account.id, Change.ACCOUNT_DELETING)
    await service.delete_account(account, password=body.password, ip=ip, before=deleting)
    _clear_cookie(response, ctx.settings)
