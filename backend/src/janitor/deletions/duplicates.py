"""Queue the extra copies of a duplicate group, keeping its keeper.

The group is found as the duplicates report forms it now (its ``group_id`` names exactly its copies:
a group that changed since the report was loaded is not found, 404). Its keeper is the report's
(the owner's choice when it applies, else the proposed one). Queued are:

* a **duplicates** group: every track but the keeper, whole;
* a **versions** group (one track holding several versions): the versions that are not the keeper,
  each as its own target (``media_id``: Plex deletes that version only, never the track with all its
  versions). Only Plex can do that. A version whose files include the keeper's part is the keeper.

Only when the group keeps a copy: the keeper must be present and not itself queued. A copy on the
Protected list is left out (with why). Each row's ``details`` holds the group as it was (its id,
keeper and members), so the deleter can check again, at the moment of deleting, that a copy remains."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, ConnectionKind
from janitor.deletions.errors import DuplicateGroupNotFound, GroupKeepsNothing
from janitor.deletions.models import DeletionReason
from janitor.deletions.queue import Target, active_row
from janitor.deletions.schemas import QueueGroupIn, QueueResult
from janitor.deletions.targets import Batch, Planned, TargetRepository, name_of, queue_batch
from janitor.library.models import MediaItem
from janitor.reports.common import PageParams, every_page
from janitor.reports.duplicates import Copy, DuplicateGroup, duplicate_groups
from janitor.reports.service import ReportSettingsService


async def find_group(
    session: AsyncSession, account_id: uuid.UUID, group_id: str, connection_id: uuid.UUID | None
) -> DuplicateGroup:
    """The report's group with this id now (the report's own query, every group of the server)."""
    settings = await ReportSettingsService(session, account_id).get()

    async def load(p: PageParams) -> tuple[list[DuplicateGroup], int]:
        return await duplicate_groups(session, account_id, p, settings=settings)

    async for page in every_page(load, PageParams(connection_id=connection_id)):
        for group in page:
            if group.group_id == group_id:
                return group
    raise DuplicateGroupNotFound()


def _media_of(item: MediaItem, part_id: str | None) -> str:
    return next((str(p.get("media_id") or "") for p in item.parts or [] if str(p.get("part_id")) == part_id), "")


async def queue_group(session: AsyncSession, account_id: uuid.UUID, body: QueueGroupIn) -> QueueResult:
    group = await find_group(session, account_id, body.group_id, body.connection_id)
    keepers = [c for c in group.copies if c.keeper]
    if len(keepers) != 1:
        raise GroupKeepsNothing("Nothing was queued: this group has no single copy to keep.")
    keeper = keepers[0]
    repo = TargetRepository(session, account_id)
    connection = (await repo.connections([keeper.connection_id])).get(keeper.connection_id)
    items = await repo.items((c.connection_id, c.upstream_id) for c in group.copies)
    kept = items.get((keeper.connection_id, keeper.upstream_id))
    if connection is None or kept is None:
        raise DuplicateGroupNotFound()
    if group.kind == "versions":
        keeper_media, targets = _versions(connection, kept, group.copies, keeper)
    else:
        keeper_media, targets = "", _tracks(items, group.copies)
    if not targets:
        raise GroupKeepsNothing("Nothing was queued: every other copy of this group is part of the one it keeps.")
    await _keeper_not_queued(session, account_id, connection, kept, keeper_media)
    details = {
        "group_id": group.group_id,
        "group_kind": group.kind,
        "why": f"{group.why}; {group.keeper_reason[0].lower()}{group.keeper_reason[1:]}",
        "keeper": {
            "connection_id": str(keeper.connection_id),
            "upstream_id": keeper.upstream_id,
            "media_id": keeper_media,
        },
        "members": [_member(c, items, group.kind) for c in group.copies],
    }
    if body.note:
        details["note"] = body.note
    batch = Batch()
    protected = await repo.protected(item for item, _ in targets)
    for item, media_id in targets:
        if item.id in protected:
            batch.skip(item, "this copy is on your Protected list", media_id)
        else:
            batch.planned.append(Planned(connection, Target(item, media_id), details))
    return await queue_batch(session, account_id, batch, reason=DeletionReason.DUPLICATE, now=datetime.now(UTC))


def _tracks(items: dict[tuple[uuid.UUID, str], MediaItem], copies: list[Copy]) -> list[tuple[MediaItem, str]]:
    out = []
    for copy in copies:
        item = items.get((copy.connection_id, copy.upstream_id))
        if copy.keeper:
            continue
        if item is None:  # gone since the report was read: the group is not what the owner saw
            raise DuplicateGroupNotFound()
        out.append((item, ""))
    return out


def _versions(
    connection: Connection, track: MediaItem, copies: list[Copy], keeper: Copy
) -> tuple[str, list[tuple[MediaItem, str]]]:
    if connection.kind != ConnectionKind.PLEX:
        raise GroupKeepsNothing(
            f"Nothing was queued: {connection.name} is a Jellyfin server, which cannot delete one version of an item "
            "(only the item with all its versions)."
        )
    keeper_media = _media_of(track, keeper.part_id)
    if not keeper_media:
        raise GroupKeepsNothing(
            "Nothing was queued: the version this group keeps is not known any more; reload the report."
        )
    others: list[str] = []
    for copy in copies:
        media = _media_of(track, copy.part_id)
        if not media:
            raise DuplicateGroupNotFound()
        if media != keeper_media and media not in others:
            others.append(media)
    return keeper_media, [(track, media) for media in others]


async def _keeper_not_queued(
    session: AsyncSession, account_id: uuid.UUID, connection: Connection, kept: MediaItem, keeper_media: str
) -> None:
    """The copy the group keeps must not be on its way out (the whole track, or its kept version)."""
    for media_id in dict.fromkeys(["", keeper_media]):
        row = await active_row(
            session, account_id, connection_id=connection.id, item_upstream_id=kept.upstream_id, media_id=media_id
        )
        if row is not None:
            raise GroupKeepsNothing(
                f"Nothing was queued: the copy this group keeps, {name_of(kept, connection)}, is itself queued for "
                "deletion. Cancel that first, or choose another keeper."
            )


def _member(copy: Copy, items: dict[tuple[uuid.UUID, str], MediaItem], kind: str) -> dict[str, Any]:
    item = items.get((copy.connection_id, copy.upstream_id))
    media = _media_of(item, copy.part_id) if item is not None and kind == "versions" else ""
    return {
        "connection_id": str(copy.connection_id),
        "upstream_id": copy.upstream_id,
        "media_id": media,
        "part_id": copy.part_id,
        "file": copy.file,
        "keeper": copy.keeper,
    }
