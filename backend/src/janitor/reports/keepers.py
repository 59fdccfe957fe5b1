"""The keeper the owner chose, bound to one group.

A group is its copies: the tracks of a duplicates group (one server, one key, one duration cluster),
or the versions (parts) of one multi-version track. A choice is stored with the copies of the group
it was made in, and applies to a group only when that group holds exactly those copies and the
chosen one among them. So a choice never applies to a group it was not made for, never moves to
another copy, and never leaves a group without a keeper: a group without an applicable choice keeps
the automatic keeper.

When the copies changed (a copy gone from the library, a new copy, the duplicate settings changed
so the group split or grew, a version removed), the latest choice made for a group sharing copies
with it explains on the group why it no longer applies, until the owner chooses again."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.library.models import MediaItem
from janitor.reports.models import DuplicateKeeper, ReportSettings

Kind = Literal["duplicates", "versions"]


def group_id(kind: str, connection_id: uuid.UUID, track: str | None, members: Iterable[str]) -> str:
    """The stable id of a group's identity: its kind, server and copies (for versions, the track and
    its parts). Used by the API to name the group a choice was made in, and as the stored key."""
    text = "\x1f".join([kind, str(connection_id), track or "", *sorted(members)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class GroupIdentity:
    kind: Kind
    connection_id: uuid.UUID
    track: str | None  # versions: the multi-version track
    members: frozenset[str]  # duplicates: track ids; versions: part ids

    @property
    def id(self) -> str:
        return group_id(self.kind, self.connection_id, self.track, self.members)

    def has(self, upstream_id: str, part_id: str | None) -> bool:
        """Whether this copy is one of the group's."""
        if self.kind == "versions":
            return upstream_id == self.track and part_id is not None and part_id in self.members
        return upstream_id in self.members


@dataclass(frozen=True)
class Choice:
    group_id: str
    kind: str
    connection_id: uuid.UUID
    members: frozenset[str]
    upstream_id: str
    part_id: str | None
    strict: bool
    tolerance_seconds: int
    chosen_at: datetime

    @property
    def chosen(self) -> str:
        """The chosen copy as a member: the track (duplicates) or the part (versions)."""
        return (self.part_id or "") if self.kind == "versions" else self.upstream_id

    def touches(self, group: GroupIdentity) -> bool:
        """Made for a group sharing copies with ``group`` (the same track, for versions)."""
        if self.kind != group.kind or self.connection_id != group.connection_id:
            return False
        if group.kind == "versions":
            return self.upstream_id == group.track
        return not self.members.isdisjoint(group.members)


def applicable(group: GroupIdentity, choices: Iterable[Choice]) -> Choice | None:
    """The choice made for exactly this group, if any: same kind, server and copies, the chosen copy
    among them."""
    for choice in choices:
        if (
            choice.group_id == group.id
            and choice.kind == group.kind
            and choice.connection_id == group.connection_id
            and choice.members == group.members
            and choice.chosen in group.members
        ):
            return choice
    return None


def lost(group: GroupIdentity, choices: Iterable[Choice]) -> Choice | None:
    """When no choice applies: the latest choice made for a group sharing copies with this one."""
    touching = [c for c in choices if c.touches(group)]
    return max(touching, key=lambda c: (c.chosen_at, c.group_id)) if touching else None


def _settings_change(choice: Choice, settings: ReportSettings) -> str | None:
    was, now = choice.strict, settings.duplicate_strict
    if was != now:
        return "strict matching was turned " + ("on" if now else "off")
    if not now and choice.tolerance_seconds != settings.duplicate_tolerance_seconds:
        return (
            f"the duration tolerance changed from {choice.tolerance_seconds} s "
            f"to {settings.duplicate_tolerance_seconds} s"
        )
    return None


def why_lost(
    choice: Choice, group: GroupIdentity, settings: ReportSettings, chosen_file: str | None, present: bool
) -> str:
    """ "Your choice no longer applies because …" for a group the choice was not made for.

    ``present``: the chosen copy is still in the library (not gone); ``chosen_file``: its file name."""
    named = f" ({chosen_file})" if chosen_file else ""
    if group.kind == "versions":
        if choice.chosen not in group.members:
            reason = f"the version you chose{named} is no longer part of this track"
        else:
            reason = _changes(group.members - choice.members, choice.members - group.members, "versions")
        return f"Your choice no longer applies because {reason}."
    if choice.upstream_id not in group.members:
        where = "in this group" if present else "in your library"
        reason = f"the copy you chose{named} is no longer {where}"
    else:
        reason = _changes(group.members - choice.members, choice.members - group.members, "duplicates")
    change = _settings_change(choice, settings)
    if change:
        reason += f" ({change})"
    return f"Your choice no longer applies because {reason}."


def _changes(joined: frozenset[str], left: frozenset[str], kind: str) -> str:
    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    parts = []
    if kind == "versions":
        if joined:
            parts.append(f"{n(len(joined), 'new version was', 'new versions were')} added to the track")
        if left:
            parts.append(f"{n(len(left), 'version was', 'versions were')} removed from the track")
    else:
        if joined:
            parts.append(f"{n(len(joined), 'new copy', 'new copies')} joined the group")
        if left:
            parts.append(f"{n(len(left), 'copy', 'copies')} left the group")
    return " and ".join(parts) or "the group changed"


async def stored_choices(session: AsyncSession, account_id: uuid.UUID) -> list[Choice]:
    """Every choice of the account: an account decides few groups by hand, so reading them all is
    cheaper than asking for thousands of group ids."""
    rows = await session.scalars(select(DuplicateKeeper).where(DuplicateKeeper.account_id == account_id))
    return [
        Choice(
            group_id=k.group_id,
            kind=k.kind,
            connection_id=k.connection_id,
            members=frozenset(k.members),
            upstream_id=k.upstream_id,
            part_id=k.part_id,
            strict=k.strict,
            tolerance_seconds=k.tolerance_seconds,
            chosen_at=k.chosen_at,
        )
        for k in rows
    ]


async def chosen_copies(
    session: AsyncSession, account_id: uuid.UUID, choices: Iterable[Choice]
) -> dict[tuple[uuid.UUID, str], tuple[str | None, bool]]:
    """The chosen tracks of ``choices`` as they are now: (connection, track) -> (file, still present)."""
    wanted = {(c.connection_id, c.upstream_id) for c in choices}
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            MediaItem.connection_id,
            MediaItem.upstream_id,
            MediaItem.gone,
            MediaItem.parts,
        ).where(
            MediaItem.account_id == account_id,
            MediaItem.kind == "track",
            MediaItem.upstream_id.in_({u for _, u in wanted}),
        )
    )
    out: dict[tuple[uuid.UUID, str], tuple[str | None, bool]] = {}
    for r in rows:
        if (r.connection_id, r.upstream_id) in wanted:
            files = [str(p.get("file") or "") for p in r.parts or []]
            out[(r.connection_id, r.upstream_id)] = (_file_name(files[0]) if files else None, not r.gone)
    return out


def _file_name(path: str) -> str | None:
    return path.replace("\\", "/").rsplit("/", 1)[-1] or None


async def store_choice(
    session: AsyncSession,
    account_id: uuid.UUID,
    group: GroupIdentity,
    *,
    upstream_id: str,
    part_id: str | None,
    settings: ReportSettings,
) -> None:
    """Remember the copy to keep in exactly this group (replacing an earlier choice for it)."""
    if not group.has(upstream_id, part_id):
        raise ValueError("the chosen copy is not in the group")  # the callers check it first
    stmt = insert(DuplicateKeeper).values(
        account_id=account_id,
        group_id=group.id,
        connection_id=group.connection_id,
        kind=group.kind,
        members=sorted(group.members),
        upstream_id=upstream_id,
        part_id=part_id if group.kind == "versions" else None,
        strict=settings.duplicate_strict,
        tolerance_seconds=settings.duplicate_tolerance_seconds,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["account_id", "group_id"],
            set_={
                "upstream_id": stmt.excluded.upstream_id,
                "part_id": stmt.excluded.part_id,
                "strict": stmt.excluded.strict,
                "tolerance_seconds": stmt.excluded.tolerance_seconds,
                "chosen_at": func.now(),
            },
        )
    )
