"""Encryption of users' server tokens: Fernet through MultiFernet, bound to account and connection.

The ciphertext holds the account id and connection id next to the secret, so a ciphertext copied
into another row (or another tenant's row) fails to decrypt there.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from janitor.core.config import PLACEHOLDER_FERNET_KEY, Settings


class CredentialError(Exception):
    """A stored credential cannot be used (wrong key, tampered, or moved from another row)."""


def _keys(settings: Settings) -> list[bytes]:
    raw = settings.fernet_keys.get_secret_value()
    if PLACEHOLDER_FERNET_KEY in raw:
        if settings.env == "production":  # also refused at start-up; never derive keys in production
            raise CredentialError("JANITOR_FERNET_KEYS is not configured")
        # Development and tests only: a key derived from the secret key, so a fresh checkout runs.
        digest = hashlib.sha256(b"fernet:" + settings.secret_key.get_secret_value().encode()).digest()
        return [base64.urlsafe_b64encode(digest)]
    return [k.strip().encode() for k in raw.split(",") if k.strip()]


class TokenCipher:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise CredentialError("no encryption keys configured")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError:
            raise CredentialError("JANITOR_FERNET_KEYS holds a value that is not a Fernet key") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        return cls(_keys(settings))

    def encrypt(self, secret: str, *, account_id: uuid.UUID, connection_id: uuid.UUID) -> str:
        payload = orjson.dumps({"a": str(account_id), "c": str(connection_id), "s": secret})
        return self._fernet.encrypt(payload).decode()

    def decrypt(self, ciphertext: str, *, account_id: uuid.UUID, connection_id: uuid.UUID) -> str:
        try:
            payload = orjson.loads(self._fernet.decrypt(ciphertext.encode()))
        except (InvalidToken, orjson.JSONDecodeError, ValueError):
            raise CredentialError("the stored credential cannot be decrypted with the configured keys") from None
        if payload.get("a") != str(account_id) or payload.get("c") != str(connection_id):
            raise CredentialError("the stored credential belongs to another connection")
        return str(payload["s"])

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt with the newest key (the binding inside is kept)."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise CredentialError("the stored credential cannot be decrypted with the configured keys") from None
