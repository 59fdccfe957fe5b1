"""The operator's command line, ``janitor`` (or ``python -m janitor.cli``): migrate, check-config,
rotate-keys, deletions, accounts, operator, sync, verification,
send-test-mail. ``janitor COMMAND --help`` says more."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys

from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError
from sqlalchemy import select, update

from janitor.accounts.addresses import set_verification_required, verification_required
from janitor.accounts.admin import NoSuchAccount, set_disabled
from janitor.cli import tenants
from janitor.connections.models import Connection
from janitor.core.config import Settings
from janitor.core.crypto import TokenCipher
from janitor.core.db import create_engine, create_sessionmaker
from janitor.core.errors import AppError
from janitor.deletions.switches import Switch, global_switch, set_global_switch
from janitor.mail import smtp
from janitor.mail.compose import render
from janitor.mail.errors import MailError


async def rotate_keys(settings: Settings, *, batch: int = 500) -> int:
    """Re-encrypt every connection token with the newest key, in batches, each its own transaction."""
    cipher = TokenCipher.from_settings(settings)
    engine = create_engine(settings.database_url, pool_size=1)
    sessions = create_sessionmaker(engine)
    done = 0
    try:
        last = None
        while True:
            async with sessions() as session, session.begin():
                stmt = select(Connection.id, Connection.token_ciphertext).order_by(Connection.id).limit(batch)
                if last is not None:
                    stmt = stmt.where(Connection.id > last)
                rows = (await session.execute(stmt)).all()
                for conn_id, ciphertext in rows:
                    await session.execute(
                        update(Connection)
                        .where(Connection.id == conn_id)
                        .values(token_ciphertext=cipher.rotate(ciphertext))
                    )
            if not rows:
                return done
            done += len(rows)
            last = rows[-1][0]
    finally:
        await engine.dispose()


async def deletions_switch(settings: Settings, action: str, *, note: str | None = None) -> Switch:
    """The operator's global kill switch: ``disable`` stops every deletion of the service (queued rows
    wait, cancelling still works), ``enable`` lets them go on, ``status`` reads it."""
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            if action == "status":
                return await global_switch(session)
            return await set_global_switch(session, disabled=action == "disable", note=note)
    finally:
        await engine.dispose()


def describe(switch: Switch) -> str:
    if not switch.disabled:
        return "deletions are enabled (the operator's kill switch is off)"
    since = f" since {switch.updated_at.isoformat()}" if switch.updated_at else ""
    note = f": {switch.note}" if switch.note else ""
    return f"deletions are DISABLED for every account{since}{note}"


async def accounts_switch(settings: Settings, email: str, *, disabled: bool) -> str:
    """``janitor accounts disable|enable EMAIL``."""
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            account = await set_disabled(session, email, disabled=disabled)
    finally:
        await engine.dispose()
    if account.disabled_at is None:
        return f"{account.email} is enabled: it can sign in, and its syncs and deletions run"
    return (
        f"{account.email} is DISABLED since {account.disabled_at.isoformat()}: signed out everywhere, "
        "it cannot sign in, its syncs and deletions do not run"
    )


async def verification_switch(settings: Settings, action: str) -> bool:
    """``janitor verification on|off|status``: whether new addresses must be confirmed before a
    server can be connected. Once used, it wins over ``JANITOR_EMAIL_VERIFICATION``."""
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            if action != "status":
                await set_verification_required(session, action == "on")
            return await verification_required(session, settings)
    finally:
        await engine.dispose()


def send_test_mail(settings: Settings, address: str) -> int:
    """Send the test mail to ``address`` now (not through the worker): the operator sees at once
    whether the SMTP settings work, and why not."""
    try:
        to = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        print(f"not an e-mail address: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(smtp.send(settings, render("test", to, site=socket.gethostname())))
    except MailError as exc:
        print(f"the test mail was not sent: {exc}", file=sys.stderr)
        return 1
    print(f"sent a test mail to {to} through {settings.smtp_host}:{settings.smtp_port}")
    return 0


def _by_email(actions: argparse._SubParsersAction[argparse.ArgumentParser], **helps: str) -> None:
    """Sub-commands that take one account's e-mail address, each with its help."""
    for action, what in helps.items():
        actions.add_parser(action, help=what).add_argument("email", help="the account's e-mail address")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="janitor",
        description="Media Janitor's operator commands. Settings come from the environment (JANITOR_*) and .env.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("migrate", help="apply every Alembic migration (run before the API and the worker)")
    sub.add_parser("check-config", help="validate the settings from the environment and .env")
    sub.add_parser(
        "rotate-keys",
        help="re-encrypt every stored server token with the newest key of JANITOR_FERNET_KEYS",
    )
    deletions = sub.add_parser("deletions", help="the global kill switch of every deletion").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    disable = deletions.add_parser("disable", help="stop every deletion of every account now (queued rows wait)")
    disable.add_argument("--note", help="why, shown to the owners", default=None)
    deletions.add_parser("enable", help="let deletions go on (each account's own switches and dry-run still apply)")
    deletions.add_parser("status", help="show whether deletions are disabled")
    accounts = sub.add_parser("accounts", help="create an account; disable or enable one").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = accounts.add_parser(
        "create", help="create an account, verified at once (the password is asked for, or read from stdin)"
    )
    create.add_argument("email", help="the new account's e-mail address")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of standard input"
    )
    _by_email(
        accounts,
        disable="sign the account out everywhere and refuse its sign-ins, syncs and deletions",
        enable="let a disabled account sign in and run again",
    )
    operator = sub.add_parser("operator", help="grant or revoke the operator role (the console)").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    _by_email(
        operator,
        grant="make the account an operator: it sees the operator console at /operator",
        revoke="take the operator role away",
    )
    sync = sub.add_parser("sync", help="sync an account's servers").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    run = sync.add_parser("run", help="queue a sync of every server of the account, as its Refresh button does")
    run.add_argument("email", help="the account's e-mail address")
    run.add_argument("--full", action="store_true", help="read everything (a full pass), not only what changed")
    run.add_argument("--wait", action="store_true", help="wait for the sync to end and print how it went")
    run.add_argument("--timeout", type=float, default=3600, help="with --wait: give up waiting after this many seconds")
    verification = sub.add_parser(
        "verification", help="whether accounts must confirm their e-mail address before connecting a server"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    verification.add_parser("on", help="require it (unconfirmed accounts can look around, not connect servers)")
    verification.add_parser("off", help="do not require it (e.g. a self-hosted install for one household)")
    verification.add_parser("status", help="show whether it is required")
    test_mail = sub.add_parser("send-test-mail", help="send a test mail now through the JANITOR_SMTP_* settings")
    test_mail.add_argument("address", help="where to send it")
    return parser


def _accounts(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "create":
        password = tenants.read_password(from_stdin=args.password_stdin)
        account = asyncio.run(tenants.create_account(settings, args.email, password))
        print(f"created {account.email} (verified); it can sign in now")
    else:
        print(asyncio.run(accounts_switch(settings, args.email, disabled=args.action == "disable")))
    return 0


def _sync(settings: Settings, args: argparse.Namespace) -> int:
    said, ok = asyncio.run(tenants.run_sync(settings, args.email, full=args.full, wait=args.wait, limit=args.timeout))
    print(said, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return _run(settings, args)
    except (NoSuchAccount, tenants.CommandFailed) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except AppError as exc:  # the API's own refusals (a common password, a taken address, no server)
        print(exc.detail, file=sys.stderr)
        return 2


def _run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "deletions":
        switch = asyncio.run(deletions_switch(settings, args.action, note=getattr(args, "note", None)))
        print(describe(switch))
        return 0
    if args.command == "accounts":
        return _accounts(settings, args)
    if args.command == "operator":
        print(asyncio.run(tenants.set_operator(settings, args.email, operator=args.action == "grant")))
        return 0
    if args.command == "sync":
        return _sync(settings, args)
    if args.command == "verification":
        required = asyncio.run(verification_switch(settings, args.action))
        print(
            "e-mail verification is ON: accounts confirm their address before connecting a server"
            if required
            else "e-mail verification is OFF: any signed-in account can connect a server"
        )
        return 0
    if args.command == "send-test-mail":
        return send_test_mail(settings, args.address)
    if args.command == "rotate-keys":
        count = asyncio.run(rotate_keys(settings))
        print(f"re-encrypted {count} stored tokens with the newest key; older keys can now be removed")
        return 0
    if args.command == "migrate":
        from janitor.core.migrations import upgrade_to_head

        upgrade_to_head(settings.database_url)
        print("database is at the latest migration")
    else:
        print(f"configuration is valid (env={settings.env})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
