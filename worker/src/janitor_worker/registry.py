"""Maps every ``JobName`` to its handler. The worker refuses to start if one is missing.

The registry sits at the top, above every package whose jobs it runs: it is where the sync is
handed what the reports rebuild after it (``sync_job(REPORT_DATA)``), and the deleter who follows
its deletions (``deletion_job(wire_events())``, the app's own wiring)."""

from __future__ import annotations

from janitor.deletions.deleter_jobs import deletion_job
from janitor.deletions.jobs import after_sync, schedule_job
from janitor.jobs.heartbeat import record_heartbeat
from janitor.jobs.mail import send_mail_job
from janitor.jobs.names import JobName
from janitor.jobs.runner import TenantHandler
from janitor.main import wire_events
from janitor.reports.precompute import REPORT_DATA, refresh_copies_job, refresh_summary_job
from janitor.sync.runner import sync_job

TENANT_HANDLERS: dict[JobName, TenantHandler] = {
    JobName.HEARTBEAT: record_heartbeat,
    # After every sync: people for new server accounts, their watch health, then the schedule.
    JobName.SYNC: after_sync(sync_job(REPORT_DATA)),
    JobName.DELETION_SCHEDULE: schedule_job,
    JobName.REPORT_SUMMARY: refresh_summary_job,
    JobName.MEDIA_COPIES: refresh_copies_job,
    # The deleter tells whoever derives data from the present items that some went (core/events.py).
    JobName.DELETION_RUN: deletion_job(wire_events()),
    JobName.SEND_MAIL: send_mail_job,
}


def missing_handlers(handlers: dict[JobName, TenantHandler] | None = None) -> list[JobName]:
    handlers = TENANT_HANDLERS if handlers is None else handlers
    return [name for name in JobName if name not in handlers]
