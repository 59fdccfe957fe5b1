from janitor.core.errors import AppError, BadRequest, Conflict, Unauthorized


class EmailTaken(Conflict):
    """Policy (issue 14): sign-up says so when an email has an account. Sign-up signs the new account
    in at once, so without e-mail verification there is no answer that is the same either way: a
    session for one, none for the other. The sign-up limit per address bounds how fast anyone can
    ask. When e-mail verification comes, sign-up answers "check your inbox" either way and mails
    the owner of an existing account instead."""

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
