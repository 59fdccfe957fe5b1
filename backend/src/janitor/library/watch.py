"""Watch evidence: did this person watch this item since its current file was added?

What counts as a play, per server:

* Plex: a history row (a completed view by any account), and the item's own ``viewCount`` /
  ``lastViewedAt`` / ``viewOffset`` from the listing, which belong to the connection's token's account
  (the owner's when plex.tv says the token owns the server). A partly watched item (``viewOffset``)
  counts, dated by its ``lastViewedAt``. A play Plex records on a show itself (its ``lastViewedAt``,
  which outlives the history row of a deleted episode) counts for the show when it is later than
  every play of the show's present episodes by that person.
* Jellyfin: each user's ``UserData`` of items played or stopped part way
  (``PlaybackPositionTicks`` > 0), dated by ``LastPlayedDate``.

The rules, per movie or episode and person (``watch_evidence``, rebuilt after each sync):

1. A play counts only if it happened at or after the item's current file was added (its ``addedAt``
   on Plex: the official spec gives ``Media``/``Part`` no date of their own, and the part key's
   number is a cache-busting changestamp, not a date; ``DateCreated`` on Jellyfin). An older play
   was of a file that is no longer there.
2. A play the server does not date (Jellyfin played without ``LastPlayedDate``, a Plex view count
   without ``lastViewedAt``) is "watched at an unknown time": the answer is unknown, which keeps
   the file.
3. An item with plays but no added date is unknown ("added date unknown"): the plays cannot be
   placed before or after the file.
4. A play or an added date in the future (``library.dates``) is suspect: unknown, never recent.

``answer`` gives one row's verdict; a person with no row has no play of the item ("not watched"),
as far as a complete sync can tell.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal, Protocol

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.library.dates import is_suspect
from janitor.library.models import WatchEvidence

# Every sign of a play of the account's present movies and episodes, per item and person, judged
# against the item's added date; then the plays Plex records on shows themselves that no present
# episode explains. The token's account is the connection's ``plex_account`` ('' = not identified).
EVIDENCE_SQL = """
INSERT INTO watch_evidence (connection_id, item_upstream_id, user_upstream_id, account_id, target, kind,
                            added_at, played_at, played_source, last_any_at, undated_source)
WITH plays AS (
    SELECT w.connection_id, w.item_upstream_id AS item, w.user_upstream_id AS user_id, w.viewed_at AS at,
           'plex_history' AS source
    FROM watch_events w WHERE w.account_id = :a AND w.item_upstream_id IS NOT NULL
    UNION ALL
    SELECT m.connection_id, m.upstream_id, coalesce(c.sync_state ->> 'plex_account', ''), m.last_viewed_at,
           'plex_item'
    FROM media_items m JOIN connections c ON c.id = m.connection_id
    WHERE m.account_id = :a AND m.kind IN ('movie', 'episode') AND NOT m.gone
      AND (m.view_count > 0 OR m.view_offset_ms > 0 OR m.last_viewed_at IS NOT NULL)
    UNION ALL
    SELECT s.connection_id, s.item_upstream_id, s.user_upstream_id, s.last_played_at, 'jellyfin'
    FROM user_item_states s WHERE s.account_id = :a AND (s.played OR s.position_ticks > 0)
),
leaf AS MATERIALIZED (
    SELECT p.connection_id, p.item, p.user_id, e.kind,
           CASE WHEN e.kind = 'episode' THEN e.grandparent_id ELSE e.upstream_id END AS target, e.added_at,
           max(p.at) FILTER (WHERE p.at >= e.added_at) AS played_at,
           (array_agg(p.source ORDER BY p.at DESC) FILTER (WHERE p.at >= e.added_at))[1] AS played_source,
           max(p.at) AS last_any_at,
           max(CASE WHEN p.source = 'jellyfin' THEN 'jellyfin' ELSE 'plex' END) FILTER (WHERE p.at IS NULL)
               AS undated_source
    FROM plays p
    JOIN media_items e ON e.connection_id = p.connection_id AND e.upstream_id = p.item
    WHERE e.account_id = :a AND e.kind IN ('movie', 'episode') AND NOT e.gone
    GROUP BY p.connection_id, p.item, p.user_id, e.kind, e.grandparent_id, e.upstream_id, e.added_at
),
explained AS (
    SELECT connection_id, target, user_id, max(last_any_at) AS latest
    FROM leaf WHERE kind = 'episode' GROUP BY connection_id, target, user_id
),
shows AS (
    SELECT s.connection_id, s.upstream_id AS item, coalesce(c.sync_state ->> 'plex_account', '') AS user_id,
           s.last_viewed_at AS at, s.added_at
    FROM media_items s JOIN connections c ON c.id = s.connection_id
    WHERE s.account_id = :a AND s.kind = 'show' AND NOT s.gone
      AND (s.view_count > 0 OR s.last_viewed_at IS NOT NULL)
)
SELECT connection_id, item, user_id, :a, target, kind, added_at, played_at, played_source, last_any_at,
       undated_source
FROM leaf WHERE target IS NOT NULL
UNION ALL
SELECT sh.connection_id, sh.item, sh.user_id, :a, sh.item, 'show', sh.added_at,
       CASE WHEN sh.at >= sh.added_at THEN sh.at END, CASE WHEN sh.at >= sh.added_at THEN 'plex_item' END,
       sh.at, CASE WHEN sh.at IS NULL THEN 'plex' END
FROM shows sh
LEFT JOIN explained x ON x.connection_id = sh.connection_id AND x.target = sh.item AND x.user_id = sh.user_id
WHERE sh.at IS NULL OR x.latest IS NULL OR sh.at > x.latest
"""


async def refresh_watch_evidence(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Rebuild the account's ``watch_evidence`` (in the caller's transaction; the caller sets the plan
    options, see ``reports.precompute.refresh_last_plays``)."""
    await session.execute(text("DELETE FROM watch_evidence WHERE account_id = :a"), {"a": account_id})
    await session.execute(text(EVIDENCE_SQL), {"a": account_id})


SERVER_NAMES = {"plex": "Plex", "jellyfin": "Jellyfin"}


def day(moment: datetime, tz: tzinfo = UTC) -> str:
    local = moment.astimezone(tz)
    if local.year < 1000:  # strftime does not pad such a year: keep its spelling
        return f"{local:%Y-%m-%d}"
    # What strftime gives, several times faster (the schedule writes it for every person's every play).
    return f"{local.year}-{local.month:02d}-{local.day:02d}"


def day_sql(expr: str) -> str:
    """``day`` of a ``timestamptz`` expression in SQL, in UTC (a year before 1000 unpadded, as strftime)."""
    utc = f"(({expr}) AT TIME ZONE 'UTC')"
    return (
        f"(CASE WHEN extract(year FROM {utc}) < 1000 "
        f"THEN ltrim(to_char({utc}, 'YYYY'), '0') || to_char({utc}, '-MM-DD') ELSE to_char({utc}, 'YYYY-MM-DD') END)"
    )


def unknown_why(
    *,
    now: datetime,
    played_at: datetime | None,
    added_at: datetime | None,
    added_known: bool,
    undated_source: str | None,
    tz: tzinfo = UTC,
) -> str | None:
    """Why the evidence cannot be judged (None when it can), in the order a person should fix it:
    a play in the future, an added date in the future, no added date, a play without a date."""
    if played_at is not None and is_suspect(played_at, now):
        return f"play dated {day(played_at, tz)}, in the future"
    if added_at is not None and is_suspect(added_at, now):
        return f"added date {day(added_at, tz)} is in the future"
    if not added_known:
        return "added date unknown"
    if undated_source is not None:
        return undated_why(undated_source)
    return None


def undated_why(source: str) -> str:
    return f"watched at an unknown time ({SERVER_NAMES.get(source, source)} has no date)"


@dataclass(frozen=True)
class WatchAnswer:
    """``watched``: a play after the current file was added (``at``, newest); ``not_watched``: none
    (``why`` may name an older play of a previous file); ``unknown``: ``why`` says what is missing."""

    state: Literal["watched", "not_watched", "unknown"]
    at: datetime | None
    why: str
    source: str | None = None


class Evidence(Protocol):
    """What ``answer`` reads of a ``watch_evidence`` row (a row of those columns, read in bulk without
    building ORM objects, does as well)."""

    @property
    def added_at(self) -> datetime | None: ...
    @property
    def played_at(self) -> datetime | None: ...
    @property
    def played_source(self) -> str | None: ...
    @property
    def last_any_at(self) -> datetime | None: ...
    @property
    def undated_source(self) -> str | None: ...


def answer(row: Evidence | None, *, now: datetime, tz: tzinfo = UTC) -> WatchAnswer:
    """The verdict for one item and person. A future date is judged against ``now`` here, not when
    the row was built: a date within a day of the clock is skew, later it is suspect."""
    if row is None:
        return WatchAnswer("not_watched", None, "no play recorded")
    # A dated play that counts wins over a play without a date (it was watched, at least then).
    why = unknown_why(
        now=now,
        played_at=row.played_at or row.last_any_at,
        added_at=row.added_at,
        added_known=row.added_at is not None,
        undated_source=None,
        tz=tz,
    )
    if why is not None:
        return WatchAnswer("unknown", None, why)
    if row.played_at is not None:
        return WatchAnswer("watched", row.played_at, f"watched {day(row.played_at, tz)}", row.played_source)
    if row.undated_source is not None:
        return WatchAnswer("unknown", None, undated_why(row.undated_source))
    if row.last_any_at is not None and row.added_at is not None:
        return WatchAnswer(
            "not_watched",
            None,
            f"last watched {day(row.last_any_at, tz)}, before the current file was added on {day(row.added_at, tz)}",
        )
    return WatchAnswer("not_watched", None, "no play recorded")


async def answers(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    connection_id: uuid.UUID,
    item_ids: Iterable[str],
    now: datetime,
    tz: tzinfo = UTC,
) -> dict[tuple[str, str], WatchAnswer]:
    """Each person's answer for these items of one connection, keyed by (item, person). A person
    missing from the result has no play of the item (``answer(None)``)."""
    rows = await session.scalars(
        select(WatchEvidence).where(
            WatchEvidence.account_id == account_id,
            WatchEvidence.connection_id == connection_id,
            WatchEvidence.item_upstream_id.in_(list(item_ids)),
        )
    )
    return {(r.item_upstream_id, r.user_upstream_id): answer(r, now=now, tz=tz) for r in rows}
