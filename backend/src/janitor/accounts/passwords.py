"""Common and breached passwords, refused at sign-up and at a password change (ASVS 2.1.7).

The list ships with the app (``data/common-passwords.txt.gz``, its source and licence beside it):
no password ever leaves the server to be checked.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib.resources import files

LIST_FILE = "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The list, lower-cased; read once per process (about 50,000 entries)."""
    data = files("janitor.accounts").joinpath("data", LIST_FILE).read_bytes()
    return frozenset(filter(None, gzip.decompress(data).decode().splitlines()))


def is_common(password: str) -> bool:
    """Case-insensitive: ``Password123`` is as guessable as ``password123``."""
    return password.lower() in common_passwords()
