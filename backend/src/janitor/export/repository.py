"""The rows of one tenant's data export, every query scoped to the account."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from janitor.allowlists.models import AllowlistEntry
from janitor.connections.models import Connection, Library
from janitor.deletions.models import DeletionEvent, DeletionSettings, LibraryDeletionDelay, ServerDeletionState
from janitor.library.models import RemoteUser
from janitor.people.models import Assignment, Person, PersonMember
from janitor.reports.models import ReportSettings

# The tables exported as they are (every column); their columns hold no secret. Connections are not
# here: they are exported column by column (schemas.ExportConnection), so a secret added to the table
# later never reaches an export by default.
PLAIN_TABLES: dict[str, tuple[type[DeclarativeBase], Any]] = {
    "libraries": (Library, Library.title),
    "report_settings": (ReportSettings, ReportSettings.account_id),
    "deletion_settings": (DeletionSettings, DeletionSettings.account_id),
    "deletion_servers": (ServerDeletionState, ServerDeletionState.connection_id),
    "library_deletion_delays": (LibraryDeletionDelay, LibraryDeletionDelay.library_id),
    "allowlist": (AllowlistEntry, AllowlistEntry.created_at),
    "people": (Person, Person.name),
    "server_users": (RemoteUser, RemoteUser.name),
    "person_members": (PersonMember, PersonMember.person_id),
    "assignments": (Assignment, Assignment.created_at),
    "deletion_audit_log": (DeletionEvent, DeletionEvent.id),
}


def as_dict(row: DeclarativeBase) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs if c.key != "account_id"}


class ExportRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def connections(self) -> list[Connection]:
        rows = await self.session.scalars(
            select(Connection).where(Connection.account_id == self.account_id).order_by(Connection.created_at)
        )
        return list(rows.all())

    async def table(self, name: str) -> list[dict[str, Any]]:
        model, order = PLAIN_TABLES[name]
        account_id = model.__table__.c.account_id
        rows = await self.session.scalars(select(model).where(account_id == self.account_id).order_by(order))
        return [as_dict(r) for r in rows.all()]
