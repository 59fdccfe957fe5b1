"""e-mail verification and change of address: accounts.email_verified_at, account_tokens.email;
mails of no account (mail_outbox.account_id nullable: the notice that an account was deleted)

Accounts that existed before verification count as verified (their owners connected servers
already; nothing would be gained by locking them out).

Revision ID: 0bd9af049a0e
Revises: abceb790194e
Create Date: 2026-12-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0bd9af049a0e'
down_revision: str | None = 'abceb790194e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('account_tokens', sa.Column('email', sa.String(length=320), nullable=True))
    op.add_column('accounts', sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE accounts SET email_verified_at = created_at')
    op.alter_column('mail_outbox', 'account_id', existing_type=postgresql.UUID(as_uuid=True), nullable=True)


def downgrade() -> None:
    op.execute('DELETE FROM mail_outbox WHERE account_id IS NULL')
    op.alter_column('mail_outbox', 'account_id', existing_type=postgresql.UUID(as_uuid=True), nullable=False)
    op.drop_column('accounts', 'email_verified_at')
    op.drop_column('account_tokens', 'email')
