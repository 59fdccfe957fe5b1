"""The owner's choice of keeper, checked against the group as the report formed it."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.core.errors import Conflict, NotFound
from janitor.library.models import MediaItem
from janitor.reports.common import PageParams
from janitor.reports.duplicates.groups import group_identity
from janitor.reports.duplicates.queries import GROUPS_SQL, NORMALISED, STRICT, group_query, grouped
from janitor.reports.keepers import GroupIdentity, store_choice
from janitor.reports.models import ReportSettings


class KeeperNotFound(NotFound):
    code = "duplicate_copy_not_found"
    message = "No such track in your synced music libraries."


class DuplicateGroupChanged(Conflict):
    code = "duplicate_group_changed"
    message = (
        "This group's copies changed since you loaded it (a sync or a settings change). "
        "Reload the report and choose again."
    )


async def choose_keeper(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    settings: ReportSettings,
    group_id: str,
    connection_id: uuid.UUID,
    upstream_id: str,
    part_id: str | None,
) -> None:
    """Remember the copy to keep in the group ``group_id`` (as the report showed it): a track among its
    duplicates, or a version of a multi-version track. The group must still hold exactly the copies it
    held when it was shown, else the choice would apply to copies the owner never saw."""
    item = await session.scalar(
        select(MediaItem).where(
            MediaItem.account_id == account_id,
            MediaItem.connection_id == connection_id,
            MediaItem.upstream_id == upstream_id,
            MediaItem.kind == "track",
            MediaItem.gone.is_(False),
        )
    )
    if item is None:
        raise KeeperNotFound()
    if part_id is not None and part_id not in {str(p.get("part_id")) for p in item.parts or []}:
        raise KeeperNotFound("That track has no such version.")
    groups = await _groups_of_track(session, account_id, connection_id, upstream_id, settings=settings)
    group = next((g for g in groups if g.id == group_id), None)
    if group is None:
        raise DuplicateGroupChanged()
    if not group.has(upstream_id, part_id if group.kind == "versions" else None):
        raise KeeperNotFound("That copy is not in this group.")
    await store_choice(session, account_id, group, upstream_id=upstream_id, part_id=part_id, settings=settings)


async def _groups_of_track(
    session: AsyncSession,
    account_id: uuid.UUID,
    connection_id: uuid.UUID,
    upstream_id: str,
    *,
    settings: ReportSettings,
) -> list[GroupIdentity]:
    """The groups holding this track now, formed exactly as the report forms them: every group of the
    track's key on its server (a whole partition, so the clusters are the report's)."""
    key = STRICT if settings.duplicate_strict else NORMALISED
    scope = (
        f"AND m.connection_id = :c AND {key} IN "
        f"(SELECT {key} FROM duplicate_candidates m WHERE m.account_id = :a AND m.connection_id = :c "
        "AND m.upstream_id = :u)"
    )
    sql, args = group_query(GROUPS_SQL, PageParams(page=1, page_size=1), account_id, settings, scope=scope)
    args.update(c=connection_id, u=upstream_id, limit=None, offset=0)
    rows = [dict(r) for r in (await session.execute(text(sql), args)).mappings().all()]
    return [group_identity(kind, members) for (kind, *_), members in grouped(rows).items()]
