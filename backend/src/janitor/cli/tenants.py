"""``janitor accounts create``, ``janitor operator grant|revoke`` and ``janitor sync run``: what the
operator does for one account on the server's command line."""

from __future__ import annotations

import asyncio
import getpass
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.accounts import admin
from janitor.accounts.models import Account
from janitor.core.config import Settings
from janitor.core.context import build_context, close_context
from janitor.core.deps import AppContext
from janitor.core.queue import JobBuffer
from janitor.operator import audit
from janitor.operator.models import OperatorAction
from janitor.sync.models import ACTIVE, SyncRun, SyncStatus
from janitor.sync.repository import SyncRunRepository
from janitor.sync.service import SyncService


class CommandFailed(Exception):
    """What the command prints on stderr before it exits with status 2 (nothing was changed)."""


@asynccontextmanager
async def _context(settings: Settings) -> AsyncIterator[AppContext]:
    ctx = await build_context(settings.model_copy(update={"db_pool_size": 1}))
    try:
        yield ctx
    finally:
        await close_context(ctx)


def read_password(*, from_stdin: bool, stdin: TextIO | None = None) -> str:
    """The new account's password: the first line of standard input (``--password-stdin``, for
    scripts), or typed twice at a prompt that does not echo it."""
    if from_stdin:
        return (stdin or sys.stdin).readline().rstrip("\r\n")
    first = getpass.getpass("Password for the new account: ")
    if getpass.getpass("The same password again: ") != first:
        raise CommandFailed("the two passwords differ; nothing was created")
    return first


async def create_account(settings: Settings, email: str, password: str) -> Account:
    """``janitor accounts create EMAIL``: verified at once, the sign-up's password rules."""
    async with _context(settings) as ctx, ctx.sessionmaker() as session, session.begin():
        try:
            account = await admin.create_account(session, email, password, bcrypt_rounds=settings.bcrypt_rounds)
        except ValueError as exc:
            raise CommandFailed(f"{email!r} {exc}") from None
        await audit.record(session, OperatorAction.ACCOUNT_CREATED, actor=None, target=account)
        return account


async def set_operator(settings: Settings, email: str, *, operator: bool) -> str:
    """``janitor operator grant|revoke EMAIL``."""
    async with _context(settings) as ctx, ctx.sessionmaker() as session, session.begin():
        account = await admin.set_operator(session, email, operator=operator)
        action = OperatorAction.OPERATOR_GRANTED if operator else OperatorAction.OPERATOR_REVOKED
        await audit.record(session, action, actor=None, target=account)
    if operator:
        return f"{account.email} is an operator: the console is at /operator (reload the app if it is open)"
    return f"{account.email} is no longer an operator"


async def _start(session: AsyncSession, jobs: JobBuffer, email: str, *, full: bool) -> tuple[SyncRun, bool]:
    account = await admin.find(session, email)
    if account.disabled_at is not None:
        raise CommandFailed(f"{account.email} is disabled: its syncs do not run (janitor accounts enable first)")
    return await SyncService(session, account.id, jobs=jobs).start(full=full)


def describe_run(run: SyncRun) -> str:
    said = f"sync {run.id} {run.status}: {run.items} items"
    if run.started_at and run.finished_at:
        said += f" in {(run.finished_at - run.started_at).total_seconds():.1f} s"
    return said + (f" ({run.error})" if run.error else "")


async def run_sync(
    settings: Settings, email: str, *, full: bool = False, wait: bool = False, limit: float = 3600, poll: float = 1
) -> tuple[str, bool]:
    """``janitor sync run EMAIL``: queue a sync of every connection of the account, as Refresh does
    (or find the run already going). With ``wait``, follow it to its end (giving up after ``limit``
    seconds). Returns what to print, and whether it went well (queued, or with ``wait`` ended complete)."""
    async with _context(settings) as ctx:
        jobs = JobBuffer()
        async with ctx.sessionmaker() as session, session.begin():
            run, created = await _start(session, jobs, email, full=full)
            account_id = run.account_id
        await jobs.flush(ctx.redis)
        said = f"queued sync {run.id}" if created else f"sync {run.id} was already {run.status}"
        if not wait:
            return said, True
        print(said, flush=True)
        deadline = time.monotonic() + limit
        while run.status in ACTIVE:
            if time.monotonic() > deadline:
                return f"sync {run.id} is still {run.status} after {limit:g} s; it goes on in the worker", False
            await asyncio.sleep(poll)
            async with ctx.sessionmaker() as session:
                found = await SyncRunRepository(session, account_id).get(run.id)
            if found is None:  # the account was deleted meanwhile
                return f"sync {run.id} is gone (its account was deleted)", False
            run = found
        return describe_run(run), run.status == SyncStatus.COMPLETE
