"""duplicate keepers keyed by their group's copies

A chosen keeper was stored under the track's normalised key (or "v:<track>" for a multi-version
track), while a group is a key *and* a duration cluster (a raw key in strict mode): a choice made in
one group replaced another's, and one that no longer matched fell back without a word. A choice now
names the copies of the group it was made in (``members``, hashed into ``group_id``) and applies only
to a group holding exactly those copies (``janitor.reports.keepers``).

Existing rows are mapped to the group they identify today, under the account's current settings and
the stored keys: the one group showing the row's copy as the chosen keeper in today's report (the
group of its key holding the chosen track; for "v:" rows, the track's versions). A row identifies at
most one group (a track is in one duplicates group and has one set of versions), so it is kept when
that group exists and dropped when it does not (its copy is gone, no longer grouped, in a library
switched off, or re-tagged to another key): such a row showed nothing today, and keeping it would
bind an old decision to copies the owner never chose among. The number dropped is logged. A mapped
row records today's settings, so a later settings change that splits the group is named as the cause.

The grouping SQL below is today's, frozen with this revision's schema; ``group_id`` is imported: the
stored id must be the one the running code computes (the migration tests run every revision, so a
change to its name or signature fails them).

Revision ID: 3c1e9a7d2b40
Revises: 0468831fdf62
Create Date: 2026-12-05 09:00:00.000000
"""

import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from janitor.reports.keepers import group_id

revision: str = '3c1e9a7d2b40'
down_revision: str | None = '0468831fdf62'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

STRICT_KEY = "concat_ws(E'\\x1f', m.title, m.grandparent_title, m.parent_title)"
# Today's duplicates group of one track: its key's tracks on its server (enabled libraries), cut into
# duration clusters; the members of the track's cluster.
TODAY_GROUP = """
WITH t AS (
    SELECT m.item_id AS id, m.upstream_id, {key} AS gkey, lag({dur}) OVER w AS prev, {dur} AS dur
    FROM duplicate_candidates m JOIN libraries l ON l.id = m.library_id
    WHERE m.account_id = :a AND m.connection_id = :c AND l.enabled AND m.match_key = :k
    WINDOW w AS (PARTITION BY {key} ORDER BY {dur} NULLS LAST, m.item_id)
),
c AS (
    SELECT *, sum(CASE WHEN prev IS NULL OR dur IS NULL OR dur - prev > :tol THEN 1 ELSE 0 END)
              OVER (PARTITION BY gkey ORDER BY dur NULLS LAST, id) AS cluster
    FROM t
)
SELECT c.upstream_id FROM c JOIN c AS mine ON mine.gkey = c.gkey AND mine.cluster = c.cluster
WHERE mine.upstream_id = :u
"""
TODAY_VERSIONS = """
SELECT i.parts FROM duplicate_candidates m
JOIN libraries l ON l.id = m.library_id
JOIN media_items i ON i.id = m.item_id
WHERE m.account_id = :a AND m.connection_id = :c AND m.upstream_id = :u AND m.multi AND l.enabled
"""


def _today(bind: sa.Connection, row: Any) -> tuple[str, str | None, list[str], str | None] | None:
    """(kind, track, members, part) of the group the row identifies today, or None."""
    ids = {"a": row.account_id, "c": row.connection_id, "u": row.upstream_id}
    if row.group_key.startswith("v:"):
        if row.group_key != f"v:{row.upstream_id}" or row.part_id is None:
            return None
        found = bind.execute(sa.text(TODAY_VERSIONS), ids).scalar()
        parts = sorted({str(p.get("part_id")) for p in found or [] if p.get("part_id")})
        return ("versions", row.upstream_id, parts, row.part_id) if len(parts) > 1 and row.part_id in parts else None
    sql = TODAY_GROUP.format(
        key=STRICT_KEY if row.strict else "m.match_key", dur="(m.duration_ms / 1000)" if row.strict else "m.duration_ms"
    )
    members = bind.execute(sa.text(sql), {**ids, "k": row.group_key, "tol": 0 if row.strict else row.tol * 1000})
    tracks = sorted(str(u) for u in members.scalars())
    return ("duplicates", None, tracks, None) if len(tracks) > 1 else None


def upgrade() -> None:
    op.add_column('duplicate_keepers', sa.Column('group_id', sa.String(length=64), nullable=True))
    op.add_column('duplicate_keepers', sa.Column('kind', sa.String(length=16), nullable=True))
    op.add_column('duplicate_keepers', sa.Column('members', postgresql.ARRAY(sa.String(length=100)), nullable=True))
    op.add_column('duplicate_keepers', sa.Column('strict', sa.Boolean(), nullable=True))
    op.add_column('duplicate_keepers', sa.Column('tolerance_seconds', sa.Integer(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT k.account_id, k.connection_id, k.group_key, k.upstream_id, k.part_id, "
            "coalesce(s.duplicate_strict, false) AS strict, coalesce(s.duplicate_tolerance_seconds, 2) AS tol "
            "FROM duplicate_keepers k LEFT JOIN report_settings s ON s.account_id = k.account_id"
        )
    ).all()
    dropped = 0
    for row in rows:
        where = {"a": row.account_id, "c": row.connection_id, "g": row.group_key}
        today = _today(bind, row)
        if today is None:
            bind.execute(
                sa.text("DELETE FROM duplicate_keepers WHERE account_id = :a AND connection_id = :c AND group_key = :g"),
                where,
            )
            dropped += 1
            continue
        kind, track, members, part = today
        bind.execute(
            sa.text(
                "UPDATE duplicate_keepers SET group_id = :id, kind = :kind, members = :members, part_id = :part, "
                "strict = :strict, tolerance_seconds = :tol "
                "WHERE account_id = :a AND connection_id = :c AND group_key = :g"
            ),
            {
                **where,
                "id": group_id(kind, row.connection_id, track, members),
                "kind": kind,
                "members": members,
                "part": part,
                "strict": row.strict,
                "tol": row.tol,
            },
        )
    if dropped:
        log.info("duplicate keepers: %d of %d chosen keepers identify no group today and were dropped", dropped, len(rows))
    op.drop_constraint('pk_duplicate_keepers', 'duplicate_keepers', type_='primary')
    op.drop_column('duplicate_keepers', 'group_key')
    for column in ('group_id', 'kind', 'members', 'strict', 'tolerance_seconds'):
        op.alter_column('duplicate_keepers', column, nullable=False)
    op.create_primary_key('pk_duplicate_keepers', 'duplicate_keepers', ['account_id', 'group_id'])


def downgrade() -> None:
    """Back to one choice per key: a versions choice under "v:<track>", a duplicates choice under its
    track's key; where two choices share a key the latest wins (the older code kept one per key)."""
    op.add_column('duplicate_keepers', sa.Column('group_key', sa.Text(), nullable=True))
    op.execute(
        "UPDATE duplicate_keepers k SET group_key = CASE WHEN k.kind = 'versions' THEN 'v:' || k.upstream_id "
        "ELSE (SELECT m.match_key FROM media_items m "
        "      WHERE m.connection_id = k.connection_id AND m.upstream_id = k.upstream_id) END"
    )
    op.execute("UPDATE duplicate_keepers SET part_id = NULL WHERE kind = 'duplicates'")
    op.execute(
        "DELETE FROM duplicate_keepers k WHERE k.group_key IS NULL OR EXISTS ("
        " SELECT 1 FROM duplicate_keepers o WHERE o.account_id = k.account_id AND o.connection_id = k.connection_id"
        " AND o.group_key = k.group_key AND (o.chosen_at, o.group_id) > (k.chosen_at, k.group_id))"
    )
    op.drop_constraint('pk_duplicate_keepers', 'duplicate_keepers', type_='primary')
    for column in ('group_id', 'kind', 'members', 'strict', 'tolerance_seconds'):
        op.drop_column('duplicate_keepers', column)
    op.alter_column('duplicate_keepers', 'group_key', nullable=False)
    op.create_primary_key('pk_duplicate_keepers', 'duplicate_keepers', ['account_id', 'connection_id', 'group_key'])
