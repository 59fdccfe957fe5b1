"""report video items: the stale and language reports' narrow rows

Revision ID: 9d019f8ddafd
Revises: 7c2d4e6f8a10
Create Date: 2026-12-20 09:00:00.000000

Filled here for every account from what is synced (the same statement as the code's at this revision),
so the reports are not empty until each account's next sync.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '9d019f8ddafd'
down_revision: str | None = '7c2d4e6f8a10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FILL = """
INSERT INTO report_video_items (
    id, account_id, connection_id, library_id, upstream_id, kind, grandparent_id, guids, title,
    grandparent_title, display_title, sort_title, year, released_on, added_at, size_bytes,
    effective_added, added_unknown, total_size_bytes, episodes, last_at, last_user_upstream_id,
    last_connection_id, last_any_at, undated_source, known, audio, subtitles, untagged_audio, untagged_subtitles)
SELECT m.id, m.account_id, m.connection_id, m.library_id, m.upstream_id, m.kind, m.grandparent_id, m.guids, m.title,
       m.grandparent_title, d.display_title, lower(d.display_title), m.year, m.released_on, m.added_at, m.size_bytes,
       a.added, a.unknown, COALESCE(ep.size_bytes, m.size_bytes), ep.episodes, lp.played_at, lp.user_upstream_id,
       lp.played_connection_id, lp.last_any_at, lp.undated_source,
       m.streams_synced_at IS NOT NULL, coalesce(m.audio_languages, '{}'), coalesce(m.subtitle_languages, '{}'),
       coalesce(m.untagged_audio, 0), coalesce(m.untagged_subtitles, 0)
FROM media_items m
-- a show is judged with its copies on the account's other servers (library/copies.py): its row is the
-- group's primary show, its episodes every group member's, each file counted once
LEFT JOIN LATERAL (
    SELECT max(e.added_at) AS newest, count(*) FILTER (WHERE e.added_at IS NULL) AS undated,
           sum(e.size_bytes) FILTER (WHERE ec.file_group IS NULL OR ec.file_group = e.id) AS size_bytes,
           count(*) FILTER (WHERE ec.file_group IS NULL OR ec.file_group = e.id) AS episodes
    FROM (
        SELECT m.connection_id, m.upstream_id WHERE NOT EXISTS (SELECT 1 FROM media_copies x WHERE x.item_id = m.id)
        UNION
        SELECT s.connection_id, s.upstream_id FROM media_copies g JOIN media_items s ON s.id = g.item_id
        WHERE g.file_group = m.id AND s.kind = 'show' AND NOT s.gone
    ) sh
    JOIN media_items e ON e.account_id = :a AND e.kind = 'episode' AND NOT e.gone
         AND e.connection_id = sh.connection_id AND e.grandparent_id = sh.upstream_id
    LEFT JOIN media_copies ec ON ec.item_id = e.id
    WHERE m.kind = 'show'
    HAVING count(*) > 0
) ep ON true
LEFT JOIN item_last_plays lp ON lp.connection_id = m.connection_id AND lp.target = m.upstream_id
                            AND m.kind IN ('movie', 'show')
CROSS JOIN LATERAL (
    -- a show's age is its newest episode's, unknown when any episode has no added date
    SELECT COALESCE(ep.newest, m.added_at) AS added,
           COALESCE(ep.undated, 0) > 0 OR COALESCE(ep.newest, m.added_at) IS NULL AS unknown
) a
CROSS JOIN LATERAL (
    SELECT CASE WHEN m.kind = 'episode'
                THEN concat(m.grandparent_title, ' S', lpad(coalesce(m.parent_index, 0)::text, 2, '0'),
                            'E', lpad(coalesce(m."index", 0)::text, 2, '0'), ' · ', m.title)
                ELSE m.title END AS display_title
) d
WHERE m.account_id = :a AND m.kind IN ('movie', 'show', 'episode') AND NOT m.gone
"""


def upgrade() -> None:
    op.create_table('report_video_items',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('connection_id', sa.UUID(), nullable=False),
    sa.Column('library_id', sa.UUID(), nullable=False),
    sa.Column('upstream_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('grandparent_id', sa.String(length=100), nullable=True),
    sa.Column('guids', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('grandparent_title', sa.Text(), nullable=True),
    sa.Column('display_title', sa.Text(), nullable=False),
    sa.Column('sort_title', sa.Text(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=True),
    sa.Column('released_on', sa.Date(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('effective_added', sa.DateTime(timezone=True), nullable=True),
    sa.Column('added_unknown', sa.Boolean(), nullable=False),
    sa.Column('total_size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('episodes', sa.Integer(), nullable=True),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_user_upstream_id', sa.String(length=100), nullable=True),
    sa.Column('last_connection_id', sa.UUID(), nullable=True),
    sa.Column('last_any_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undated_source', sa.String(length=16), nullable=True),
    sa.Column('known', sa.Boolean(), nullable=False),
    sa.Column('audio', postgresql.ARRAY(sa.String(length=8)), nullable=False),
    sa.Column('subtitles', postgresql.ARRAY(sa.String(length=8)), nullable=False),
    sa.Column('untagged_audio', sa.SmallInteger(), nullable=False),
    sa.Column('untagged_subtitles', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['library_id', 'account_id', 'connection_id'], ['libraries.id', 'libraries.account_id', 'libraries.connection_id'], name='fk_report_video_items_library_tenant', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_video_items'))
    )
    op.create_index('ix_report_video_items_account_kind', 'report_video_items', ['account_id', 'kind'], unique=False)
    op.create_index(
        'ix_report_video_items_title',
        'report_video_items',
        ['account_id', 'sort_title', 'id'],
        unique=False,
        postgresql_where=sa.text("kind IN ('movie', 'episode')"),
    )
    bind = op.get_bind()
    for (account_id,) in bind.execute(sa.text("SELECT id FROM accounts")).all():
        bind.execute(sa.text(FILL), {"a": account_id})


def downgrade() -> None:
    op.drop_index('ix_report_video_items_title', table_name='report_video_items')
    op.drop_index('ix_report_video_items_account_kind', table_name='report_video_items')
    op.drop_table('report_video_items')
