"""Live progress of a sync run: kept on its ``sync_runs`` row and published on Redis for the SPA."""

from __future__ import annotations

import asyncio
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
        self._background: asyncio.Task[bool] | None = None
        self._cancelled = False

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
        await self._settle_background()
        if await self._write():
            raise Cancelled()

    def flush_soon(self) -> None:
        """``flush`` without waiting for it: the write runs in the background, one at a time, so the
        listing never stalls on it. A stop the user asked for, or a failed write, is raised by the
        next call (or by the next ``flush``)."""
        task = self._background
        if task is not None and task.done():
            self._background = None
            if task.result():  # raises the write's own error
                self._cancelled = True
        if self._cancelled:
            raise Cancelled()
        now = time.monotonic()
        if self._background is not None or now - self._last < self.min_interval:
            return
        self._last = now
        self._background = asyncio.create_task(self._write())

    async def drain(self) -> None:
        """Wait for a background write still running (the run is ending; its outcome no longer matters)."""
        task, self._background = self._background, None
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def _settle_background(self) -> None:
        task, self._background = self._background, None
        if task is not None and await task:
            self._cancelled = True
        if self._cancelled:
            raise Cancelled()

    async def _write(self) -> bool:
        """Store and publish the current figures; True when the user asked the run to stop."""
        async with self.app.sessionmaker() as session, session.begin():
            await session.execute(
                update(SyncRun)
                .where(SyncRun.id == self.run_id)
                .values(sources=self.snapshot(), phase=self.phase, items=self.items, upstream_requests=self.requests)
            )
            cancel = await session.scalar(select(SyncRun.cancel_requested).where(SyncRun.id == self.run_id))
        await self.publish()
        return bool(cancel)

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
