"""one composite tenant key per hot table

media_items, watch_events and user_item_states (and libraries) reference their library or
connection together with the account: one key lookup per row instead of two or three (a quarter of
a first sync's database time went to those lookups), and the ids of a row can no longer disagree.
Deleting an account still deletes every row (account -> connections -> libraries -> items).

Revision ID: 716b5dba20a3
Revises: f5725582e7d3
Create Date: 2026-12-02 17:39:58.820737
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '716b5dba20a3'
down_revision: str | None = 'f5725582e7d3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint('uq_connections_tenant', 'connections', ['id', 'account_id'])
    op.create_unique_constraint('uq_libraries_tenant', 'libraries', ['id', 'account_id', 'connection_id'])
    op.drop_constraint(op.f('fk_libraries_account_id_accounts'), 'libraries', type_='foreignkey')
    op.drop_constraint(op.f('fk_libraries_connection_id_connections'), 'libraries', type_='foreignkey')
    op.create_foreign_key('fk_libraries_connection_tenant', 'libraries', 'connections', ['connection_id', 'account_id'], ['id', 'account_id'], ondelete='CASCADE')
    op.drop_constraint(op.f('fk_media_items_library_id_libraries'), 'media_items', type_='foreignkey')
    op.drop_constraint(op.f('fk_media_items_account_id_accounts'), 'media_items', type_='foreignkey')
    op.drop_constraint(op.f('fk_media_items_connection_id_connections'), 'media_items', type_='foreignkey')
    op.create_foreign_key('fk_media_items_library_tenant', 'media_items', 'libraries', ['library_id', 'account_id', 'connection_id'], ['id', 'account_id', 'connection_id'], ondelete='CASCADE')
    op.drop_constraint(op.f('fk_user_item_states_account_id_accounts'), 'user_item_states', type_='foreignkey')
    op.drop_constraint(op.f('fk_user_item_states_connection_id_connections'), 'user_item_states', type_='foreignkey')
    op.create_foreign_key('fk_user_item_states_connection_tenant', 'user_item_states', 'connections', ['connection_id', 'account_id'], ['id', 'account_id'], ondelete='CASCADE')
    op.drop_constraint(op.f('fk_watch_events_account_id_accounts'), 'watch_events', type_='foreignkey')
    op.drop_constraint(op.f('fk_watch_events_connection_id_connections'), 'watch_events', type_='foreignkey')
    op.create_foreign_key('fk_watch_events_connection_tenant', 'watch_events', 'connections', ['connection_id', 'account_id'], ['id', 'account_id'], ondelete='CASCADE')


def downgrade() -> None:
    op.drop_constraint('fk_watch_events_connection_tenant', 'watch_events', type_='foreignkey')
    op.create_foreign_key(op.f('fk_watch_events_connection_id_connections'), 'watch_events', 'connections', ['connection_id'], ['id'], ondelete='CASCADE')
    op.create_foreign_key(op.f('fk_watch_events_account_id_accounts'), 'watch_events', 'accounts', ['account_id'], ['id'], ondelete='CASCADE')
    op.drop_constraint('fk_user_item_states_connection_tenant', 'user_item_states', type_='foreignkey')
    op.create_foreign_key(op.f('fk_user_item_states_connection_id_connections'), 'user_item_states', 'connections', ['connection_id'], ['id'], ondelete='CASCADE')
    op.create_foreign_key(op.f('fk_user_item_states_account_id_accounts'), 'user_item_states', 'accounts', ['account_id'], ['id'], ondelete='CASCADE')
    op.drop_constraint('fk_media_items_library_tenant', 'media_items', type_='foreignkey')
    op.create_foreign_key(op.f('fk_media_items_connection_id_connections'), 'media_items', 'connections', ['connection_id'], ['id'], ondelete='CASCADE')
    op.create_foreign_key(op.f('fk_media_items_account_id_accounts'), 'media_items', 'accounts', ['account_id'], ['id'], ondelete='CASCADE')
    op.create_foreign_key(op.f('fk_media_items_library_id_libraries'), 'media_items', 'libraries', ['library_id'], ['id'], ondelete='CASCADE')
    op.drop_constraint('fk_libraries_connection_tenant', 'libraries', type_='foreignkey')
    op.create_foreign_key(op.f('fk_libraries_connection_id_connections'), 'libraries', 'connections', ['connection_id'], ['id'], ondelete='CASCADE')
    op.create_foreign_key(op.f('fk_libraries_account_id_accounts'), 'libraries', 'accounts', ['account_id'], ['id'], ondelete='CASCADE')
    op.drop_constraint('uq_libraries_tenant', 'libraries', type_='unique')
    op.drop_constraint('uq_connections_tenant', 'connections', type_='unique')
