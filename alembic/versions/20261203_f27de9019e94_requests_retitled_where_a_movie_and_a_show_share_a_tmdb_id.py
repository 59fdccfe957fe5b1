"""Jellyseerr requests are titled again where a movie and a show share a TMDB id

Titles were stored by TMDB id alone, so a movie request and a show request with the same id (TMDB
numbers movies and shows apart: movie 1399 is not show 1399) got whichever title arrived first. The
sync now titles by media type and id, and fetches a title only while it is empty: emptying these lets
the next sync fetch each one right. Downgrade keeps them empty (the next sync fills them either way).

Revision ID: f27de9019e94
Revises: 5d1c0e7a9b42
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = 'f27de9019e94'
down_revision: str | None = '5d1c0e7a9b42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE media_requests r SET title = NULL
        WHERE r.tmdb_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM media_requests o
            WHERE o.connection_id = r.connection_id AND o.tmdb_id = r.tmdb_id AND o.media_type <> r.media_type
        )
        """
    )


def downgrade() -> None:
    pass
