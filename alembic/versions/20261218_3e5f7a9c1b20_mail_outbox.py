"""mail outbox: every mail is a row first, sent by the worker

Revision ID: 3e5f7a9c1b20
Revises: 5b1d6e0c2a47
Create Date: 2026-12-18 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '3e5f7a9c1b20'
down_revision: str | None = '5b1d6e0c2a47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'mail_outbox',
        sa.Column('id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('account_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('to_address', sa.String(length=320), nullable=False),
        sa.Column('template', sa.String(length=40), nullable=False),
        sa.Column('values_ciphertext', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.SmallInteger(), server_default='0', nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['account_id'], ['accounts.id'], name=op.f('fk_mail_outbox_account_id_accounts'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    )
    op.create_index(
        'ix_mail_outbox_pending',
        'mail_outbox',
        ['account_id', 'created_at'],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index('ix_mail_outbox_pending', table_name='mail_outbox', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('mail_outbox')
