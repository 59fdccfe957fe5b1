"""The password rules no schema can say, checked at sign-up and at a password change: at most 72
bytes in UTF-8 (what bcrypt reads), not only spaces, not the e-mail address, and not a common or
breached password (ASVS 2.1.7). The lengths in characters are the request schema's.

The list ships with the app (``data/common-passwords.txt.gz``, its source and licence beside it):
no password ever leaves the server to be checked.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.resources import files

from janitor.accounts.errors import PasswordRejected
from janitor.core.security import BCRYPT_MAX_BYTES

LIST_FILE = "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The list, lower-cased; read once per process (about 50,000 entries)."""
    data = files("janitor.accounts").joinpath("data", LIST_FILE).read_bytes()
    return frozenset(filter(None, gzip.decompress(data).decode().splitlines()))


def is_common(password: str) -> bool:
    """Case-insensitive: ``Password123`` is as guessable as ``password123``."""
    return password.lower() in common_passwords()


def check_new_password(password: str, *, field: str, email: str | None = None) -> None:
    """Raise PasswordRejected (400, naming ``field``) with what to change, or return."""
    problem = None
    if len(password.encode()) > BCRYPT_MAX_BYTES:
        problem = (
            f"must be at most {BCRYPT_MAX_BYTES} bytes in UTF-8 (accented letters and emoji count as "
            "several bytes); use a shorter password"
        )
    elif not password.strip():
        problem = "must not be only spaces"
    elif email is not None and password.strip().lower() == email:
        problem = "must not be your email address"
    elif is_common(password):
        problem = (
            "is one of the most common passwords, the first ones tried against any account; "
            "choose one of your own, e.g. three or four unrelated words"
        )
    if problem is not None:
        raise PasswordRejected(problem, field=field)
