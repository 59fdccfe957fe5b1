"""Common and breached passwords are refused at sign-up and at a password change (ASVS 2.1.7)."""

from __future__ import annotations

from importlib.resources import files

import httpx
import pytest

from janitor.accounts.passwords import LIST_FILE, common_passwords, is_common
from janitor.devtools.pytest_plugin import TEST_PASSWORD, SignupFn


def test_the_list_ships_with_its_source_and_licence() -> None:
    data = files("janitor.accounts").joinpath("data")
    assert data.joinpath(LIST_FILE).is_file()
    assert "Permission is hereby granted, free of charge" in data.joinpath("common-passwords.LICENSE.txt").read_text()
    assert "@zxcvbn-ts/language-common" in data.joinpath("common-passwords.SOURCE.md").read_text()
    passwords = common_passwords()
    assert len(passwords) > 45_000
    assert {"password", "123456", "qwertyuiop", "password123", "iloveyou"} <= passwords
    assert all(p == p.lower() and p.strip() == p and p for p in passwords)


@pytest.mark.parametrize("password", ["password123", "Password123", "QWERTYUIOP", "1q2w3e4r5t"])
def test_the_check_ignores_case(password: str) -> None:
    assert is_common(password)


def test_a_passphrase_of_ones_own_is_not_common() -> None:
    assert not is_common(TEST_PASSWORD)
    assert not is_common("password123 but longer and mine")


async def test_signup_refuses_a_common_password_on_the_password_field(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/signup", json={"email": "pat@example.com", "password": "Password123"})
    # Which passwords are common is the list's to say, not the schema's: a 400 naming the field.
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "password_rejected"
    [field] = body["fields"]
    assert field["field"] == "password"
    assert "most common passwords" in field["message"]
    assert "choose one of your own" in field["message"]
    login = await client.post("/api/v1/auth/login", json={"email": "pat@example.com", "password": "Password123"})
    assert login.status_code == 401  # nothing was written


async def test_a_password_change_refuses_a_common_password(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    r = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password, "new_password": "QwertyUIOP"},
        headers=user.headers,
    )
    assert r.status_code == 400 and r.json()["error"] == "password_rejected"
    [field] = r.json()["fields"]
    assert field["field"] == "new_password"
    assert "most common passwords" in field["message"]
    # the old password still holds, the session too
    assert (await client.get("/api/v1/account", headers=user.headers)).status_code == 200
    login = await client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200
