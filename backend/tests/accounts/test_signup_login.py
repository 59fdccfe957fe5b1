from __future__ import annotations

import httpx
import pytest

from janitor.devtools.pytest_plugin import TEST_PASSWORD, SignupFn


async def test_signup_returns_session_and_sets_httponly_cookie(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/signup", json={"email": "  Alice@Example.COM ", "password": TEST_PASSWORD})
    assert r.status_code == 201
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["account"]["email"] == "alice@example.com"
    assert body["expires_in"] == 900
    cookie = r.headers["set-cookie"]
    assert "mj_refresh=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/api/v1/auth" in cookie
    assert "password" not in r.text.lower().replace("password_", "")
    me = await client.get("/api/v1/account", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"


async def test_email_is_unique_after_normalisation(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/signup", json={"email": "bob@example.com", "password": TEST_PASSWORD})
    assert r.status_code == 201
    r = await client.post("/api/v1/auth/signup", json={"email": "BOB@EXAMPLE.com ", "password": TEST_PASSWORD})
    assert r.status_code == 409
    assert r.json() == {
        "error": "email_taken",
        "detail": "An account with this email already exists. Sign in instead.",
    }


@pytest.mark.parametrize(
    ("email", "password", "status", "code", "field", "fragment"),
    [
        # What the schema says (format, lengths): 422.
        ("not-an-email", TEST_PASSWORD, 422, "validation_error", "email", "not a valid email"),
        ("a@example.com", "short", 422, "validation_error", "password", "At least 10 characters"),
        ("a@example.com", "a" * 73, 422, "validation_error", "password", "At most 72 characters"),
        # What no schema can say: 400, on the same field.
        ("a@example.com", "é" * 40, 400, "password_rejected", "password", "at most 72 bytes"),
        ("a@example.com", " " * 12, 400, "password_rejected", "password", "only spaces"),
        ("longpass@example.com", "longpass@example.com", 400, "password_rejected", "password", "your email"),
    ],
)
async def test_signup_rejects_bad_input_with_clear_message(
    client: httpx.AsyncClient, email: str, password: str, status: int, code: str, field: str, fragment: str
) -> None:
    r = await client.post("/api/v1/auth/signup", json={"email": email, "password": password})
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == code
    assert fragment in body["detail"]
    assert any(f["field"] == field and fragment in f["message"] for f in body["fields"])
    # nothing was written
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code in (401, 422)


async def test_72_byte_password_is_accepted_and_73_is_not(client: httpx.AsyncClient) -> None:
    ok = "a" * 72
    r = await client.post("/api/v1/auth/signup", json={"email": "edge@example.com", "password": ok})
    assert r.status_code == 201
    r = await client.post("/api/v1/auth/signup", json={"email": "edge2@example.com", "password": ok + "a"})
    assert r.status_code == 422
    # bcrypt would silently ignore byte 73+: make sure login does not accept a longer variant
    r = await client.post("/api/v1/auth/login", json={"email": "edge@example.com", "password": ok + "zzz"})
    assert r.status_code == 401


async def test_login_success_and_wrong_password(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    r = await client.post("/api/v1/auth/login", json={"email": user.email.upper(), "password": user.password})
    assert r.status_code == 200
    assert r.cookies.get("mj_refresh")
    r = await client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong password!"})
    assert r.status_code == 401
    assert r.json() == {"error": "invalid_credentials", "detail": "Wrong email or password."}


async def test_unknown_email_gets_the_same_answer_as_wrong_password(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": TEST_PASSWORD})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_credentials"


async def test_malformed_json_is_a_422_not_a_500(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"] == "validation_error"
