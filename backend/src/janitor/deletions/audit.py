"""The audit log: one append-only row per thing that happened to a deletion (queued, skipped,
postponed, cancelled, executed, verified, failed, unknown, dry run). Written in the caller's
transaction, so an event is recorded exactly when what it describes is committed."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection
from janitor.deletions.models import AuditEvent, DeletionEvent, QueuedDeletion


async def record(
    session: AsyncSession,
    row: QueuedDeletion,
    event: AuditEvent,
    *,
    server_name: str | None,
    message: str | None = None,
    details: dict[str, Any] | None = None,
    run_id: uuid.UUID | None = None,
) -> None:
    """Append one event about a queue row (its target as it stands, so the log outlives the row's
    connection and item)."""
    session.add(
        DeletionEvent(
            account_id=row.account_id,
            event=event,
            queue_id=row.id,
            run_id=run_id or row.run_id,
            connection_id=row.connection_id,
            server_name=server_name,
            item_upstream_id=row.item_upstream_id,
            media_id=row.media_id or None,
            title=row.title,
            deletion_reason=row.reason,
            message=message,
            size_bytes=row.size_bytes,
            details=details or {},
        )
    )


async def record_server(
    session: AsyncSession,
    account_id: uuid.UUID,
    connection: Connection,
    event: AuditEvent,
    *,
    message: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event about a server (leaving dry-run and back, the owner's answer to a freeze)."""
    session.add(
        DeletionEvent(
            account_id=account_id,
            event=event,
            connection_id=connection.id,
            server_name=connection.name,
            message=message,
            details=details or {},
        )
    )
