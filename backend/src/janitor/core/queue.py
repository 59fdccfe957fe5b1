"""Jobs are published only after the unit of work that asked for them has committed.

The tenants' jobs go to four arq queues, each with its own slots in every worker process, so what a
person waits for starts at once however long the **background** queue (the daily runs, deletion runs,
fan-outs) has grown:

* **interactive**: a Refresh click. A Refresh clicked while the account's scheduled run still waits in
  the background queue moves that run here (one run per account, never two).
* **first sync**: the sync after connecting a server. A new account's first run reads everything, and
  newcomers come in waves (a launch, a mention): one per worker process on a small machine
  (``Settings.worker_first_sync_max_jobs``; one keeps 1.45 of 2 cores busy, a second at once only
  halves both), and apart from the Refresh clicks, so an existing customer's click never waits
  behind a wave of newcomers.
* **quick**: short jobs someone also waits for (a mail, the dashboard figures after an edit), never
  behind a sync of any kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix
from redis.asyncio import Redis

log = structlog.get_logger(__name__)

BACKGROUND_QUEUE = default_queue_name  # "arq:queue"
INTERACTIVE_QUEUE = default_queue_name + ":interactive"
FIRST_SYNC_QUEUE = default_queue_name + ":first_sync"
QUICK_QUEUE = default_queue_name + ":quick"
QUEUES = (INTERACTIVE_QUEUE, FIRST_SYNC_QUEUE, QUICK_QUEUE, BACKGROUND_QUEUE)  # the tenants' jobs
SYSTEM_QUEUE = default_queue_name + ":system"  # the worker's cron jobs only (janitor_worker.main)
# arq scores a queued job with the time (ms) it may run; a moved job is due at once. Not 0: arq takes a
# score of 0 for "no longer queued" and skips the job.
FRONT_SCORE = 1

# Moves a queued job from the background queue to the front of the interactive one, unless a worker has
# already started it (its in-progress key) or it is not waiting there. Atomic: a worker picking the job
# meanwhile either finds it gone from its queue (and skips it) or has marked it in progress first.
_PROMOTE = """
if redis.call('exists', KEYS[3]) == 1 then return 0 end
if redis.call('zrem', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('zadd', KEYS[2], ARGV[2], ARGV[1])
return 1
"""


async def promote(redis: Redis, job_id: str) -> bool:
    """Move a waiting background job to the interactive queue. False when it was not waiting there
    (already interactive, started, or gone)."""
    moved = await redis.eval(  # type: ignore[misc]  # redis-py types eval as Awaitable | Any
        _PROMOTE, 3, BACKGROUND_QUEUE, INTERACTIVE_QUEUE, in_progress_key_prefix + job_id, job_id, str(FRONT_SCORE)
    )
    return bool(moved)


async def queue_depth(redis: Redis) -> dict[str, int]:
    """How many jobs wait (or are deferred) in each queue."""
    async with redis.pipeline(transaction=False) as pipe:
        for queue in QUEUES:
            pipe.zcard(queue)
        counts = await pipe.execute()
    return dict(zip(QUEUES, (int(c) for c in counts), strict=True))


@dataclass(frozen=True)
class PendingJob:
    name: str  # a janitor.jobs.names.JobName (a StrEnum)
    args: tuple[Any, ...]
    dedupe_id: str
    queue: str = BACKGROUND_QUEUE


@dataclass
class JobBuffer:
    """Collects jobs during a request or job; ``flush`` publishes them once the commit succeeded."""

    pending: list[PendingJob] = field(default_factory=list)
    promotions: list[str] = field(default_factory=list)

    def enqueue(self, name: str, *args: Any, dedupe_id: str, queue: str = BACKGROUND_QUEUE) -> None:
        """``queue``: one of ``QUEUES`` (see the module's docstring)."""
        if queue not in QUEUES:
            raise ValueError(f"not a tenant queue: {queue}")
        self.pending.append(PendingJob(name, args, dedupe_id, queue))

    def promote(self, dedupe_id: str) -> None:
        """Once committed, move this job to the interactive queue if it still waits in the background one."""
        self.promotions.append(dedupe_id)

    def discard(self) -> None:
        self.pending.clear()
        self.promotions.clear()

    async def flush(self, redis: ArqRedis) -> None:
        jobs, self.pending = self.pending, []
        promotions, self.promotions = self.promotions, []
        for job in jobs:
            await redis.enqueue_job(str(job.name), *job.args, _job_id=job.dedupe_id, _queue_name=job.queue)
            log.info("job_enqueued", job=str(job.name), job_id=job.dedupe_id, queue=job.queue)
        for job_id in promotions:
            if await promote(redis, job_id):
                log.info("job_promoted", job_id=job_id, queue=INTERACTIVE_QUEUE)
