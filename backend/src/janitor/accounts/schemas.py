from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, Field

from janitor.core.schemas import InputModel
from janitor.core.security import BCRYPT_MAX_BYTES

MIN_PASSWORD_CHARS = 10
# email_validator's bound (RFC 5321 path limit): a longer address is never deliverable.
MAX_EMAIL_CHARS = 254


def normalize_email(value: str) -> str:
    """Trim, NFC-normalise and lower-case; the stored form is the unique key."""
    value = unicodedata.normalize("NFC", value.strip())
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address ({exc})") from None
    return info.normalized.lower()


Email = Annotated[
    str,
    Field(max_length=MAX_EMAIL_CHARS, examples=["you@example.com"], json_schema_extra={"format": "email"}),
    AfterValidator(normalize_email),
]
# The length rules are the schema's; what no schema can say (bytes in UTF-8, a common password, only
# spaces, the e-mail itself) is checked by accounts/passwords.py and answered 400 `password_rejected`.
NewPassword = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_CHARS,
        max_length=BCRYPT_MAX_BYTES,
        examples=["a long passphrase"],
        description=f"At least {MIN_PASSWORD_CHARS} characters and at most {BCRYPT_MAX_BYTES} bytes in UTF-8; "
        "not one of the most common passwords, not only spaces, not the e-mail address",
    ),
]


class Credentials(InputModel):
    email: Email
    password: str = Field(max_length=1024)


class SignupIn(InputModel):
    email: Email
    password: NewPassword


class ChangePasswordIn(InputModel):
    current_password: str = Field(max_length=1024)
    new_password: NewPassword


def _looks_like_email(value: str) -> str:
    local, _, domain = value.strip().rpartition("@")
    if not local or not domain:
        raise ValueError("is not a valid email address")
    return value


class ForgotPasswordIn(InputModel):
    # Not ``Email``: an address of the right shape that the validator refuses can have no account,
    # and gets the same answer as any other (the service normalises it as sign-up did, to find it).
    email: Annotated[
        str,
        Field(max_length=MAX_EMAIL_CHARS, examples=["you@example.com"], json_schema_extra={"format": "email"}),
        AfterValidator(_looks_like_email),
    ]


class ResetPasswordIn(InputModel):
    token: str = Field(min_length=1, max_length=256, description="The token of the link in the reset mail")
    new_password: NewPassword


class ForgotPasswordOut(BaseModel):
    """The same answer whether or not the address has an account."""

    detail: str


class MailSentOut(BaseModel):
    """A mail is on its way; ``detail`` says where and what to do with it."""

    detail: str


class DeleteAccountIn(InputModel):
    password: str = Field(max_length=1024)


class AccountOut(BaseModel):
    id: uuid.UUID
    email: str
    created_at: datetime
    is_operator: bool = Field(description="Runs the service: sees the operator console (granted on the command line)")
    email_verification: Literal["verified", "pending", "not_required"] = Field(
        description="`pending`: the address is not confirmed yet and no server can be connected until it is "
        "(the link is in the sign-up mail; `POST /api/v1/account/email/verification` sends it again); "
        "`not_required`: not confirmed, and the operator does not require it"
    )


class EmailChangeIn(InputModel):
    new_email: Email
    password: str = Field(max_length=1024, description="The account's password, asked again")


class EmailLinkIn(InputModel):
    token: str = Field(min_length=1, max_length=256, description="The token of the link in the mail")


class EmailConfirmedOut(BaseModel):
    email: str
    changed: bool = Field(description="True when the link moved the account to a new address")


class Session(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    account: AccountOut
