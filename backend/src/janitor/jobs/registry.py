"""Maps every ``JobName`` to its handler. The worker refuses to start if one is missing."""

from __future__ import annotations

from janitor.jobs.heartbeat import record_heartbeat
from janitor.jobs.names import JobName
from janitor.jobs.runner import TenantHandler
from janitor.reports.precompute import refresh_copies_job, refresh_summary_job
from janitor.sync.runner import run_sync

TENANT_HANDLERS: dict[JobName, TenantHandler] = {
    JobName.HEARTBEAT: record_heartbeat,
    JobName.SYNC: run_sync,
    JobName.REPORT_SUMMARY: refresh_summary_job,
    JobName.MEDIA_COPIES: refresh_copies_job,
}


def dedupe_id(name: JobName, key: object) -> str:
    """The arq job id: jobs with the same id never stack (keyed by account, or by run for syncs)."""
    return f"{name.value}:{key}"


def missing_handlers(handlers: dict[JobName, TenantHandler] | None = None) -> list[JobName]:
    handlers = TENANT_HANDLERS if handlers is None else handlers
    return [name for name in JobName if name not in handlers]
