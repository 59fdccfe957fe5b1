"""The moment the reports read as "now".

Reports compare the dates a media server sent with the present ("approved 30 days ago", "added
in the last 7 days"). They ask this one function, called through the module, so a test can pin
it to the moment its simulated world is dated and get the same answers on either side of midnight.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
