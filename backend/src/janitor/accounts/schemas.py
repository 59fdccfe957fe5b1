from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from janitor.accounts.passwords import is_common
from janitor.core.security import BCRYPT_MAX_BYTES

MIN_PASSWORD_CHARS = 10


def normalize_email(value: str) -> str:
    """Trim, NFC-normalise and lower-case; the stored form is the unique key."""
    value = unicodedata.normalize("NFC", value.strip())
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address ({exc})") from None
    return info.normalized.lower()


def check_password(value: str) -> str:
    if len(value) < MIN_PASSWORD_CHARS:
        raise ValueError(f"must be at least {MIN_PASSWORD_CHARS} characters long")
    if len(value.encode()) > BCRYPT_MAX_BYTES:
        raise ValueError(
            f"must be at most {BCRYPT_MAX_BYTES} bytes in UTF-8 (accented letters and emoji count as "
            "several bytes); use a shorter password"
        )
    if not value.strip():
        raise ValueError("must not be only spaces")
    if is_common(value):
        raise ValueError(
            "is one of the most common passwords, the first ones tried against any account; "
            "choose one of your own, e.g. three or four unrelated words"
        )
    return value


Email = Annotated[str, Field(max_length=320, examples=["you@example.com"]), AfterValidator(normalize_email)]
NewPassword = Annotated[str, Field(examples=["a long passphrase"]), AfterValidator(check_password)]


class Credentials(BaseModel):
    email: Email
    password: str = Field(max_length=1024)


class SignupIn(BaseModel):
    email: Email
    password: NewPassword

    @model_validator(mode="after")
    def _not_the_email(self) -> SignupIn:
        if self.password.strip().lower() == self.email:
            raise ValueError("password must not be your email address")
        return self


class ChangePasswordIn(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: NewPassword


class DeleteAccountIn(BaseModel):
    password: str = Field(max_length=1024)


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    created_at: datetime


class Session(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    account: AccountOut
