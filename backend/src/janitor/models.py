"""Imports every domain's models so that ``Base.metadata`` is complete (Alembic, tests)."""

from janitor.accounts.models import Account, RefreshToken
from janitor.connections.models import Connection, Library
from janitor.core.db import Base
from janitor.jobs.models import JobRun, TenantHeartbeat

__all__ = ["Account", "Base", "Connection", "JobRun", "Library", "RefreshToken", "TenantHeartbeat"]
