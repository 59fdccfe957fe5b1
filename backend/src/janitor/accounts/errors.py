from janitor.core.errors import AppError, Conflict, Unauthorized


class EmailTaken(Conflict):
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
