"""Synced upstream data. Keys are the servers' stable ids (Plex ratingKey, Jellyfin Id), never paths.

Items carry ``missing_runs``: only a complete sync may count an item as missing, and an item is
gone only after two complete runs without it. Which items a full pass saw is recorded apart, in
``sync_seen_items``, so that an unchanged item is not rewritten on every pass.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base, connection_tenant_key


class MediaItem(Base):
    """One synced item. ``parts``, ``guids`` and the four title columns keep no planner statistics
    (``SET STATISTICS 0``, migration 0468831fdf62: not expressible in this metadata): no report plan
    needs them, and sampling them was most of the ANALYZE that follows every bulk load."""

    __tablename__ = "media_items"
    __table_args__ = (
        UniqueConstraint("connection_id", "upstream_id", name="uq_media_items_connection_upstream"),
        Index("ix_media_items_account_kind", "account_id", "kind"),
        Index("ix_media_items_library", "library_id"),
        Index("ix_media_items_match", "account_id", "connection_id", "match_key", postgresql_where="kind = 'track'"),
        # Reports (bench/reports.py shows the plans): large movies by size, what was added recently,
        # a show's episodes (stale).
        Index("ix_media_items_movie_size", "account_id", "size_bytes", postgresql_where="kind = 'movie' AND NOT gone"),
        Index("ix_media_items_account_added", "account_id", "added_at", postgresql_where="NOT gone"),
        Index(
            "ix_media_items_show_episodes",
            "account_id",
            "connection_id",
            "grandparent_id",
            postgresql_include=["added_at", "size_bytes"],
            postgresql_where="kind = 'episode' AND NOT gone",
        ),
        # The item's library with the account and connection it belongs to: one key lookup per row
        # written (a sync writes them by the hundred thousand) that also proves the three ids agree.
        ForeignKeyConstraint(
            ["library_id", "account_id", "connection_id"],
            ["libraries.id", "libraries.account_id", "libraries.connection_id"],
            ondelete="CASCADE",
            name="fk_media_items_library_tenant",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    library_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    upstream_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # movie show season episode artist album track
    parent_id: Mapped[str | None] = mapped_column(String(100))
    grandparent_id: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    parent_title: Mapped[str | None] = mapped_column(Text)
    grandparent_title: Mapped[str | None] = mapped_column(Text)
    original_title: Mapped[str | None] = mapped_column(Text)
    index: Mapped[int | None] = mapped_column(Integer)
    parent_index: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(SmallInteger)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    upstream_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_on: Mapped[date | None] = mapped_column(Date)
    guids: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    # Tracks: normalised title + artist + album (library/matching.py), the duplicates report's key.
    match_key: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    bitrate_kbps: Mapped[int | None] = mapped_column(Integer)
    container: Mapped[str | None] = mapped_column(String(32))
    video_resolution: Mapped[str | None] = mapped_column(String(16))
    video_codec: Mapped[str | None] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    # One entry per version/file: ids, path, size, codecs and (once known) streams.
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    audio_languages: Mapped[list[str] | None] = mapped_column(ARRAY(String(8)))
    subtitle_languages: Mapped[list[str] | None] = mapped_column(ARRAY(String(8)))
    untagged_audio: Mapped[int | None] = mapped_column(SmallInteger)
    untagged_subtitles: Mapped[int | None] = mapped_column(SmallInteger)
    streams_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Plex only: the item's own view state from the listing (``viewCount``, ``lastViewedAt``,
    # ``viewOffset`` in ms), which belongs to the account of the connection's token. A play Plex
    # counts without a history row (marked played, a deleted episode's show) or a partial view shows
    # here only. NULL on Jellyfin, whose per-user state is in ``user_item_states``.
    view_count: Mapped[int | None] = mapped_column(Integer)
    last_viewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    view_offset_ms: Mapped[int | None] = mapped_column(BigInteger)
    missing_runs: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    gone: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")


# The items a full pass has listed so far, per run (append-only while the run lasts, emptied when it
# settles). ``mark_missing`` anti-joins it; keeping it apart means a pass that finds nothing changed
# writes a narrow row per item instead of rewriting every item. No key: an item listed twice (pages
# shifting under us) is harmless.
sync_seen_items = Table(
    "sync_seen_items",
    Base.metadata,
    Column("run_id", UUID(as_uuid=True), nullable=False),
    Column("connection_id", UUID(as_uuid=True), nullable=False),
    Column("upstream_id", String(100), nullable=False),
    Index("ix_sync_seen_items_run", "run_id", "connection_id", "upstream_id"),
)


class RemoteUser(Base):
    """A person on a media server: Plex owner/home/friend accounts, Jellyfin users."""

    __tablename__ = "remote_users"
    __table_args__ = (UniqueConstraint("connection_id", "upstream_id", name="uq_remote_users_connection_upstream"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    upstream_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))  # owner, home (Plex Home), friend, user
    last_seen_run: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # What plex.tv says of a Home member or friend; used only to suggest linking people.
    email: Mapped[str | None] = mapped_column(String(320))
    # Whether their watch data can be trusted (people/health.py, after every sync): how many plays
    # the last complete read found (to see a history that shrank or emptied), when, and why their
    # answers are unknown now (None: nothing wrong was seen).
    watch_plays: Mapped[int | None] = mapped_column(Integer)
    watch_plays_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    watch_problem: Mapped[str | None] = mapped_column(Text)


class WatchEvent(Base):
    """One play from Plex history. Plays of since-deleted media have no item id."""

    __tablename__ = "watch_events"
    __table_args__ = (
        UniqueConstraint("connection_id", "upstream_id", name="uq_watch_events_connection_upstream"),
        Index("ix_watch_events_item", "connection_id", "item_upstream_id"),
        Index("ix_watch_events_account_viewed", "account_id", "viewed_at"),
        connection_tenant_key("watch_events"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    upstream_id: Mapped[str] = mapped_column(String(100))
    item_upstream_id: Mapped[str | None] = mapped_column(String(100))
    user_upstream_id: Mapped[str] = mapped_column(String(100))
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UserItemState(Base):
    """Per-user state of an item a user played or stopped part way (Jellyfin UserData): whether it is
    played, how many plays, the last one (Jellyfin may have none: a client can mark an item played
    without a date) and the resume position (``PlaybackPositionTicks``, 100 ns units; > 0 = partly
    watched)."""

    __tablename__ = "user_item_states"
    __table_args__ = (Index("ix_user_item_states_account", "account_id"), connection_tenant_key("user_item_states"))

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    item_upstream_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_upstream_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    play_count: Mapped[int] = mapped_column(Integer, default=0)
    played: Mapped[bool] = mapped_column(Boolean, default=False)
    last_played_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    position_ticks: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_seen_run: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class WatchEvidence(Base):
    """Whether a person watched an item since its current file was added: one row per movie or episode
    (and per show, for a play Plex records on the show itself) and person with any sign of a play.
    Derived data (``library.watch``), rebuilt per account at the end of every sync run; the stale
    report and the deletion schedule read it, through ``library.watch.answer`` for one row.

    * ``played_at``: the newest dated play at or after ``added_at`` (rule: a play counts only if it
      happened after the current file was added). NULL: none, or the added date is unknown.
    * ``last_any_at``: the newest dated play whatever the file (a play before ``added_at`` is kept
      here to say why it does not count).
    * ``undated_source``: a server says the person played it but not when (``plex``: a view count
      or a resume point without ``lastViewedAt``; ``jellyfin``: played or resumable without
      ``LastPlayedDate``): watched at an unknown time, which keeps the file.
    * ``user_upstream_id``: the server's id of the person ('' when Plex's listing fields belong to a
      token whose account could not be identified)."""

    __tablename__ = "watch_evidence"
    __table_args__ = (
        Index("ix_watch_evidence_account", "account_id"),
        Index("ix_watch_evidence_target", "connection_id", "target"),
        connection_tenant_key("watch_evidence"),
    )

    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    item_upstream_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_upstream_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The movie, or the show the episode belongs to (a report row's item).
    target: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # movie, episode, show
    added_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    played_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    played_source: Mapped[str | None] = mapped_column(String(16))  # plex_history, plex_item, jellyfin
    last_any_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undated_source: Mapped[str | None] = mapped_column(String(16))  # plex, jellyfin


class MediaRequest(Base):
    """A Jellyseerr request with its media's state; the title comes from Jellyseerr's TMDB proxy."""

    __tablename__ = "media_requests"
    __table_args__ = (
        UniqueConstraint("connection_id", "upstream_id", name="uq_media_requests_connection_upstream"),
        Index("ix_media_requests_account_status", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    upstream_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[int] = mapped_column(SmallInteger)
    media_status: Mapped[int | None] = mapped_column(SmallInteger)
    media_type: Mapped[str] = mapped_column(String(8))
    is_4k: Mapped[bool] = mapped_column(Boolean, default=False)
    tmdb_id: Mapped[int | None] = mapped_column(Integer)
    tvdb_id: Mapped[int | None] = mapped_column(Integer)
    imdb_id: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str | None] = mapped_column(String(300))
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    upstream_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    media_added_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    plex_rating_key: Mapped[str | None] = mapped_column(String(100))
    jellyfin_media_id: Mapped[str | None] = mapped_column(String(64))
    # Jellyseerr's own id of the title's media record (``media.id``): what the deleter clears once the
    # title's file is deleted, so it can be requested again (``DELETE /api/v1/media/{id}``).
    seerr_media_id: Mapped[int | None] = mapped_column(Integer)
    last_seen_run: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    missing_runs: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class MediaCopy(Base):
    """An item held by more than one of the account's servers: the same file seen through two servers
    (its path after each server's path mapping, else the same size, duration and identity), or, for
    shows, the same show. Derived data (``library.copies``), rebuilt at the end of every sync run and
    whenever a path mapping, a library switch or a connection changes; items of one server only have
    no row.

    ``file_group`` is the id of the group's primary item (every member, the primary included, has a
    row): reports show the primary and fold the others into it. ``title_group`` links copies of the
    same title that are different files (other sizes): they stay apart, each told of the other."""

    __tablename__ = "media_copies"
    __table_args__ = (
        Index("ix_media_copies_account", "account_id"),
        Index("ix_media_copies_file_group", "file_group"),
        Index("ix_media_copies_title_group", "title_group"),
        ForeignKeyConstraint(
            ["library_id", "account_id", "connection_id"],
            ["libraries.id", "libraries.account_id", "libraries.connection_id"],
            ondelete="CASCADE",
            name="fk_media_copies_library_tenant",
        ),
    )

    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    library_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    file_group: Mapped[int | None] = mapped_column(BigInteger)
    title_group: Mapped[int | None] = mapped_column(BigInteger)
    # How the group was recognised: path, fingerprint (size + duration + identity), show.
    matched_by: Mapped[str | None] = mapped_column(String(16))


class ExpectedDisappearance(Base):
    """An item the deleter removed, through this server or another one that showed the same file
    (one file, one row): its next sync will not find it, and that absence is explained — counted
    as gone, never as part of a mass vanish that freezes deletions or as an unexplained loss."""

    __tablename__ = "expected_disappearances"
    __table_args__ = (connection_tenant_key("expected_disappearances"),)

    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    upstream_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The deletion (deletion_queue row) that explains it.
    queue_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    expected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
