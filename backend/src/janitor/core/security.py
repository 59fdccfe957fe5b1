"""Password hashing and token primitives. No storage here: the accounts domain owns that."""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import bcrypt
import jwt
from anyio import to_thread

JWT_ALGORITHM = "HS256"  # pinned: tokens naming any other algorithm are rejected
ACCESS = "access"
SESSION_VERSION = "sv"  # claim: the account's session version the token belongs to
BCRYPT_MAX_BYTES = 72


@functools.cache
def dummy_hash(rounds: int) -> bytes:
    """A real bcrypt hash of a random password at the cost of real ones, made once per cost and
    checked when the email is unknown, so that response time does not tell which emails have
    accounts."""
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds=rounds))


def bcrypt_cost(hashed: str | bytes) -> int:
    """The cost factor written in a bcrypt hash (``$2b$12$...`` -> 12)."""
    text = hashed.decode() if isinstance(hashed, bytes) else hashed
    return int(text.split("$")[2])


async def hash_password(password: str, *, rounds: int) -> str:
    raw = password.encode()
    hashed = await to_thread.run_sync(lambda: bcrypt.hashpw(raw, bcrypt.gensalt(rounds=rounds)))
    return hashed.decode()


async def verify_password(password: str, hashed: str | None, *, rounds: int) -> bool:
    """Check a password; with no hash (unknown email) check a stand-in of cost ``rounds`` (the
    configured cost of new hashes) so that the answer takes as long, and is False."""
    raw = password.encode()
    if len(raw) > BCRYPT_MAX_BYTES:
        return False
    target = hashed.encode() if hashed else dummy_hash(rounds)
    ok = await to_thread.run_sync(lambda: bcrypt.checkpw(raw, target))
    return ok and hashed is not None


@dataclass(frozen=True)
class AccessClaims:
    account_id: uuid.UUID
    issued_at: datetime
    session_version: int  # the account's session_version when the token was issued


def issue_access_token(
    account_id: uuid.UUID,
    *,
    key: str,
    ttl_seconds: int,
    session_version: int = 0,
    now: datetime | None = None,
) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": str(account_id),
        "type": ACCESS,
        SESSION_VERSION: session_version,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, key, algorithm=JWT_ALGORITHM)


class InvalidToken(Exception):
    pass


# Tokens whose signature was verified, with their expiry: every API request carries one, and a
# client sends the same token until it expires, so each is verified once per process. The expiry is
# still checked on every use; the key is part of the entry.
_VERIFIED: dict[tuple[str, str], tuple[AccessClaims, int]] = {}
_VERIFIED_MAX = 10_000


def decode_access_token(token: str, *, key: str) -> AccessClaims:
    known = _VERIFIED.get((key, token))
    if known is not None:
        if time.time() < known[1]:
            return known[0]
        del _VERIFIED[(key, token)]
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "iat", "sub", "type", SESSION_VERSION]},
        )
        if claims["type"] != ACCESS:
            raise InvalidToken("wrong token type")
        version = claims[SESSION_VERSION]
        if not isinstance(version, int) or isinstance(version, bool):
            raise InvalidToken("session version is not an integer")
        verified = AccessClaims(
            account_id=uuid.UUID(str(claims["sub"])),
            issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
            session_version=version,
        )
        expires = int(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(type(exc).__name__) from None
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[(key, token)] = (verified, expires)
    return verified


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # Refresh tokens are 256-bit random values: a fast hash is enough and lets us look them up.
    return hashlib.sha256(token.encode()).hexdigest()
