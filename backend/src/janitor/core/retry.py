"""The one retry policy of the product, for upstream calls (in process) and jobs (rescheduled by arq).

Exponential back-off with full jitter (``uniform(0, min(cap, base * 2**(attempt - 1)))``), never
shorter than the server's ``Retry-After``; only errors marked transient are retried (timeouts,
dropped connections, 5xx, 429, 408), never another 4xx. The in-process loop is tenacity's.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from janitor.core.errors import TransientError

T = TypeVar("T")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP-date); ``None`` when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, delta)


def backoff(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """The wait after the ``attempt``-th failure (1-based)."""
    delay: float = rand() * min(cap, base * 2.0 ** (attempt - 1))
    return max(delay, retry_after or 0.0)


async def retrying(
    fn: Callable[[], Awaitable[T]],
    *,
    retry_on: type[TransientError] = TransientError,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 30.0,
    max_retry_after: float = 300.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Call ``fn`` up to ``attempts`` times, retrying only ``retry_on`` errors.

    A server asking to wait longer than ``max_retry_after`` seconds is not waited for in process:
    the error is raised at once so the job layer can reschedule. Any other error is raised at once.
    """
    if attempts < 1:
        raise ValueError("attempts must be >= 1")

    def worth_retrying(exc: BaseException) -> bool:
        if not isinstance(exc, retry_on):
            return False
        return exc.retry_after is None or exc.retry_after <= max_retry_after

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = exc.retry_after if isinstance(exc, TransientError) else None
        return backoff(state.attempt_number, base=base, cap=cap, retry_after=retry_after, rand=rand)

    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(attempts),
        retry=retry_if_exception(worth_retrying),
        wait=wait,
        sleep=sleep,
        reraise=True,
    ):
        with attempt:
            return await fn()
    raise AssertionError("unreachable")  # pragma: no cover
