from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt

from janitor.accounts.repository import AccountRepository
from janitor.core.config import Settings
from janitor.core.deps import AppContext
from janitor.core.security import issue_access_token
from janitor.devtools.pytest_plugin import SignupFn


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/account", headers={"Authorization": f"Bearer {token}"})


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/account")
    assert r.status_code == 401
    assert r.json()["error"] == "not_authenticated"


async def test_tampered_token_is_rejected(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    header, payload, sig = user.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(uuid.uuid4())
    forged = f"{header}.{_b64(claims)}.{sig}"
    assert (await _me(client, forged)).status_code == 401
    flipped = user.access_token[:-2] + ("A" if user.access_token[-2] != "A" else "B") + user.access_token[-1]
    assert (await _me(client, flipped)).status_code == 401
    assert (await _me(client, user.access_token)).status_code == 200


async def test_alg_none_is_rejected(client: httpx.AsyncClient, signup: SignupFn) -> None:
    user = await signup()
    now = int(time.time())
    claims = {"sub": str(user.account_id), "type": "access", "iat": now, "exp": now + 600}
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert (await _me(client, token)).status_code == 401


async def test_other_algorithm_with_right_key_is_rejected(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings
) -> None:
    user = await signup()
    now = int(time.time())
    claims = {"sub": str(user.account_id), "type": "access", "iat": now, "exp": now + 600}
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm="HS384")
    assert (await _me(client, token)).status_code == 401


async def test_expired_token_is_rejected(client: httpx.AsyncClient, signup: SignupFn, settings: Settings) -> None:
    user = await signup()
    key = settings.secret_key.get_secret_value()
    old = issue_access_token(user.account_id, key=key, ttl_seconds=60, now=datetime.now(UTC) - timedelta(hours=1))
    r = await _me(client, old)
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


async def test_wrong_type_and_missing_claims_are_rejected(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings
) -> None:
    user = await signup()
    key = settings.secret_key.get_secret_value()
    now = int(time.time())
    base = {"sub": str(user.account_id), "type": "access", "iat": now, "exp": now + 600, "sv": 0}
    assert (await _me(client, jwt.encode(base, key, algorithm="HS256"))).status_code == 200
    assert (await _me(client, jwt.encode({**base, "type": "refresh"}, key, algorithm="HS256"))).status_code == 401
    for version in ("0", 0.0, True, None, 1):
        assert (await _me(client, jwt.encode({**base, "sv": version}, key, algorithm="HS256"))).status_code == 401
    for claim in ("exp", "iat", "sub", "type", "sv"):
        partial = {k: v for k, v in base.items() if k != claim}
        assert (await _me(client, jwt.encode(partial, key, algorithm="HS256"))).status_code == 401, claim
    assert (await _me(client, jwt.encode({**base, "sub": "not-a-uuid"}, key, algorithm="HS256"))).status_code == 401
    other_key = "another-key-entirely-" + "x" * 43  # long enough for HS256: the signature is what fails
    assert (await _me(client, jwt.encode(base, other_key, algorithm="HS256"))).status_code == 401


async def test_token_of_deleted_account_is_rejected(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings
) -> None:
    key = settings.secret_key.get_secret_value()
    ghost = issue_access_token(uuid.uuid4(), key=key, ttl_seconds=600)
    assert (await _me(client, ghost)).status_code == 401


async def test_a_token_issued_in_the_same_second_as_a_password_change_is_refused(
    client: httpx.AsyncClient, signup: SignupFn, settings: Settings, ctx: AppContext
) -> None:
    user = await signup()
    key = settings.secret_key.get_secret_value()
    r = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password, "new_password": user.password + " changed"},
        headers=user.headers,
    )
    assert r.status_code == 200, r.text
    async with ctx.sessionmaker() as session:
        account = await AccountRepository(session).get(user.account_id)
        assert account is not None
        changed_at = account.credentials_changed_at
    # Issued at the very instant of the change, under the sign-in from before it: a comparison of
    # whole seconds (iat against the change time) cannot tell it from a token issued just after.
    before = issue_access_token(user.account_id, key=key, ttl_seconds=600, now=changed_at)
    assert (await _me(client, before)).status_code == 401
    assert (await _me(client, user.access_token)).status_code == 401
    assert (await _me(client, r.json()["access_token"])).status_code == 200
    # and a second change retires the tokens of the first
    second = await client.post(
        "/api/v1/account/password",
        json={"current_password": user.password + " changed", "new_password": user.password + " again"},
        headers={"Authorization": f"Bearer {r.json()['access_token']}"},
    )
    assert second.status_code == 200
    assert (await _me(client, r.json()["access_token"])).status_code == 401
    assert (await _me(client, second.json()["access_token"])).status_code == 200
