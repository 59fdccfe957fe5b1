from __future__ import annotations

import uuid

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from janitor.core.config import Settings
from janitor.core.crypto import CredentialError, TokenCipher

A, B = uuid.uuid4(), uuid.uuid4()
C1, C2 = uuid.uuid4(), uuid.uuid4()


def test_round_trip_and_ciphertext_hides_the_secret() -> None:
    cipher = TokenCipher([Fernet.generate_key()])
    ct = cipher.encrypt("plex-token-123", account_id=A, connection_id=C1)
    assert "plex-token-123" not in ct
    assert cipher.decrypt(ct, account_id=A, connection_id=C1) == "plex-token-123"


@pytest.mark.parametrize(("account", "connection"), [(B, C1), (A, C2), (B, C2)])
def test_ciphertext_moved_to_another_row_fails(account: uuid.UUID, connection: uuid.UUID) -> None:
    cipher = TokenCipher([Fernet.generate_key()])
    ct = cipher.encrypt("secret", account_id=A, connection_id=C1)
    with pytest.raises(CredentialError, match="another connection"):
        cipher.decrypt(ct, account_id=account, connection_id=connection)


def test_rotation_old_key_still_decrypts_and_rotate_moves_to_newest() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    ct_old = TokenCipher([old]).encrypt("s", account_id=A, connection_id=C1)
    both = TokenCipher([new, old])
    assert both.decrypt(ct_old, account_id=A, connection_id=C1) == "s"
    rotated = both.rotate(ct_old)
    assert TokenCipher([new]).decrypt(rotated, account_id=A, connection_id=C1) == "s"
    with pytest.raises(CredentialError):
        TokenCipher([old]).decrypt(rotated, account_id=A, connection_id=C1)


def test_tampered_or_foreign_ciphertext_is_refused_without_leaking() -> None:
    cipher = TokenCipher([Fernet.generate_key()])
    ct = cipher.encrypt("top-secret", account_id=A, connection_id=C1)
    tampered = ct[:-4] + ("AAAA" if not ct.endswith("AAAA") else "BBBB")
    with pytest.raises(CredentialError) as info:
        cipher.decrypt(tampered, account_id=A, connection_id=C1)
    assert "top-secret" not in str(info.value)
    with pytest.raises(CredentialError):
        TokenCipher([Fernet.generate_key()]).decrypt(ct, account_id=A, connection_id=C1)


def test_keys_come_from_settings() -> None:
    k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    cipher = TokenCipher.from_settings(Settings(fernet_keys=SecretStr(f"{k1}, {k2}")))
    ct = TokenCipher([k2.encode()]).encrypt("x", account_id=A, connection_id=C1)
    assert cipher.decrypt(ct, account_id=A, connection_id=C1) == "x"
    with pytest.raises(CredentialError, match="not a Fernet key"):
        TokenCipher.from_settings(Settings(fernet_keys=SecretStr("not-a-key")))
    # development without configured keys still works (derived key), production never derives
    assert TokenCipher.from_settings(Settings(env="development"))
