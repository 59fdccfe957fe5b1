"""A deletion run of 1,000 items against a server answering at a real server's pace:
``uv run python bench/deletions.py [--items 1000] [--pace-ms 150] [--in-flight 8] [--concurrency 8]``.

Target (issue 15): 1,000 items at 150 ms per upstream request, within the run's caps, every deletion
read back, in at most 2 minutes.

Set-up (not timed): a throwaway Postgres and Redis and the simulator in its own process (``bench/run.py``'s
helpers), a world of ``items`` + 100 movies on one Plex server, an account with that server synced by the
product's sync job, ``items`` movies queued for deletion (due), the server out of dry-run past its first
real run, and caps raised to let them all go. Then the simulator's PMS is paced (``pace_ms`` per
request, at most ``in_flight`` answered at once: ``POST /_admin/servers/pms:home/pace``) and one
``run_deletions`` is timed, exactly as the ``deletion_run`` job calls it. Each item costs two requests
(the delete, the read back) plus one per run (whether the server allows deletions).

It checks that every row is deleted and verified, that the simulator deleted each item exactly once,
prints one line and exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import Env, Sim, fresh_db, make_template, setup_account, start_sim
from run import _settings as settings_for

TARGET_SECONDS = 120.0


async def _sync(db_url: str, sim: Sim, account_id: str) -> None:
    from janitor.core.context import build_context, close_context
    from janitor.jobs.names import JobName
    from janitor.jobs.runner import tenant_job
    from janitor_worker.registry import TENANT_HANDLERS

    ctx = await build_context(settings_for(db_url, sim))
    try:
        job = tenant_job(JobName.SYNC, TENANT_HANDLERS[JobName.SYNC])
        await job({"app": ctx, "worker_id": "bench", "job_try": 1, "job_id": uuid.uuid4().hex}, account_id)
    finally:
        await close_context(ctx)


async def _queue(db_url: str, account_id: uuid.UUID, connection_id: uuid.UUID, items: int) -> None:
    from sqlalchemy import select

    from janitor.connections.models import Connection
    from janitor.core.context import build_context, close_context
    from janitor.deletions.models import DeletionSettings, ServerDeletionState
    from janitor.deletions.queue import Target, enqueue
    from janitor.library.models import MediaItem

    ctx = await build_context(settings_for(db_url))
    try:
        async with ctx.sessionmaker() as session, session.begin():
            connection = await session.get(Connection, connection_id)
            assert connection is not None
            movies = (
                await session.scalars(
                    select(MediaItem)
                    .where(MediaItem.connection_id == connection_id, MediaItem.kind == "movie")
                    .order_by(MediaItem.id)
                    .limit(items)
                )
            ).all()
            if len(movies) < items:
                raise RuntimeError(f"only {len(movies)} movies synced")
            due = datetime.now(UTC) - timedelta(hours=1)
            for movie in movies:
                await enqueue(
                    session, connection=connection, target=Target(movie), reason="stale", origin="owner", due_at=due
                )
            session.add(
                ServerDeletionState(
                    connection_id=connection_id, account_id=account_id, dry_run=False, live_since=due, live_runs=1
                )
            )
            session.add(
                DeletionSettings(
                    account_id=account_id,
                    max_run_items=items,
                    max_day_items=items,
                    max_run_bytes=10**15,
                    max_day_bytes=10**15,
                )
            )
    finally:
        await close_context(ctx)


async def _run(db_url: str, account_id: uuid.UUID, connection_id: uuid.UUID, concurrency: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from janitor.core.context import build_context, close_context
    from janitor.deletions.deleter import run_deletions
    from janitor.deletions.models import AuditEvent, DeletionEvent, QueuedDeletion
    from janitor.main import wire_events

    ctx = await build_context(settings_for(db_url))
    try:
        started = time.perf_counter()
        outcome = await run_deletions(
            ctx, account_id, connection_id, now=datetime.now(UTC), events=wire_events(), concurrency=concurrency
        )
        seconds = time.perf_counter() - started
        assert outcome is not None
        async with ctx.sessionmaker() as session:
            statuses = dict(
                (
                    await session.execute(select(QueuedDeletion.status, func.count()).group_by(QueuedDeletion.status))
                ).all()
            )
            verified = await session.scalar(
                select(func.count()).select_from(DeletionEvent).where(DeletionEvent.event == AuditEvent.VERIFIED)
            )
        return {"seconds": seconds, "tally": vars(outcome.tally), "statuses": statuses, "verified": verified}
    finally:
        await close_context(ctx)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--pace-ms", type=int, default=150)
    parser.add_argument("--in-flight", type=int, default=8, help="requests the paced server answers at once")
    parser.add_argument("--concurrency", type=int, default=8, help="deletions the deleter keeps in flight")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="janitor-bench-deletions-"))
    env = Env(workdir)
    sim = None
    try:
        make_template(env)
        db = fresh_db(env, "deletions")
        generate = {"movies": args.items + 100, "tracks": 0, "episodes": 0, "requests": 0, "jellyfin": False}
        sim = start_sim("deletions", workdir, generate)
        ids = setup_account(db, sim, "plex", {"Movies"})
        asyncio.run(_sync(db, sim, ids["account"]))
        account, connection = uuid.UUID(ids["account"]), uuid.UUID(ids["connection"])
        asyncio.run(_queue(db, account, connection, args.items))
        sim.admin("POST", "/servers/pms:home/pace", {"pace_ms": args.pace_ms, "max_in_flight": args.in_flight})
        sim.admin("DELETE", "/requests")
        result = asyncio.run(_run(db, account, connection, args.concurrency))
        deletes = [m for m in sim.admin("GET", "/mutations?kind=delete") if m.get("service") == "pms:home"]
        requests = sim.admin("GET", "/requests")
    finally:
        if sim is not None:
            sim.stop()
        env.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    twice = [k for k, n in Counter(str(m["ratingKey"]) for m in deletes).items() if n > 1]
    ok = (
        result["statuses"] == {"deleted": args.items}
        and result["verified"] == args.items
        and len(deletes) == args.items
        and not twice
        and result["seconds"] <= TARGET_SECONDS
    )
    seconds = result["seconds"]
    print(
        f"deletion run: {args.items} items at {args.pace_ms} ms/request ({args.in_flight} answered at once, "
        f"{args.concurrency} in flight): {seconds:.1f} s (target <= {TARGET_SECONDS:.0f} s), "
        f"{args.items / seconds:.1f} items/s; rows {result['statuses']}, verified {result['verified']}, "
        f"deleted upstream {len(deletes)} (twice: {len(twice)}); requests {requests['by_service'].get('pms:home')} "
        f"-> {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
