"""SQL fragments the reports use to apply allowlists (an active entry matches by id or external id)."""

from __future__ import annotations

ACTIVE = "e.account_id = :a AND e.list IN ({lists}) AND (e.expires_at IS NULL OR e.expires_at > now())"


def matches(list_names: str, item: str = "m", *, also_parent: bool = False) -> str:
    """True when an active entry of one of ``list_names`` (a SQL list literal) matches ``item``.

    With ``also_parent``, an entry on an episode's show (its grandparent) matches the episode too.

    The id matches are uncorrelated ``IN`` subqueries, so Postgres hashes the account's entries once
    per query instead of probing the table for every row; the (few) external-id entries are checked
    per row. Never NULL: ``NOT matches(...)`` keeps every row no entry matches.
    """
    active = ACTIVE.format(lists=list_names)
    by_id = (
        f"SELECT e.connection_id, e.upstream_id FROM allowlist_entries e WHERE {active} "
        "AND e.connection_id IS NOT NULL AND e.upstream_id IS NOT NULL"
    )
    clauses = [f"({item}.connection_id, {item}.upstream_id) IN ({by_id})"]
    if also_parent:
        clauses.append(
            f"({item}.grandparent_id IS NOT NULL AND ({item}.connection_id, {item}.grandparent_id) IN ({by_id}))"
        )
    clauses.append(
        f"EXISTS (SELECT 1 FROM allowlist_entries e WHERE {active} AND e.guid IS NOT NULL "
        f"AND {item}.guids ->> split_part(e.guid, ':', 1) = split_part(e.guid, ':', 2))"
    )
    return "COALESCE((" + " OR ".join(clauses) + "), false)"
