from __future__ import annotations

import uuid

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select

from janitor.cli import rotate_keys
from janitor.connections.models import Connection
from janitor.core.config import Settings
from janitor.core.crypto import CredentialError, TokenCipher
from janitor.core.deps import AppContext
from janitor.devtools.pytest_plugin import SignupFn


async def test_rotate_keys_moves_every_token_to_the_newest_key(
    ctx: AppContext, signup: SignupFn, settings: Settings
) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    user = await signup()
    ids = [uuid.uuid4() for _ in range(3)]
    async with ctx.sessionmaker() as s, s.begin():
        for i, cid in enumerate(ids):
            ct = TokenCipher([old]).encrypt(f"secret-{i}", account_id=user.account_id, connection_id=cid)
            s.add(
                Connection(
                    id=cid,
                    account_id=user.account_id,
                    kind="jellyseerr",
                    name=f"s{i}",
                    base_url=f"http://s{i}",
                    server_id=None,
                    token_ciphertext=ct,
                    options={},
                    sync_state={},
                )
            )
    keys = SecretStr(f"{new.decode()},{old.decode()}")
    assert await rotate_keys(settings.model_copy(update={"fernet_keys": keys}), batch=2) == 3
    only_new = TokenCipher([new])
    async with ctx.sessionmaker() as s:
        rows = (await s.execute(select(Connection.id, Connection.token_ciphertext).order_by(Connection.name))).all()
    assert [only_new.decrypt(ct, account_id=user.account_id, connection_id=cid) for cid, ct in rows] == [
        "secret-0",
        "secret-1",
        "secret-2",
    ]
    with pytest.raises(CredentialError):
        TokenCipher([old]).decrypt(rows[0][1], account_id=user.account_id, connection_id=rows[0][0])
