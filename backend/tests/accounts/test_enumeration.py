"""Login must not tell, by its cost, whether an email has an account."""

from __future__ import annotations

import bcrypt
import pytest

from janitor.core.config import Settings
from janitor.core.security import bcrypt_cost, dummy_hash, hash_password
from janitor.devtools.pytest_plugin import TEST_PASSWORD, running_client
from janitor.main import create_app


@pytest.mark.parametrize("rounds", [4, 5, 6])
async def test_the_stand_in_hash_costs_what_a_real_hash_costs(rounds: int) -> None:
    real = await hash_password("a real password", rounds=rounds)
    assert bcrypt_cost(dummy_hash(rounds)) == bcrypt_cost(real) == rounds
    assert dummy_hash(rounds) is dummy_hash(rounds)  # made once


async def test_unknown_and_known_emails_check_hashes_of_the_same_cost(
    settings: Settings, clean_state: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cost other than the old fixed stand-in's (4), as a production install has (12).
    app = create_app(settings.model_copy(update={"bcrypt_rounds": 5}))
    checked: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real_checkpw(password, hashed)

    async with running_client(app, client=("192.0.2.77", 1)) as c:
        r = await c.post("/api/v1/auth/signup", json={"email": "known@example.com", "password": TEST_PASSWORD})
        assert r.status_code == 201
        monkeypatch.setattr(bcrypt, "checkpw", spy)
        for email in ("known@example.com", "unknown@example.com"):
            r = await c.post("/api/v1/auth/login", json={"email": email, "password": "a wrong password"})
            assert r.status_code == 401
            assert r.json()["error"] == "invalid_credentials"  # the same answer either way
    assert len(checked) == 2
    known, unknown = checked
    assert bcrypt_cost(known) == 5
    assert bcrypt_cost(unknown) == bcrypt_cost(known)
