"""Imports every domain's models so that ``Base.metadata`` is complete (Alembic, tests)."""

from janitor.accounts.models import Account, AccountToken, RefreshToken
from janitor.allowlists.models import AllowlistEntry
from janitor.connections.models import Connection, Library
from janitor.core.db import Base
from janitor.deletions.models import (
    DeletionEvent,
    DeletionRun,
    DeletionSettings,
    LibraryDeletionDelay,
    QueuedDeletion,
    ServerDeletionState,
    ServiceFlag,
)
from janitor.jobs.models import JobRun, TenantHeartbeat
from janitor.library.models import (
    ExpectedDisappearance,
    MediaCopy,
    MediaItem,
    MediaRequest,
    RemoteUser,
    UserItemState,
    WatchEvent,
)
from janitor.mail.models import OutgoingMail
from janitor.operator.models import OperatorAuditEntry
from janitor.people.models import Assignment, LinkDismissal, Person, PersonMember
from janitor.reports.models import DuplicateKeeper, LargeDismissal, ReportSettings
from janitor.setup.models import SetupChecklist
from janitor.sync.models import SyncRun

__all__ = [
    "Account",
    "AccountToken",
    "AllowlistEntry",
    "Assignment",
    "Base",
    "Connection",
    "DeletionEvent",
    "DeletionRun",
    "DeletionSettings",
    "DuplicateKeeper",
    "ExpectedDisappearance",
    "JobRun",
    "LargeDismissal",
    "Library",
    "LibraryDeletionDelay",
    "LinkDismissal",
    "MediaCopy",
    "MediaItem",
    "MediaRequest",
    "OperatorAuditEntry",
    "OutgoingMail",
    "Person",
    "PersonMember",
    "QueuedDeletion",
    "RefreshToken",
    "RemoteUser",
    "ReportSettings",
    "ServerDeletionState",
    "ServiceFlag",
    "SetupChecklist",
    "SyncRun",
    "TenantHeartbeat",
    "UserItemState",
    "WatchEvent",
]
