"""Security events: logged as such and counted.

Each event is one log line ``{"event": "security_event", "kind": ..., "account_id": ...,
"client_ip": ...}`` (the account when it is known, the client address as the trusted proxies name it,
never a password, token or email) and one increment of ``janitor_security_events_total{kind=...}``.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

import structlog
from prometheus_client import CollectorRegistry, Counter

log = structlog.get_logger("janitor.security")


class SecurityEvent(StrEnum):
    LOGIN_FAILED = "login_failed"  # wrong email or password
    LOGIN_LOCKOUT = "login_lockout"  # an (account, address) pair used up its failed logins
    RATE_LIMITED = "rate_limited"  # a 429: which limit in ``limit``
    REFRESH_TOKEN_REUSE = "refresh_token_reuse"  # a rotated refresh token came back: its family is revoked
    REAUTH_FAILED = "reauth_failed"  # a wrong password when changing the password or deleting the account
    PASSWORD_CHANGED = "password_changed"
    ACCOUNT_DELETED = "account_deleted"
    EMAIL_VERIFIED = "email_verified"
    EMAIL_CHANGED = "email_changed"
    EMAIL_CHANGE_UNDONE = "email_change_undone"  # the old address took the account back: every session ends


_NOTICE = frozenset(
    {
        SecurityEvent.PASSWORD_CHANGED,
        SecurityEvent.ACCOUNT_DELETED,
        SecurityEvent.EMAIL_VERIFIED,
        SecurityEvent.EMAIL_CHANGED,
        SecurityEvent.EMAIL_CHANGE_UNDONE,
    }
)


class SecurityEvents:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.counter = Counter(
            "janitor_security_events_total",
            "Security events by kind (failed logins, lockouts, 429s, refresh-token reuse, credential changes)",
            ["kind"],
            registry=registry,
        )
        for kind in SecurityEvent:  # every series exists from the start, at 0
            self.counter.labels(kind.value)

    def record(
        self, kind: SecurityEvent, *, client: str, account_id: uuid.UUID | None = None, **fields: str | int
    ) -> None:
        self.counter.labels(kind.value).inc()
        emit = log.info if kind in _NOTICE else log.warning
        emit(
            "security_event",
            kind=kind.value,
            account_id=None if account_id is None else str(account_id),
            client_ip=client,
            **fields,
        )
