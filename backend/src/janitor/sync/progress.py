"""Live progress of a sync run: kept on its ``sync_runs`` row and published on Redis for the SPA.

Every write of the row also reads whether the run should stop: the user asked for it
(``cancel_requested``: the Cancel button, or a connection of the account being deleted), or the run
is no longer ``running`` because something else ended it (the stall watchdog, crash recovery).
Between writes, ``watch`` polls the same answer while the run waits on a server or the database, so a
stop is honoured within about a second at any step, not only when the next page arrives."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

import orjson
import structlog
from redis.asyncio import Redis
from sqlalchemy import func, select, update

from janitor.core.deps import AppContext
from janitor.sync.gauge import Gauge
from janitor.sync.models import SyncRun, SyncStatus

T = TypeVar("T")
log = structlog.get_logger(__name__)

# How often a run waiting on a server or the database looks whether it should stop.
STOP_POLL_SECONDS = 1.0


def channel(account_id: uuid.UUID) -> str:
    return f"sync-progress:{account_id}"


async def publish_end(redis: Redis, account_id: uuid.UUID, run_id: uuid.UUID, status: str) -> None:
    """Tell the SPA following a run that something other than its worker ended it (crash recovery,
    the stall watchdog): it stops showing the run as going and reads its final row."""
    message = {"run_id": str(run_id), "status": status, "finished": True, "at": datetime.now(UTC).isoformat()}
    await redis.publish(channel(account_id), orjson.dumps(message))


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
    # Libraries where too many items vanished at once to believe it (nothing was marked missing):
    # while the latest run says so, the deleter freezes this server's deletions (deletions/guards.py).
    held_back: list[str] = field(default_factory=list)
    # The same as data: {"library_id", "title", "vanished", "known"} per held-back library.
    held_back_libraries: list[dict[str, Any]] = field(default_factory=list)
    # Where the source comes in the run (the order it is read in): the SPA lists them in this order.
    position: int = 0
    # What the gauge measures (sync/gauge.py): the full listings planned and counted so far, and the
    # total the source's last full read counted.
    listings: int | None = None
    counted: int = 0
    expected: int | None = None
    # How far the source is (0-99 while it runs, 100 once it ended, None while unknown): never lower
    # than shown before in this run.
    percent: int | None = None


class Cancelled(Exception):
    """The user asked the run to stop (or a connection of the account is being deleted)."""


class RunEnded(Exception):
    """Something else already ended the run (the stall watchdog, crash recovery): its row is final, so
    the run stops without writing anything more."""


class Stop(Enum):
    CANCEL = "cancel"
    ENDED = "ended"


def _raise(stop: Stop) -> None:
    raise RunEnded() if stop is Stop.ENDED else Cancelled()


class RunProgress:
    def __init__(self, app: AppContext, run_id: uuid.UUID, account_id: uuid.UUID, *, min_interval: float = 0.25):
        self.app = app
        self.run_id = run_id
        self.account_id = account_id
        self.sources: dict[str, SourceProgress] = {}
        self.phase = "starting"
        self.gauge = Gauge()
        self.min_interval = min_interval
        self._last = 0.0
        self._background: asyncio.Task[Stop | None] | None = None
        self._stop: Stop | None = None

    def add(self, key: str, kind: str, name: str, *, expected: int | None = None) -> SourceProgress:
        self.sources[key] = SourceProgress(kind=kind, name=name, position=len(self.sources), expected=expected)
        return self.sources[key]

    @property
    def percent(self) -> int | None:
        return self.gauge.percent

    def snapshot(self) -> dict[str, Any]:
        """The sources as stored and published, measured now (their ``percent`` and the run's)."""
        self.gauge.read(self.sources)
        for key, source in self.sources.items():
            source.percent = self.gauge.sources.get(key)
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
        self._honour(await self._write())

    async def write(self) -> Stop | None:
        """Store and publish the figures now, without raising: whether the run must stop, for the
        caller to decide (the end of a run rebuilds the reports' data even when a stop was asked)."""
        await self.drain()
        return await self._write()

    async def checkpoint(self) -> None:
        """Raise ``Cancelled`` (or ``RunEnded``) now if the run must stop: called before a step that
        cannot be taken back (counting items missing, forgetting played states)."""
        await self._settle_background()
        self._honour(await self.stop_requested())

    def _honour(self, stop: Stop | None) -> None:
        if stop is not None:
            self._stop = stop
            _raise(stop)

    async def stop_requested(self) -> Stop | None:
        """Whether the run must stop, read from its row (no write)."""
        async with self.app.sessionmaker() as session:
            row = (
                await session.execute(select(SyncRun.status, SyncRun.cancel_requested).where(SyncRun.id == self.run_id))
            ).one_or_none()
        if row is None or row.status != SyncStatus.RUNNING:
            return Stop.ENDED
        return Stop.CANCEL if row.cancel_requested else None

    async def watch(self, body: Awaitable[T], *, every: float | None = None) -> T:
        """Run ``body``, looking every ``every`` seconds whether the run must stop; if so, ``body`` is
        cancelled (wherever it waits: a slow server, a retry's back-off, the database) and waited
        for, and ``Cancelled`` or ``RunEnded`` is raised. If the job itself is cancelled (arq's time
        limit, a worker shutting down), ``body`` is cancelled with it."""
        interval = STOP_POLL_SECONDS if every is None else every
        task = asyncio.ensure_future(body)
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=interval)
                if done:
                    return task.result()
                try:
                    stop = await self.stop_requested()
                except Exception as exc:  # the body meets the same database, and reports it
                    log.warning("sync_stop_check_failed", error=type(exc).__name__)
                    continue
                if stop is not None:
                    self._stop = stop
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                    if not task.cancelled() and task.exception() is None:
                        return task.result()  # it finished meanwhile: keep what it did
                    _raise(stop)
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    def flush_soon(self) -> None:
        """``flush`` without waiting for it: the write runs in the background, one at a time, so the
        listing never stalls on it. A stop the user asked for, or a failed write, is raised by the
        next call (or by the next ``flush``)."""
        task = self._background
        if task is not None and task.done():
            self._background = None
            self._stop = task.result() or self._stop  # raises the write's own error
        if self._stop is not None:
            _raise(self._stop)
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
        if task is not None:
            self._stop = await task or self._stop
        if self._stop is not None:
            _raise(self._stop)

    async def _write(self) -> Stop | None:
        """Store and publish the current figures (only while the run is ``running``: a run something
        else ended keeps its final row); say whether the run must stop."""
        async with self.app.sessionmaker() as session, session.begin():
            cancel = await session.scalar(
                update(SyncRun)
                .where(SyncRun.id == self.run_id, SyncRun.status == SyncStatus.RUNNING)
                .values(
                    sources=self.snapshot(),
                    percent=self.percent,
                    phase=self.phase,
                    items=self.items,
                    upstream_requests=self.requests,
                    progress_at=func.now(),
                )
                .returning(SyncRun.cancel_requested)
            )
        if cancel is None:
            return Stop.ENDED
        await self.publish()
        return Stop.CANCEL if cancel else None

    async def publish(self, **extra: Any) -> None:
        sources = self.snapshot()
        message = {
            "run_id": str(self.run_id),
            "phase": self.phase,
            "percent": self.percent,
            "items": self.items,
            "upstream_requests": self.requests,
            "sources": sources,
            "at": datetime.now(UTC).isoformat(),
            **extra,
        }
        await self.app.redis.publish(channel(self.account_id), orjson.dumps(message))
