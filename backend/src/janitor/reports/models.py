"""Per-account thresholds of the reports (one row per account, created with defaults on first read)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base, connection_tenant_key


class ReportSettings(Base):
    __tablename__ = "report_settings"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    stale_months: Mapped[int] = mapped_column(Integer, default=4)
    stale_ignore_added_months: Mapped[int] = mapped_column(Integer, default=3)
    stale_ignore_released_months: Mapped[int] = mapped_column(Integer, default=3)
    stale_ignore_future_releases: Mapped[bool] = mapped_column(Boolean, default=True)
    large_movie_gb: Mapped[float] = mapped_column(Float, default=13.0)
    # None required until the owner says which (the setup checklist asks): the language report lists
    # nothing before ``languages_chosen_at`` is set (reports/languages.py).
    required_audio_languages: Mapped[list[str]] = mapped_column(ARRAY(String(8)), default=list)
    required_subtitle_languages: Mapped[list[str]] = mapped_column(ARRAY(String(8)), default=list)
    # When the owner last chose the required languages (saved them, even unchanged); None: never.
    languages_chosen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duplicate_tolerance_seconds: Mapped[int] = mapped_column(Integer, default=2)
    duplicate_strict: Mapped[bool] = mapped_column(Boolean, default=False)
    stuck_request_days: Mapped[int] = mapped_column(Integer, default=7)
    recently_available_days: Mapped[int] = mapped_column(Integer, default=7)
    # IANA name: "today" for every date cut-off of the stale report (validated on the way in).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")


class DuplicateKeeper(Base):
    """The copy the owner chose to keep in one duplicates group, for exactly that group.

    A group is its copies: the tracks of a duplicates group, or the versions (parts) of one
    multi-version track. The choice applies while the group holds exactly the copies it held when the
    choice was made (``members``, hashed with the kind and the connection into ``group_id``); once a
    copy left or joined, the group shows why the choice no longer applies and proposes the automatic
    keeper until the owner chooses again (``reports/keepers.py``)."""

    __tablename__ = "duplicate_keepers"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # duplicates | versions
    # Sorted: the tracks' upstream ids (duplicates) or the track's part ids (versions).
    members: Mapped[list[str]] = mapped_column(ARRAY(String(100)))
    upstream_id: Mapped[str] = mapped_column(String(100))  # the chosen track (versions: the track)
    part_id: Mapped[str | None] = mapped_column(String(100))  # versions: the chosen version
    # The duplicate settings the group was formed under (to say so when a change split it).
    strict: Mapped[bool] = mapped_column(Boolean)
    tolerance_seconds: Mapped[int] = mapped_column(Integer)
    chosen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ItemLastPlay(Base):
    """Per movie and show, what ``watch_evidence`` says of all its people (a show's: of all its
    episodes): the newest play that counts and by whom, the newest play of any file, and whether a
    play has no date. Derived data: rebuilt per account at the end of every sync run, from
    ``watch_evidence`` (``reports.precompute.refresh_last_plays``)."""

    __tablename__ = "item_last_plays"
    __table_args__ = (Index("ix_item_last_plays_account", "account_id"), connection_tenant_key("item_last_plays"))

    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # The movie's or the show's upstream id.
    target: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The newest play after the file was added (NULL: none counts).
    played_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_upstream_id: Mapped[str | None] = mapped_column(String(100))
    # The server of that play: the item's own, or another server's copy of it (library/copies.py).
    played_connection_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    last_any_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undated_source: Mapped[str | None] = mapped_column(String(16))


class DuplicateCandidate(Base):
    """A track that may be in a duplicates group (another present track of its server shares its
    normalised key, or it holds several versions), with the columns the grouping and the report's
    filters read. Rebuilt at the end of every sync run, the only writer of tracks.

    One key, to the track's library with its account and connection (the composite key media_items
    uses): it proves the ids agree and removes the rows with their library, connection or account,
    which is the only way a track row is ever deleted (a track that goes is marked ``gone``), so
    ``item_id`` needs no key of its own. Each key is a check per row written (four cost 0.5 s per
    rebuild of 12,500 candidates)."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (
        Index("ix_duplicate_candidates_account", "account_id"),
        ForeignKeyConstraint(
            ["library_id", "account_id", "connection_id"],
            ["libraries.id", "libraries.account_id", "libraries.connection_id"],
            ondelete="CASCADE",
            name="fk_duplicate_candidates_library_tenant",
        ),
    )

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    library_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    upstream_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    grandparent_title: Mapped[str | None] = mapped_column(Text)
    parent_title: Mapped[str | None] = mapped_column(Text)
    match_key: Mapped[str] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    multi: Mapped[bool] = mapped_column(Boolean)


class ReportSummary(Base):
    """The dashboard's expensive figures (cards, storage, stale items by age) as of ``computed_at``.

    Valid while ``fingerprint`` equals the inputs' current fingerprint (settings, active allowlist
    entries, libraries, keepers, the latest sync run, the hour): any change to them makes the next
    read recompute it; the end of a sync run recomputes it eagerly."""

    __tablename__ = "report_summaries"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)


class LargeDismissal(Base):
    """A movie the owner chose to keep at its size: it leaves the large movies report while its file is
    the one they judged (``size_bytes`` and ``file``, the first part's path, as when dismissed). A new
    file (another size or path) shows the movie again; the row stays until restored, so the owner can
    still see and undo it from the report's dismissed view."""

    __tablename__ = "large_dismissals"
    __table_args__ = (connection_tenant_key("large_dismissals"),)

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    upstream_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    file: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    dismissed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReportVideoItem(Base):
    """A present movie, show or episode as the stale and language reports read it
    (``library/video_rows.py``): derived data, rebuilt with the last plays at the end of every sync run.
    ``id`` is the item's ``media_items`` id. One key, to the item's library with its account and
    connection (as ``duplicate_candidates``): the rows go with their library, connection or account."""

    __tablename__ = "report_video_items"
    __table_args__ = (
        Index("ix_report_video_items_account_kind", "account_id", "kind"),
        # The languages report's page in title order (its default), read until the page is full.
        Index(
            "ix_report_video_items_title",
            "account_id",
            "sort_title",
            "id",
            postgresql_where="kind IN ('movie', 'episode')",
        ),
        ForeignKeyConstraint(
            ["library_id", "account_id", "connection_id"],
            ["libraries.id", "libraries.account_id", "libraries.connection_id"],
            ondelete="CASCADE",
            name="fk_report_video_items_library_tenant",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    library_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    upstream_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # movie show episode
    grandparent_id: Mapped[str | None] = mapped_column(String(100))
    guids: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    title: Mapped[str] = mapped_column(Text)
    grandparent_title: Mapped[str | None] = mapped_column(Text)
    # An episode's "Show S01E02 · Title", else the title; and its lower case (the languages' sort).
    display_title: Mapped[str] = mapped_column(Text)
    sort_title: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(SmallInteger)
    released_on: Mapped[date | None] = mapped_column(Date)
    added_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # Stale (movies and shows): a show's newest episode's added date (unknown when one has none), its
    # episodes' size and count (each file once across servers), the item's last plays (item_last_plays).
    effective_added: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    added_unknown: Mapped[bool] = mapped_column(Boolean)
    total_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    episodes: Mapped[int | None] = mapped_column(Integer)
    last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_user_upstream_id: Mapped[str | None] = mapped_column(String(100))
    last_connection_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    last_any_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undated_source: Mapped[str | None] = mapped_column(String(16))
    # Languages (movies and episodes): whether the streams are known, the languages that count.
    known: Mapped[bool] = mapped_column(Boolean)
    audio: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    subtitles: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    untagged_audio: Mapped[int] = mapped_column(SmallInteger)
    untagged_subtitles: Mapped[int] = mapped_column(SmallInteger)
