"""One small event: an account's data changed, so what is derived from it must follow.

A package that changes data says so (``Events.publish``) without knowing who derives what from it;
the packages that derive figures subscribe once, when the app is put together (``janitor.main``).
Publisher and subscriber never import each other, so the domain packages stay in their layers.
A change nobody subscribed to is a wiring mistake and raises, loudly, in every test that makes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request

from janitor.core.deps import UnitOfWork


class Change(StrEnum):
    # Thresholds, allowlists, keepers, languages, a connection's settings: the dashboard's figures.
    REPORT_INPUTS = "report_inputs"
    # A library switched on or off, a server removed: which files the servers share.
    PRESENT_ITEMS = "present_items"
    # A server of the account is about to be removed (same transaction): a sync reading it stops.
    SERVER_REMOVING = "server_removing"
    # The account is about to be deleted (same transaction): rows its foreign keys do not cascade to.
    ACCOUNT_DELETING = "account_deleting"


Subscriber = Callable[[UnitOfWork, uuid.UUID], Awaitable[None]]


class Events:
    def __init__(self) -> None:
        self._subscribers: dict[Change, list[Subscriber]] = {}

    def subscribe(self, change: Change, subscriber: Subscriber) -> None:
        subscribers = self._subscribers.setdefault(change, [])
        if subscriber not in subscribers:
            subscribers.append(subscriber)

    def followed(self, change: Change) -> bool:
        return bool(self._subscribers.get(change))

    async def publish(self, uow: UnitOfWork, account_id: uuid.UUID, change: Change) -> None:
        """Runs every subscriber in the caller's unit of work: their writes and jobs commit with it."""
        subscribers = self._subscribers.get(change)
        if not subscribers:
            raise RuntimeError(f"nothing subscribes to {change.value!r}: the app was put together without it")
        for subscriber in subscribers:
            await subscriber(uow, account_id)


async def get_events(request: Request) -> Events:
    events: Events = request.app.state.events
    return events


EventsDep = Annotated[Events, Depends(get_events)]
