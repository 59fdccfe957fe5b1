"""track match keys recomputed with the new normalisation

The duplicate key changed (apostrophes and quotes count as nothing, every dash variant separates a
release marker, a marker beside "Live" or "Mono" no longer erases it, letters such as "ø" fold). A
sync rewrites a stored key when it lists the track, but a refresh lists only what changed upstream:
without this migration the report would keep the old groups until the next full pass (daily), and a
chosen keeper would be judged against groups the code no longer forms. So every stored track key is
recomputed here and, for the accounts whose keys changed, the duplicate candidates are rebuilt and
the dashboard summary is dropped (recomputed on its next read).

``track_key`` is imported, not copied: the stored key must be exactly what the sync computes (a frozen
copy would be right only until the next change, and a wrong key silently splits or merges groups).
It is a pure function of the three strings, so it needs no schema of any revision; a later change to
it ships its own recompute (this one then does the same work twice, harmlessly). The candidates are
rebuilt with the statement the sync used at this revision, frozen here: the sync's own now reads
``media_copies``, a table of a later revision.

Downgrade leaves the keys: the older code rewrites each one the next time a sync lists its track.

Revision ID: 8f4b2d6e1a93
Revises: 3c1e9a7d2b40
Create Date: 2026-12-05 09:30:00.000000
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from janitor.library.matching import track_key

# reports.precompute.CANDIDATES_SQL as of this revision (before media_copies existed).
CANDIDATES_SQL = """
INSERT INTO duplicate_candidates (item_id, account_id, connection_id, library_id, upstream_id, title,
                                  grandparent_title, parent_title, match_key, duration_ms, multi)
SELECT t.id, :a, t.connection_id, t.library_id, t.upstream_id, t.title, t.grandparent_title, t.parent_title,
       t.match_key, t.duration_ms, t.multi
FROM (
    SELECT m.id, m.connection_id, m.library_id, m.upstream_id, m.title, m.grandparent_title, m.parent_title,
           m.match_key, m.duration_ms, jsonb_array_length(m.parts) > 1 AS multi,
           count(*) OVER (PARTITION BY m.connection_id, m.match_key) AS sharing
    FROM media_items m
    WHERE m.account_id = :a AND m.kind = 'track' AND NOT m.gone AND m.match_key IS NOT NULL
) t
WHERE t.sharing > 1 OR t.multi
"""

revision: str = '8f4b2d6e1a93'
down_revision: str | None = '3c1e9a7d2b40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

BATCH = 10_000

def upgrade() -> None:
    bind = op.get_bind()
    last, seen, accounts = 0, 0, set()
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, account_id, title, grandparent_title, parent_title, match_key FROM media_items "
                "WHERE kind = 'track' AND id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            break
        changed = [
            (r.id, r.account_id, key)
            for r in rows
            if (key := track_key(r.title, r.grandparent_title, r.parent_title)) != r.match_key
        ]
        if changed:
            bind.execute(
                sa.text(
                    "UPDATE media_items m SET match_key = v.k "
                    "FROM unnest(CAST(:ids AS bigint[]), CAST(:keys AS text[])) AS v(id, k) WHERE m.id = v.id"
                ),
                {"ids": [i for i, _, _ in changed], "keys": [k for _, _, k in changed]},
            )
            accounts.update(a for _, a, _ in changed)
        seen += len(changed)
        last = rows[-1].id
    for account in sorted(accounts):
        bind.execute(sa.text("DELETE FROM duplicate_candidates WHERE account_id = :a"), {"a": account})
        bind.execute(sa.text(CANDIDATES_SQL), {"a": account})
        bind.execute(sa.text("DELETE FROM report_summaries WHERE account_id = :a"), {"a": account})
    log.info("track match keys: %d changed, in %d accounts", seen, len(accounts))


def downgrade() -> None:
    pass
