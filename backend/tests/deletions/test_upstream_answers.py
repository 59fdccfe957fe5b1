"""What each answer of a server makes of a deletion: a timeout is unknown and read back (never sent
again), refusals are failures with what a person must do, 404 is read back, and a worker killed in
the middle of a run leaves nothing lost and nothing sent twice."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select, update

from janitor.connections.models import Connection
from janitor.core.ssrf import upstream_http
from janitor.deletions.models import AuditEvent, DeletionRun, DeletionStatus, QueuedDeletion
from janitor.sync.recovery import ALIVE_PREFIX

from .conftest import World
from .test_guards import assert_waits, audit

PLEX_DELETE = "DELETE /library/metadata/{rk}"


def quick(connection: Connection) -> httpx.AsyncClient:
    return upstream_http(allow_private=True, verify=False, timeout=httpx.Timeout(0.5))


def delete_requests(world: World, service: str = "pms:home", route: str = PLEX_DELETE) -> int:
    return world.sim.app.state.requests.get(service, {}).get(route, 0)


async def events(world: World, row_id: uuid.UUID) -> list[str]:
    """The row's events, without the Jellyseerr clear that follows a deletion of The Matrix."""
    return [e for e, _, d in await audit(world, row_id) if "jellyseerr" not in d]


async def test_a_timeout_is_unknown_then_verified_by_reading_back(world: World) -> None:
    """The server deletes it after the client gave up: the run cannot know; the next one reads it back."""
    row = await world.queue("matrix")
    await world.go_live()
    world.sim.app.state.add_fault(
        {"server": "pms:home", "route": "/library/metadata/*", "method": "DELETE", "timeout": True, "timeout_s": 1.0}
    )
    await world.run(http=quick)
    stored = await world.row(row.id)
    assert stored.status == "unknown" and "did not answer in time" in (stored.status_reason or "")
    assert "never sent again" in (stored.status_reason or "")
    await asyncio.sleep(1.5)  # the server finishes the delete it was holding
    world.sim.app.state.clear_faults()
    await world.run()
    assert (await world.row(row.id)).status == "deleted"
    assert await events(world, row.id) == [AuditEvent.QUEUED, AuditEvent.UNKNOWN, AuditEvent.VERIFIED]
    assert delete_requests(world) == 1  # never sent twice
    assert (await world.item("matrix")).gone


@pytest.mark.parametrize("fault", [{"status": 503}, {"status": 500}, {"reset": True}])
async def test_a_5xx_or_a_cut_connection_is_unknown_then_failed_when_still_there(
    world: World, fault: dict[str, object]
) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    world.sim.app.state.add_fault({"server": "pms:home", "route": "/library/metadata/*", "method": "DELETE", **fault})
    await world.run()
    assert (await world.row(row.id)).status == "unknown"
    world.sim.app.state.clear_faults()
    await world.run()
    stored = await world.row(row.id)
    assert stored.status == "failed" and "the server did not delete it" in (stored.status_reason or "")
    assert await events(world, row.id) == [AuditEvent.QUEUED, AuditEvent.UNKNOWN, AuditEvent.FAILED]
    assert delete_requests(world) == 1 and world.deletes() == []
    assert not (await world.item("matrix")).gone


async def test_an_unknown_row_whose_read_back_fails_stays_unknown(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    world.sim.app.state.add_fault({"server": "pms:home", "route": "/library/metadata/*", "status": 503})
    await world.run()
    await world.run()
    assert (await world.row(row.id)).status == "unknown"
    assert delete_requests(world) == 1


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (400, "enable 'Allow media deletion' in Plex (Settings → Library)"),
        (401, "only the server owner's token may delete"),
        (403, "only the server owner's token may delete"),
    ],
)
async def test_plex_refusals_fail_with_what_to_do(world: World, status: int, words: str) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    world.sim.app.state.add_fault(
        {"server": "pms:home", "route": "/library/metadata/*", "method": "DELETE", "status": status}
    )
    await world.run()
    stored = await world.row(row.id)
    assert stored.status == "failed" and words in (stored.status_reason or ""), stored.status_reason
    assert await events(world, row.id) == [AuditEvent.QUEUED, AuditEvent.FAILED]


async def test_a_plex_server_that_does_not_allow_deletion_makes_rows_wait(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    await world.admin("/pms/home/settings", {"allow_media_deletion": False}, method="PUT")
    await world.run()
    await assert_waits(world, row.id, "enable 'Allow media deletion' in Plex")
    assert delete_requests(world) == 0
    await world.admin("/pms/home/settings", {"allow_media_deletion": True}, method="PUT")
    await world.run()
    assert (await world.row(row.id)).status == "deleted"


async def test_a_404_is_read_back_and_already_gone(world: World) -> None:
    row = await world.queue("matrix")
    await world.go_live()
    await world.admin("/items/vanish", {"service": "pms:home", "ids": [world.upstream_id("matrix")]})
    await world.run()
    stored = await world.row(row.id)
    assert stored.status == "deleted" and "already gone" in (stored.status_reason or "")
    assert await events(world, row.id) == [AuditEvent.QUEUED, AuditEvent.VERIFIED]


async def test_jellyfin_deletes_and_reads_back(world: World) -> None:
    row = await world.queue("alien", server="jellyfin")
    await world.go_live("jellyfin")
    await world.run("jellyfin")
    assert (await world.row(row.id)).status == "deleted"
    (deleted,) = world.deletes()
    assert (deleted["service"], deleted["itemId"]) == ("jellyfin", world.upstream_id("alien", "jellyfin"))
    assert (await world.item("alien")).gone  # Plex showed the same file


async def test_jellyfin_acting_user_without_the_right_makes_rows_wait(world: World) -> None:
    alice = next(u for u in world.sim.info["jellyfin"]["users"] if u["name"] == "alice")
    async with world.ctx.sessionmaker() as session, session.begin():
        connection = await session.get(Connection, world.jellyfin)
        assert connection is not None
        connection.options = {**connection.options, "user_id": alice["id"]}
    row = await world.queue("alien", server="jellyfin")
    await world.go_live("jellyfin")
    await world.run("jellyfin")
    await assert_waits(world, row.id, "give the Jellyfin user alice the right to delete media")


async def test_jellyfin_refusal_fails_with_what_to_do(world: World) -> None:
    row = await world.queue("alien", server="jellyfin")
    await world.go_live("jellyfin")
    world.sim.app.state.add_fault({"server": "jellyfin", "route": "/Items/*", "method": "DELETE", "status": 401})
    await world.run("jellyfin")
    stored = await world.row(row.id)
    assert stored.status == "failed"
    assert "give the Jellyfin user this connection acts as the right to delete media" in (stored.status_reason or "")


# ---------------------------------------------------------------- a worker killed mid-run


async def killed_mid_run(world: World, worker_id: str) -> QueuedDeletion:
    """What a worker killed during a delete leaves: its run running, the row executing."""
    row = await world.queue("matrix")
    await world.go_live()
    run_id = uuid.uuid4()
    async with world.ctx.sessionmaker() as session, session.begin():
        session.add(
            DeletionRun(
                id=run_id,
                account_id=world.account_id,
                connection_id=world.plex,
                status="running",
                dry_run=False,
                worker_id=worker_id,
                started_at=datetime.now(UTC),
            )
        )
        await session.execute(
            update(QueuedDeletion).where(QueuedDeletion.id == row.id).values(status="executing", run_id=run_id)
        )
    return row


async def test_a_killed_workers_row_is_read_back_not_sent_again(world: World) -> None:
    row = await killed_mid_run(world, "dead-worker")
    # The delete had reached the server before the worker died.
    await world.admin("/items/vanish", {"service": "pms:home", "ids": [world.upstream_id("matrix")]})
    outcome = await world.run()
    assert outcome is not None
    assert (await world.row(row.id)).status == "deleted"
    assert await events(world, row.id) == [AuditEvent.QUEUED, AuditEvent.UNKNOWN, AuditEvent.VERIFIED]
    assert delete_requests(world) == 0
    async with world.ctx.sessionmaker() as session:
        ended = (await session.scalars(select(DeletionRun.status).order_by(DeletionRun.started_at))).all()
    assert list(ended) == ["failed", "finished"]


async def test_a_killed_workers_row_that_did_not_go_fails(world: World) -> None:
    row = await killed_mid_run(world, "dead-worker")
    await world.run()
    stored = await world.row(row.id)
    assert stored.status == DeletionStatus.FAILED and "the server did not delete it" in (stored.status_reason or "")
    assert delete_requests(world) == 0


async def test_a_run_of_a_live_worker_is_left_alone(world: World) -> None:
    row = await killed_mid_run(world, "busy-worker")
    await world.ctx.redis.set(ALIVE_PREFIX + "busy-worker", "1", ex=30)
    assert await world.run() is None
    assert (await world.row(row.id)).status == "executing"
    assert delete_requests(world) == 0
