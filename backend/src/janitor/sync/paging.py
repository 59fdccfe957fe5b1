"""Read every page of a listing, a few requests in flight, yielding pages in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from janitor.connections.clients.base import Page, with_retries

FetchPage = Callable[[int, int], Awaitable[Page]]


class IncompleteListing(Exception):
    """The server's pages did not add up to its own total: the listing cannot be trusted as complete."""


@dataclass
class Listing:
    total: int | None = None
    seen: int = 0
    pages: int = 0

    @property
    def complete(self) -> bool:
        return self.total is not None and self.seen == self.total


async def pages(
    fetch: FetchPage,
    *,
    size: int,
    concurrency: int,
    listing: Listing,
    retry_sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> AsyncIterator[Page]:
    """Yield every page. ``listing`` records the server's total and what was read.

    The first page gives the total; the rest are fetched ``concurrency`` at a time. A page whose
    total disagrees with the first one, or a short page before the end, makes the listing
    incomplete (``IncompleteListing`` at the end, after every page that could be read was yielded).
    """

    async def get(offset: int) -> Page:
        return await with_retries(lambda: fetch(offset, size), sleep=retry_sleep)

    first = await get(0)
    listing.total = first.total
    listing.pages, listing.seen = 1, len(first.items)
    yield first
    total = first.total
    if total is None:
        raise IncompleteListing("the server did not say how many items the listing holds")
    problems: list[str] = []
    offsets = iter(range(size, total, size))
    window: list[asyncio.Task[Page]] = []

    def refill() -> None:
        while len(window) < concurrency:
            offset = next(offsets, None)
            if offset is None:
                return
            window.append(asyncio.create_task(get(offset)))

    refill()
    try:
        while window:
            page = await window.pop(0)
            refill()
            listing.pages += 1
            listing.seen += len(page.items)
            if page.total is not None and page.total != total:
                problems.append(f"the total changed from {total} to {page.total} during the listing")
            yield page
    finally:
        for task in window:
            task.cancel()
    if problems or listing.seen != total:
        detail = problems[0] if problems else f"read {listing.seen} items but the server counts {total}"
        raise IncompleteListing(detail)
