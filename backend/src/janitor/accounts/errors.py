from janitor.core.errors import AppError, BadRequest, Conflict, Unauthorized


class EmailTaken(Conflict):
    """Policy (issue 14): sign-up says so when an email has an account. Sign-up signs the new account
    in at once, so there is no answer that is the same either way: a session for one, none for the
    other. E-mail verification kept it: an unconfirmed account can sign in (docs/security.md), so
    signing in after signing up would tell anyway. The sign-up limit per address bounds how fast
    anyone can ask."""

    code = "email_taken"
    message = "An account with this email already exists. Sign in instead."


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message = "Wrong email or password."


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"
    message = "Your session has ended. Sign in again."


class RefreshTokenReused(InvalidRefreshToken):
    """A rotated token came back: the family is revoked, and that revocation must be kept."""

    keeps_changes = True


class WrongPassword(AppError):
    # A well-formed request the password given does not authorise (not a malformed one: 400).
    status_code = 403
    code = "wrong_password"
    message = "The current password is not correct."


class PasswordRejected(BadRequest):
    """A new password the rules refuse beyond its length (accounts/passwords.py); the field is named."""

    code = "password_rejected"
    message = "Choose another password."


class AccountDisabled(AppError):
    """The right password of an account the operator disabled (a wrong one is ``InvalidCredentials``,
    so this answer tells nothing to someone who does not know the password)."""

    status_code = 403
    code = "account_disabled"
    message = "This account is disabled by the service's operator. Contact them to have it enabled again."


class InvalidResetToken(BadRequest):
    """One answer for a reset link that is unknown, used, expired or revoked (by a newer link or a
    password change): which of them it was helps no one but someone guessing."""

    code = "invalid_reset_token"
    message = "This password reset link is invalid or has expired. Ask for a new one."


class EmailNotVerified(AppError):
    """Connecting a server (or probing one) before the account's address is confirmed, while the
    operator requires it: the service reaches out to servers for confirmed owners only."""

    status_code = 403
    code = "email_not_verified"
    message = (
        "Confirm your e-mail address before connecting a server: open the link we mailed you, "
        "or use “Send the link again” at the top of the page."
    )


class InvalidEmailLink(BadRequest):
    """One answer for a confirmation or undo link that is unknown, used, expired, revoked or no longer
    fits the account (its address changed since)."""

    code = "invalid_email_link"
    message = "This link is invalid or has expired. Sign in and ask for a new one."


class AlreadyVerified(Conflict):
    code = "already_verified"
    message = "Your e-mail address is already confirmed."


class EmailRejected(BadRequest):
    """A new address that is well formed but cannot be used (it is the current one); the field is named."""

    code = "email_rejected"
    message = "Choose another address."
