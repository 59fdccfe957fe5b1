"""Rows of the group queries as groups, each with its proposed or chosen keeper and why."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.reports.common import PageParams, fetch_page
from janitor.reports.copies import other_copies
from janitor.reports.duplicates.queries import GROUPS_SQL, group_query, grouped
from janitor.reports.duplicates.ranking import Copy, copies_of, duration_claim, keeper_reason, rank
from janitor.reports.keepers import (
    Choice,
    GroupIdentity,
    applicable,
    chosen_copies,
    lost,
    stored_choices,
    why_lost,
)
from janitor.reports.models import ReportSettings


class DuplicateGroup(BaseModel):
    kind: Literal["duplicates", "versions"]
    group_id: str = Field(description="This group's copies; a keeper is chosen for exactly these copies")
    title: str
    artist: str | None
    album: str | None
    copies: list[Copy]
    keeper_reason: str
    keeper_chosen: bool = Field(description="The keeper is the copy the owner chose for this group")
    stale_choice: str | None = Field(
        description="Why a keeper chosen for these copies no longer applies (the group changed since)"
    )
    reclaimable_bytes: int
    why: str


AlbumKey = tuple[uuid.UUID, str | None, str | None]


def group_identity(kind: str, members: list[dict[str, Any]]) -> GroupIdentity:
    first = members[0]
    if kind == "versions":
        parts = {str(p.get("part_id")) for p in first["parts"] or [] if p.get("part_id")}
        return GroupIdentity("versions", first["connection_id"], str(first["upstream_id"]), frozenset(parts))
    return GroupIdentity("duplicates", first["connection_id"], None, frozenset(str(r["upstream_id"]) for r in members))


def is_chosen(copy: Copy, choice: Choice) -> bool:
    if choice.kind == "versions":
        return copy.upstream_id == choice.upstream_id and copy.part_id == choice.part_id
    return copy.upstream_id == choice.upstream_id


async def duplicate_groups(
    session: AsyncSession,
    account_id: uuid.UUID,
    params: PageParams,
    *,
    settings: ReportSettings,
    album: tuple[str, str] | None = None,
) -> tuple[list[DuplicateGroup], int]:
    """One page of groups; ``album`` (artist, album) keeps those of one album of the album view."""
    sql, args = group_query(GROUPS_SQL, params, account_id, settings, album=album)
    rows, total = await fetch_page(session, sql, args, params)
    return [group for _, group in await build_groups(session, account_id, rows, settings)], total


async def build_groups(
    session: AsyncSession, account_id: uuid.UUID, rows: list[dict[str, Any]], settings: ReportSettings
) -> list[tuple[AlbumKey, DuplicateGroup]]:
    """Rows of ``GROUPS_SQL``-shaped queries as groups, each with its proposed (or chosen) keeper."""
    choices = await stored_choices(session, account_id) if rows else []
    resolved = []
    for (kind, *_), members in grouped(rows).items():
        identity = group_identity(kind, members)
        choice = applicable(identity, choices)
        resolved.append((kind, members, identity, choice, None if choice else lost(identity, choices)))
    chosen_now = await chosen_copies(session, account_id, [stale for *_, stale in resolved if stale])
    # A track another server holds too is one copy here (the candidates hold only its primary).
    elsewhere = await other_copies(session, account_id, (r["id"] for r in rows))
    groups = []
    for kind, members, identity, choice, stale in resolved:
        ranked = sorted(copies_of(members, kind, elsewhere), key=lambda ct: rank(*ct), reverse=True)
        best, best_tags = ranked[0]
        runner, runner_tags = ranked[1] if len(ranked) > 1 else ranked[0]
        reason = keeper_reason(best, runner, best_tags, runner_tags)
        # Never zero keepers: a choice only counts when its copy is one of this group's.
        override = next((c for c, _ in ranked if choice and is_chosen(c, choice)), None)
        if override is not None:
            best, reason = override, "copy you chose"
            ranked.sort(key=lambda ct: ct[0] is not override)
        best.keeper = True
        note = None
        if override is None and stale is not None:
            file, present = chosen_now.get((stale.connection_id, stale.upstream_id), (None, False))
            note = why_lost(stale, identity, settings, file, present)
        first = members[0]
        why = (
            f"{len(ranked)} versions inside one track"
            if kind == "versions"
            else f"{len(ranked)} tracks with the same title, artist and album, "
            + duration_claim([r["duration_ms"] for r in members])
        )
        group = DuplicateGroup(
            kind=kind,
            group_id=identity.id,
            title=first["title"],
            artist=first["artist"],
            album=first["album"],
            copies=[c for c, _ in ranked],
            keeper_reason=f"Keep the {reason}",
            keeper_chosen=override is not None,
            stale_choice=note,
            reclaimable_bytes=sum(c.size_bytes or 0 for c, _ in ranked[1:]),
            why=why,
        )
        groups.append(((first["connection_id"], first["sa"], first["sb"]), group))
    return groups
