"""Jobs are published only after the unit of work that asked for them has committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog
from arq.connections import ArqRedis

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PendingJob:
    name: str  # a janitor.jobs.names.JobName (a StrEnum)
    args: tuple[Any, ...]
    dedupe_id: str


@dataclass
class JobBuffer:
    """Collects jobs during a request or job; ``flush`` publishes them once the commit succeeded."""

    pending: list[PendingJob] = field(default_factory=list)

    def enqueue(self, name: str, *args: Any, dedupe_id: str) -> None:
        self.pending.append(PendingJob(name, args, dedupe_id))

    def discard(self) -> None:
        self.pending.clear()

    async def flush(self, redis: ArqRedis) -> None:
        jobs, self.pending = self.pending, []
        for job in jobs:
            await redis.enqueue_job(str(job.name), *job.args, _job_id=job.dedupe_id)
            log.info("job_enqueued", job=str(job.name), job_id=job.dedupe_id)
