"""remote users: their e-mail (to suggest linking people) and whether their watch data can be trusted

``watch_plays``/``watch_plays_at``: the plays the last complete read of the person found (a history
that empties or shrinks between two reads looks wrong); ``watch_problem``: why their answers are
unknown now (their data could not be read, their history shrank). All empty until the next sync.

Revision ID: 2030e8f695bb
Revises: ec10beb9bde6
Create Date: 2026-12-11 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '2030e8f695bb'
down_revision: str | None = 'ec10beb9bde6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('remote_users', sa.Column('email', sa.String(length=320), nullable=True))
    op.add_column('remote_users', sa.Column('watch_plays', sa.Integer(), nullable=True))
    op.add_column('remote_users', sa.Column('watch_plays_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('remote_users', sa.Column('watch_problem', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('remote_users', 'watch_problem')
    op.drop_column('remote_users', 'watch_plays_at')
    op.drop_column('remote_users', 'watch_plays')
    op.drop_column('remote_users', 'email')
