"""media requests keep the Jellyseerr media id

The deleter clears a title's Jellyseerr media record once its file is deleted (``DELETE
/api/v1/media/{id}``), so it can be requested again; requests synced before this carry no id until
the next Jellyseerr sync writes it.

Revision ID: fb23924c8a38
Revises: 2030e8f695bb
Create Date: 2026-12-05 19:22:37.756021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'fb23924c8a38'
down_revision: str | None = '2030e8f695bb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('media_requests', sa.Column('seerr_media_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('media_requests', 'seerr_media_id')
