"""large movie dismissals: a movie kept at its size leaves the large movies report

Revision ID: 5b1d6e0c2a47
Revises: 9091398df48c
Create Date: 2026-12-16 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '5b1d6e0c2a47'
down_revision: str | None = '9091398df48c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'large_dismissals',
        sa.Column('account_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('connection_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('upstream_id', sa.String(length=100), nullable=False),
        sa.Column('size_bytes', sa.BigInteger(), nullable=False),
        sa.Column('file', sa.Text(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('dismissed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['connection_id', 'account_id'],
            ['connections.id', 'connections.account_id'],
            name='fk_large_dismissals_connection_tenant',
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('account_id', 'connection_id', 'upstream_id', name=op.f('pk_large_dismissals')),
    )


def downgrade() -> None:
    op.drop_table('large_dismissals')
