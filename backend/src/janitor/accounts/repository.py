from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts.models import Account, AccountToken, RefreshToken


class AccountRepository:
    """Accounts are the tenants themselves: every query here is by the account's own id or email."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: uuid.UUID) -> Account | None:
        return await self.session.get(Account, account_id)

    async def by_email(self, email: str) -> Account | None:
        return await self.session.scalar(select(Account).where(Account.email == email))

    async def all_ids(self) -> list[uuid.UUID]:
        """Every tenant's id: for system fan-out jobs only, never for a request."""
        return list((await self.session.scalars(select(Account.id).order_by(Account.id))).all())

    async def add(self, account: Account) -> Account:
        self.session.add(account)
        await self.session.flush()
        return account

    async def delete(self, account: Account) -> None:
        # Tenant tables reference accounts ON DELETE CASCADE; what does not is removed by the
        # subscribers of Change.ACCOUNT_DELETING (AuthService.delete_account).
        await self.session.execute(delete(Account).where(Account.id == account.id))


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID | None = None) -> None:
        self.session = session
        self.account_id = account_id

    async def add(self, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        # Looked up before the account is known: the hash itself is the credential.
        return await self.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))

    async def mark_used(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Compare-and-set: only one of two concurrent refreshes with the same token wins."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
            .values(used_at=now)
            .returning(RefreshToken.id)
        )
        return result.scalar_one_or_none() is not None

    async def revoke_family(self, account_id: uuid.UUID, family_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.account_id == account_id,
                RefreshToken.family_id == family_id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )

    async def revoke_all(self, account_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


class AccountTokenRepository:
    """Single-use mailed tokens (``AccountToken``): looked up by their hash alone (the hash is the
    credential), everything else by the account's own id."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: AccountToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def by_hash(self, purpose: str | tuple[str, ...], token_hash: str) -> AccountToken | None:
        """The token of this hash if it is of ``purpose`` (or of one of them)."""
        purposes = (purpose,) if isinstance(purpose, str) else purpose
        return await self.session.scalar(
            select(AccountToken).where(AccountToken.token_hash == token_hash, AccountToken.purpose.in_(purposes))
        )

    async def use(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Compare-and-set: of two concurrent uses of one token, only one wins, and never after it expired."""
        result = await self.session.execute(
            update(AccountToken)
            .where(
                AccountToken.id == token_id,
                AccountToken.used_at.is_(None),
                AccountToken.revoked_at.is_(None),
                AccountToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(AccountToken.id)
        )
        return result.scalar_one_or_none() is not None

    async def revoke_all(
        self, account_id: uuid.UUID, now: datetime, *, purpose: str | tuple[str, ...] | None = None
    ) -> None:
        """End the account's live tokens (of ``purpose`` or purposes, or every one)."""
        query = update(AccountToken).where(
            AccountToken.account_id == account_id, AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None)
        )
        if isinstance(purpose, str):
            query = query.where(AccountToken.purpose == purpose)
        elif purpose is not None:
            query = query.where(AccountToken.purpose.in_(purpose))
        await self.session.execute(query.values(revoked_at=now))
