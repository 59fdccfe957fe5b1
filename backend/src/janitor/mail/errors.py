"""Why a mail was not sent, in words an operator can act on (never with the SMTP password)."""

from __future__ import annotations


class MailError(Exception):
    """A mail could not be built or sent; ``transient`` when trying again later may work."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class MailNotConfigured(MailError):
    """No SMTP server is configured (``JANITOR_SMTP_HOST`` is empty)."""

    def __init__(self) -> None:
        super().__init__("no SMTP server is configured: set JANITOR_SMTP_HOST (see .env.example)")
