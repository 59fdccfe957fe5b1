"""Every job the worker runs has one name here; the worker refuses to start if one lacks a handler."""

from __future__ import annotations

from enum import StrEnum


class JobName(StrEnum):
    HEARTBEAT = "heartbeat"
    SYNC = "sync"
    REPORT_SUMMARY = "report_summary"
    MEDIA_COPIES = "media_copies"
