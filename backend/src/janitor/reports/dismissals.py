"""Large movies kept at their size: the owner dismisses a row of the large movies report.

A dismissal names the file it was judged on (its size and its first file path): a different file (the
movie replaced, re-encoded, upgraded) is a new question and the movie is in the report again. The
report reads the dismissals itself (``reports/large.py``); the write routes publish
``Change.REPORT_INPUTS`` and are write requests, so the page cache and the dashboard summary follow."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Library
from janitor.core.errors import Conflict, NotFound
from janitor.library.models import MediaItem
from janitor.reports.models import LargeDismissal


class LargeMovieNotFound(NotFound):
    code = "large_movie_not_found"
    message = "No such movie in your synced libraries (it may have been removed since the report was loaded)."


class LargeSizeUnknown(Conflict):
    code = "large_size_unknown"
    message = "The server has not reported this movie's file size yet: sync it, then try again."


class DismissalNotFound(NotFound):
    code = "large_dismissal_not_found"
    message = "This movie is not dismissed from the large movies report."


async def dismiss_large(
    session: AsyncSession, account_id: uuid.UUID, *, connection_id: uuid.UUID, upstream_id: str, note: str | None
) -> LargeDismissal:
    """Keep this movie at its current file's size (again, if its file changed since the last time)."""
    item = (
        await session.execute(
            select(MediaItem.size_bytes, MediaItem.parts)
            .join(Library, Library.id == MediaItem.library_id)
            .where(
                MediaItem.account_id == account_id,
                MediaItem.connection_id == connection_id,
                MediaItem.upstream_id == upstream_id,
                MediaItem.kind == "movie",
                MediaItem.gone.is_(False),
                Library.enabled.is_(True),
            )
        )
    ).one_or_none()
    if item is None:
        raise LargeMovieNotFound()
    if item.size_bytes is None:
        raise LargeSizeUnknown()
    parts = item.parts or []
    file = parts[0].get("file") if parts and isinstance(parts[0], dict) else None
    values = {"size_bytes": item.size_bytes, "file": file, "note": note, "dismissed_at": func.now()}
    stmt = (
        insert(LargeDismissal)
        .values(account_id=account_id, connection_id=connection_id, upstream_id=upstream_id, **values)
        .on_conflict_do_update(index_elements=["account_id", "connection_id", "upstream_id"], set_=values)
        .returning(LargeDismissal)
    )
    return (await session.execute(stmt)).scalar_one()


async def restore_large(
    session: AsyncSession, account_id: uuid.UUID, *, connection_id: uuid.UUID, upstream_id: str
) -> None:
    """Undo a dismissal: the movie is in the report again (if it is still above the threshold)."""
    gone = await session.execute(
        delete(LargeDismissal)
        .where(
            LargeDismissal.account_id == account_id,
            LargeDismissal.connection_id == connection_id,
            LargeDismissal.upstream_id == upstream_id,
        )
        .returning(LargeDismissal.upstream_id)
    )
    if gone.first() is None:
        raise DismissalNotFound()
