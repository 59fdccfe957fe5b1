"""Imports every domain's models so that ``Base.metadata`` is complete (Alembic, tests)."""

from janitor.accounts.models import Account, RefreshToken
from janitor.allowlists.models import AllowlistEntry
from janitor.connections.models import Connection, Library
from janitor.core.db import Base
from janitor.jobs.models import JobRun, TenantHeartbeat
from janitor.library.models import MediaCopy, MediaItem, MediaRequest, RemoteUser, UserItemState, WatchEvent
from janitor.reports.models import DuplicateKeeper, ReportSettings
from janitor.sync.models import SyncRun

__all__ = [
    "Account",
    "AllowlistEntry",
    "Base",
    "Connection",
    "DuplicateKeeper",
    "JobRun",
    "Library",
    "MediaCopy",
    "MediaItem",
    "MediaRequest",
    "RefreshToken",
    "RemoteUser",
    "ReportSettings",
    "SyncRun",
    "TenantHeartbeat",
    "UserItemState",
    "WatchEvent",
]
