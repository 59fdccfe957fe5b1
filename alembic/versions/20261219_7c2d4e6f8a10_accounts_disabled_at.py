"""accounts: disabled by the operator (no sign-in, no jobs)

Revision ID: 7c2d4e6f8a10
Revises: 3e5f7a9c1b20
Create Date: 2026-12-19 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c2d4e6f8a10'
down_revision: str | None = '3e5f7a9c1b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('accounts', 'disabled_at')
