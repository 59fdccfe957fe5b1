"""Every job the worker runs has one name here; the worker refuses to start if one lacks a handler."""

from __future__ import annotations

from enum import StrEnum


class JobName(StrEnum):
    HEARTBEAT = "heartbeat"
    SYNC = "sync"
    REPORT_SUMMARY = "report_summary"
    MEDIA_COPIES = "media_copies"
    # The watch-based deletion schedule of an account (after every sync and assignment change).
    DELETION_SCHEDULE = "deletion_schedule"
    DELETION_RUN = "deletion_run"
    # The account's pending mails (mail/outbox.py queues it under this name).
    SEND_MAIL = "send_mail"


def dedupe_id(name: JobName, key: object) -> str:
    """The arq job id: jobs with the same id never stack (keyed by account, or by run for syncs)."""
    return f"{name.value}:{key}"
