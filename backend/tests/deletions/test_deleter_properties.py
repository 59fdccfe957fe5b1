"""Property: whatever the queue holds and whatever the server answers, the deleter never deletes what it
must not, never deletes anything twice, and in a healthy world deletes every due qualifying row
exactly once.

Each example draws, per item of the synced world, what the queue holds for it (nothing, a due row, a
row not yet due, a cancelled one, a protected one, one whose target changed since it was queued, a
version delete that keeps another version, one that would take the last version) and how the server
answers its DELETE (normally, a timeout after which the server still deletes it, 500, 503, a cut
connection, 404, 400, 401). Three runs follow: with the faults, then (the faults gone, the held
deletes done) one that settles the unknown outcomes by reading back, then one more that must find
nothing to do. The simulator is the judge of what was really deleted (its mutation log).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update

from janitor.allowlists.models import AllowlistEntry
from janitor.connections.models import Connection
from janitor.core.ssrf import upstream_http
from janitor.deletions.models import DeletionRun, DeletionSettings, DeletionStatus, QueuedDeletion
from janitor.deletions.queue import move
from janitor.library.models import ExpectedDisappearance, MediaItem

from .conftest import World

NAMES = ["alien", "dune", "big", *(f"m{i}" for i in range(1, 9)), "e1", "e2"]
PLAIN = ["none", "due", "not_due", "cancelled", "protected", "changed"]
FAULTS: list[dict[str, Any] | None] = [
    None,
    {"timeout": True, "timeout_s": 0.6},
    {"status": 500},
    {"status": 503},
    {"reset": True},
    {"status": 404},
    {"status": 400},
    {"status": 401},
]
QUALIFYING = {"due", "version"}


def quick(connection: Connection) -> httpx.AsyncClient:
    return upstream_http(allow_private=True, verify=False, timeout=httpx.Timeout(0.3))


world_states = st.fixed_dictionaries(
    {
        **{name: st.tuples(st.sampled_from(PLAIN), st.sampled_from(FAULTS)) for name in NAMES},
        "heat": st.tuples(st.sampled_from(["none", "version", "not_due"]), st.sampled_from(FAULTS)),
        "matrix": st.tuples(st.sampled_from(["none", "last_version", "due"]), st.sampled_from(FAULTS)),
    }
)


async def restore(world: World, heat_parts: list[dict[str, Any]]) -> None:
    """The world as synced: the simulator's and the database's (the audit log stays: append-only)."""
    world.sim.app.reset()
    async with world.ctx.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE media_items SET gone = false, missing_runs = 0 WHERE account_id = :a"), {"a": world.account_id}
        )
        await session.execute(
            update(MediaItem)
            .where(MediaItem.connection_id == world.plex, MediaItem.upstream_id == world.upstream_id("heat"))
            .values(parts=heat_parts, size_bytes=sum(int(p["size"]) for p in heat_parts))
        )
        for table in (QueuedDeletion, DeletionRun, ExpectedDisappearance, AllowlistEntry):
            await session.execute(delete(table))


async def arrange(world: World, name: str, case: str) -> QueuedDeletion | None:
    if case == "none":
        return None
    if case == "version":
        first, fourk = list(dict.fromkeys(str(p["media_id"]) for p in (await world.item("heat")).parts))
        keeper = {"connection_id": str(world.plex), "upstream_id": world.upstream_id("heat"), "media_id": first}
        return await world.queue(
            "heat", reason="duplicate", media_id=fourk, details={"keeper": keeper, "members": [keeper]}
        )
    if case == "last_version":
        (only,) = {str(p["media_id"]) for p in (await world.item("matrix")).parts}
        keeper = {"connection_id": str(world.plex), "upstream_id": world.upstream_id("alien"), "media_id": ""}
        return await world.queue("matrix", reason="duplicate", media_id=only, details={"keeper": keeper})
    row = await world.queue(name, due=timedelta(hours=6) if case == "not_due" else timedelta(hours=-1))
    async with world.ctx.sessionmaker() as session, session.begin():
        if case == "cancelled":
            assert await move(
                session, row.id, expected=DeletionStatus.SCHEDULED, to=DeletionStatus.CANCELLED, reason="owner"
            )
        elif case == "protected":
            session.add(
                AllowlistEntry(
                    account_id=world.account_id,
                    list="protected",
                    connection_id=world.plex,
                    upstream_id=row.item_upstream_id,
                    title=name,
                )
            )
        elif case == "changed":
            changed = {**row.fingerprint, "size": int(row.fingerprint["size"]) + 1}
            await session.execute(update(QueuedDeletion).where(QueuedDeletion.id == row.id).values(fingerprint=changed))
    return row


def target(row: QueuedDeletion) -> tuple[str, str]:
    return (row.item_upstream_id, row.media_id)


def deleted_targets(world: World) -> list[tuple[str, str]]:
    out = []
    for m in world.deletes():
        if m["kind"] == "delete":
            out.append((str(m["ratingKey"]), ""))
        else:
            out.append((str(m["ratingKey"]), str(m["mediaId"])))
    return out


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=world_states)
async def test_never_wrong_never_twice_and_complete_when_healthy(
    world: World, drawn: dict[str, tuple[str, dict[str, Any] | None]]
) -> None:
    if not hasattr(world, "heat_parts"):
        world.heat_parts = (await world.item("heat")).parts  # type: ignore[attr-defined]
        await world.go_live()
        async with world.ctx.sessionmaker() as session, session.begin():
            session.add(DeletionSettings(account_id=world.account_id, max_run_items=100, max_day_items=10_000))
    await restore(world, world.heat_parts)  # type: ignore[attr-defined]

    rows: dict[str, tuple[QueuedDeletion, str, dict[str, Any] | None]] = {}
    for name, (case, fault) in drawn.items():
        row = await arrange(world, name, case)
        if row is None:
            continue
        rows[name] = (row, case, fault)
        if fault is not None:
            route = f"/library/metadata/{row.item_upstream_id}" + (f"/media/{row.media_id}" if row.media_id else "")
            world.sim.app.state.add_fault(
                {"server": "pms:home", "route": route, "method": "DELETE", "times": 1, **fault}
            )

    await world.run(http=quick)
    await asyncio.sleep(0.8)  # a held delete completes on the server after the client gave up
    world.sim.app.state.clear_faults()
    await world.run()
    await world.run()

    deleted = deleted_targets(world)
    # Never twice: the server deleted each target at most once, and no row was sent more than once.
    assert len(deleted) == len(set(deleted)), deleted
    async with world.ctx.sessionmaker() as session:
        stored = {r.id: r for r in (await session.scalars(select(QueuedDeletion))).all()}
    assert all(r.attempts <= 1 for r in stored.values())
    wrongly = [name for name, (row, case, _) in rows.items() if case not in QUALIFYING and target(row) in deleted]
    assert wrongly == [], f"deleted although {[rows[n][1] for n in wrongly]}"
    for name, (row, case, fault) in rows.items():
        status = stored[row.id].status
        gone = target(row) in deleted
        # The queue says what the server did: deleted exactly when the server deleted it.
        assert (status == DeletionStatus.DELETED) == gone, (name, case, fault, status)
        if case in QUALIFYING and fault is None:
            assert gone, (name, case, status, stored[row.id].status_reason)
        if case in QUALIFYING and fault is not None and "timeout" in fault:
            assert gone  # the server did delete it: read back, recorded, never sent again
        if case not in QUALIFYING:
            assert status in (DeletionStatus.SCHEDULED, DeletionStatus.CANCELLED), (name, case, status)
