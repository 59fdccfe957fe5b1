"""Live progress of a sync run: kept on its ``sync_runs`` row and published on Redis for the SPA."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select, update

from janitor.core.deps import AppContext
from janitor.sync.models import SyncRun


def channel(account_id: uuid.UUID) -> str:
    return f"sync-progress:{account_id}"


@dataclass
class SourceProgress:
    kind: str
    name: str
    status: str = "pending"  # pending running complete partial failed cancelled
    phase: str = "waiting"
    pages: int = 0
    items: int = 0
    total: int | None = None
    requests: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


class Cancelled(Exception):
    pass


class RunProgress:
    def __init__(self, app: AppContext, run_id: uuid.UUID, account_id: uuid.UUID, *, min_interval: float = 0.25):
        self.app = app
        self.run_id = run_id
        self.account_id = account_id
        self.sources: dict[str, SourceProgress] = {}
        self.phase = "starting"
        self.min_interval = min_interval
        self._last = 0.0

    def add(self, key: str, kind: str, name: str) -> SourceProgress:
        self.sources[key] = SourceProgress(kind=kind, name=name)
        return self.sources[key]

    def snapshot(self) -> dict[str, Any]:
        return {k: asdict(v) for k, v in self.sources.items()}

    @property
    def items(self) -> int:
        return sum(s.items for s in self.sources.values())

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.sources.values())

    async def flush(self, *, force: bool = False) -> None:
        """Write the row (throttled) and publish; raise ``Cancelled`` if the user asked to stop."""
        now = time.monotonic()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        async with self.app.sessionmaker() as session, session.begin():
            await session.execute(
                update(SyncRun)
                .where(SyncRun.id == self.run_id)
                .values(sources=self.snapshot(), phase=self.phase, items=self.items, upstream_requests=self.requests)
            )
            cancel = await session.scalar(select(SyncRun.cancel_requested).where(SyncRun.id == self.run_id))
        await self.publish()
        if cancel:
            raise Cancelled()

    async def publish(self, **extra: Any) -> None:
        message = {
            "run_id": str(self.run_id),
            "phase": self.phase,
            "items": self.items,
            "upstream_requests": self.requests,
            "sources": self.snapshot(),
            "at": datetime.now(UTC).isoformat(),
            **extra,
        }
        await self.app.redis.publish(channel(self.account_id), orjson.dumps(message))
