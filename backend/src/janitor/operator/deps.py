"""The signed-in operator: every route of ``/api/v1/operator`` depends on it (401 without a valid
token, 403 for an account without the role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from janitor.accounts.deps import CurrentAccount
from janitor.accounts.models import Account
from janitor.operator.errors import OperatorsOnly


async def current_operator(account: CurrentAccount) -> Account:
    if not account.is_operator:
        raise OperatorsOnly()
    return account


CurrentOperator = Annotated[Account, Depends(current_operator)]
