"""Mass vanishes a full sync held back, the freeze they put on a server's deletions, and the owner's
answer to them.

A full sync that finds most of a library gone at once holds it back (``settle_missing``): nothing
is marked missing, since a server answering with an empty or cut library (a lost mount, a library
emptied by mistake) looks exactly like this; the source ends partial and the run records the
libraries as data (``held_back_libraries``). From then on the server is **frozen**: its deletions
wait until a later *full* sync reads it completely. A refresh never settles missing items, so it
lifts nothing; nor does the owner's answer on its own:

- **confirm** (the items really are gone): the next full sync trusts those libraries and counts what
  it does not find as missing (two passes make an item gone, as always);
- **dismiss** (the server answered wrongly, the items are still there): nothing is marked; the caller
  starts a full sync that reads the server again, and holds back again if it still answers cut.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.sync.models import SyncRun, VanishDecision

# How many finished runs are read back to find each server's latest full verdict. Full runs come
# daily at least (the schedule): a freeze further back than that is long settled.
RUNS_LOOKBACK = 200


class Decision(StrEnum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"


@dataclass(frozen=True)
class HeldLibrary:
    library_id: uuid.UUID | None
    title: str
    vanished: int
    known: int


@dataclass(frozen=True)
class Freeze:
    """A server whose deletions are frozen: the full sync run that held a mass vanish back."""

    connection_id: uuid.UUID
    name: str
    run_id: uuid.UUID
    at: datetime | None
    reasons: list[str]
    libraries: list[HeldLibrary]
    decision: Decision | None = None
    decided_at: datetime | None = None

    @property
    def why(self) -> str:
        if self.decision is Decision.CONFIRM:
            then = "you confirmed the items are gone; the next full sync counts them missing and lifts it"
        elif self.decision is Decision.DISMISS:
            then = "you said the items are still there; a full sync that reads the server completely lifts it"
        else:
            then = (
                "check the server (a lost mount, a library emptied by mistake), then confirm the vanish or "
                "dismiss it; it lasts until a full sync reads it completely"
            )
        return f"deletions on {self.name} are frozen: " + "; ".join(self.reasons) + f". {then}"


def _libraries(source: dict[str, Any]) -> list[HeldLibrary]:
    out = []
    for raw in source.get("held_back_libraries") or ():
        if not isinstance(raw, dict):
            continue
        try:
            library_id: uuid.UUID | None = uuid.UUID(str(raw.get("library_id")))
        except ValueError:
            library_id = None
        out.append(
            HeldLibrary(
                library_id=library_id,
                title=str(raw.get("title") or ""),
                vanished=int(raw.get("vanished") or 0),
                known=int(raw.get("known") or 0),
            )
        )
    return out


def _latest_verdicts(rows: Sequence[Any]) -> dict[uuid.UUID, Freeze]:
    """Newest run first: a source that held a vanish back freezes its server; a full run that read it
    completely settles it; anything else (a refresh, a failed or partial read) decides nothing."""
    decided: dict[str, Freeze | None] = {}
    for run_id, full, sources, finished_at in rows:
        for key, source in (sources or {}).items():
            if key in decided or not isinstance(source, dict):
                continue
            held = [str(r) for r in source.get("held_back") or ()]
            if held:
                try:
                    connection_id = uuid.UUID(key)
                except ValueError:
                    continue
                decided[key] = Freeze(
                    connection_id=connection_id,
                    name=str(source.get("name") or "this server"),
                    run_id=run_id,
                    at=finished_at,
                    reasons=held,
                    libraries=_libraries(source),
                )
            elif full and source.get("status") == "complete":
                decided[key] = None
    return {f.connection_id: f for f in decided.values() if f is not None}


async def freezes(session: AsyncSession, account_id: uuid.UUID) -> dict[uuid.UUID, Freeze]:
    """The account's frozen servers, each with the run that froze it and the owner's answer if any."""
    rows = (
        await session.execute(
            select(SyncRun.id, SyncRun.full, SyncRun.sources, SyncRun.finished_at)
            .where(SyncRun.account_id == account_id, SyncRun.finished_at.is_not(None))
            .order_by(SyncRun.created_at.desc())
            .limit(RUNS_LOOKBACK)
        )
    ).all()
    found = _latest_verdicts(rows)
    if not found:
        return found
    answers = {
        (d.connection_id, d.sync_run_id): d
        for d in await session.scalars(
            select(VanishDecision).where(
                VanishDecision.account_id == account_id,
                VanishDecision.sync_run_id.in_([f.run_id for f in found.values()]),
            )
        )
    }
    out = {}
    for cid, freeze in found.items():
        answer = answers.get((cid, freeze.run_id))
        out[cid] = (
            freeze
            if answer is None
            else replace(freeze, decision=Decision(answer.decision), decided_at=answer.decided_at)
        )
    return out


async def record_decision(session: AsyncSession, account_id: uuid.UUID, freeze: Freeze, decision: Decision) -> None:
    """The owner's answer to the freeze (one per held-back run and server; the caller checks first)."""
    session.add(
        VanishDecision(
            account_id=account_id,
            connection_id=freeze.connection_id,
            sync_run_id=freeze.run_id,
            decision=decision.value,
            library_ids=[str(lib.library_id) for lib in freeze.libraries if lib.library_id is not None],
        )
    )
    await session.flush()


@dataclass(frozen=True)
class Confirmed:
    """Confirmations not acted on yet: the libraries a full sync may count missing despite a vanish."""

    decisions: dict[uuid.UUID, set[uuid.UUID]]

    @property
    def libraries(self) -> set[uuid.UUID]:
        return set().union(*self.decisions.values()) if self.decisions else set()

    def applied_by(self, judged: Collection[uuid.UUID]) -> list[uuid.UUID]:
        """The confirmations every library of which this pass judged."""
        return [d for d, libs in self.decisions.items() if libs and libs <= set(judged)]


async def pending_confirmations(session: AsyncSession, account_id: uuid.UUID, connection_id: uuid.UUID) -> Confirmed:
    rows = await session.scalars(
        select(VanishDecision).where(
            VanishDecision.account_id == account_id,
            VanishDecision.connection_id == connection_id,
            VanishDecision.decision == Decision.CONFIRM.value,
            VanishDecision.applied_run_id.is_(None),
        )
    )
    out: dict[uuid.UUID, set[uuid.UUID]] = {}
    for d in rows:
        libs = set()
        for raw in d.library_ids or ():
            try:
                libs.add(uuid.UUID(str(raw)))
            except ValueError:
                continue
        out[d.id] = libs
    return Confirmed(out)


async def mark_applied(session: AsyncSession, decision_ids: Sequence[uuid.UUID], run_id: uuid.UUID) -> None:
    if decision_ids:
        await session.execute(
            update(VanishDecision).where(VanishDecision.id.in_(decision_ids)).values(applied_run_id=run_id)
        )
