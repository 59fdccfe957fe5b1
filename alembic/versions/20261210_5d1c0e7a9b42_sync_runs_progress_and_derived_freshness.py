"""sync runs record their last progress and whether the reports' derived data is fresh after them

``progress_at`` is what the stall watchdog judges a running run by; ``derived_stale`` and
``derived_error`` say whether the last plays and duplicate candidates match what the run left in the
tables. Finished runs are backfilled from their error text (the only trace older runs left).

Revision ID: 5d1c0e7a9b42
Revises: d3233334147f
Create Date: 2026-12-10 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5d1c0e7a9b42'
down_revision: str | None = 'd3233334147f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('sync_runs', sa.Column('derived_stale', sa.Boolean(), nullable=True))
    op.add_column('sync_runs', sa.Column('derived_error', sa.Text(), nullable=True))
    op.add_column('sync_runs', sa.Column('progress_at', sa.DateTime(timezone=True), nullable=True))
    # Older runs: a failed rebuild said "report figures could not be refreshed"; a run failed by crash
    # recovery never reached the rebuild. Runs that never started touched nothing (NULL).
    op.execute(
        """
        UPDATE sync_runs SET
            derived_stale = coalesce(error LIKE '%report figures could not be refreshed%'
                                     OR error LIKE 'The worker running this sync stopped%', false),
            derived_error = CASE
                WHEN error LIKE '%report figures could not be refreshed%'
                    THEN 'the report figures could not be rebuilt'
                WHEN error LIKE 'The worker running this sync stopped%'
                    THEN 'the sync stopped before the report figures were rebuilt'
            END
        WHERE started_at IS NOT NULL AND finished_at IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_column('sync_runs', 'progress_at')
    op.drop_column('sync_runs', 'derived_error')
    op.drop_column('sync_runs', 'derived_stale')
