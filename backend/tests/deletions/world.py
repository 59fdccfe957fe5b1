"""A small world written straight into the database (no sync): one Plex server, a movie, a
multi-version track. For the queue's primitives, where a sync would only add time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import Connection, Library
from janitor.library.models import MediaItem

ADDED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    connection: Connection
    library: Library
    movie: MediaItem
    track: MediaItem  # two versions: media 71 (flac) and 72 (mp3)


async def plant(session: AsyncSession, account_id: uuid.UUID, *, server_id: str = "machine-1") -> World:
    connection = Connection(
        id=uuid.uuid4(),
        account_id=account_id,
        kind="plex",
        name="Home",
        base_url="http://plex.invalid",
        server_id=server_id,
        token_ciphertext="x",
        verify_tls=False,
        options={},
        status="ok",
    )
    session.add(connection)
    await session.flush()
    library = Library(
        id=uuid.uuid4(),
        account_id=account_id,
        connection_id=connection.id,
        upstream_key="1",
        title="Movies",
        kind="movie",
        enabled=True,
    )
    session.add(library)
    await session.flush()
    movie = MediaItem(
        account_id=account_id,
        connection_id=connection.id,
        library_id=library.id,
        upstream_id="101",
        kind="movie",
        title="The Matrix",
        year=1999,
        added_at=ADDED,
        size_bytes=8_000_000_000,
        guids={},
        parts=[{"part_id": "501", "media_id": "601", "file": "/movies/matrix.mkv", "size": 8_000_000_000}],
    )
    track = MediaItem(
        account_id=account_id,
        connection_id=connection.id,
        library_id=library.id,
        upstream_id="201",
        kind="track",
        title="Song",
        parent_title="Album",
        grandparent_title="Artist",
        added_at=ADDED,
        size_bytes=40_000_000,
        guids={},
        parts=[
            {"part_id": "81", "media_id": "71", "file": "/music/song.flac", "size": 30_000_000},
            {"part_id": "82", "media_id": "72", "file": "/music/song.mp3", "size": 10_000_000},
        ],
    )
    session.add_all([movie, track])
    await session.flush()
    return World(connection, library, movie, track)
