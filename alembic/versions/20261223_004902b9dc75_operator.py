"""operator role and console: accounts.is_operator, accounts.last_sign_in_at, operator_audit

The role is granted on the command line only (``janitor operator grant EMAIL``). The last sign-in
starts empty: nothing recorded it before.

Revision ID: 004902b9dc75
Revises: 0bd9af049a0e
Create Date: 2026-12-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '004902b9dc75'
down_revision: str | None = '0bd9af049a0e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('accounts', sa.Column('is_operator', sa.Boolean(), server_default='false', nullable=False))
    op.add_column('accounts', sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'operator_audit',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('actor_id', sa.UUID(), nullable=True),
        sa.Column('actor_email', sa.String(length=320), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('target_id', sa.UUID(), nullable=True),
        sa.Column('target_email', sa.String(length=320), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['actor_id'], ['accounts.id'], name=op.f('fk_operator_audit_actor_id_accounts'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['target_id'], ['accounts.id'], name=op.f('fk_operator_audit_target_id_accounts'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_audit')),
    )
    op.create_index('ix_operator_audit_at', 'operator_audit', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_operator_audit_at', table_name='operator_audit')
    op.drop_table('operator_audit')
    op.drop_column('accounts', 'last_sign_in_at')
    op.drop_column('accounts', 'is_operator')
