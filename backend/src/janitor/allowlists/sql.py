"""SQL fragments the reports use to apply allowlists (an active entry matches by id or external id)."""

from __future__ import annotations

ACTIVE = "e.account_id = :a AND e.list IN ({lists}) AND (e.expires_at IS NULL OR e.expires_at > now())"


def matches(list_names: str, item: str = "m", *, also_parent: bool = False) -> str:
    """True when an active entry of one of ``list_names`` (a SQL list literal) matches ``item``.

    With ``also_parent``, an entry on an episode's show (its grandparent) matches the episode too.

    Every subquery is uncorrelated: Postgres reads the account's entries once per query (ids hashed,
    external ids as an array of ``{"tmdb": "603"}`` objects) instead of probing the table for every
    row. Never NULL: ``NOT matches(...)`` keeps every row no entry matches.
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
    # guids holds string values: containment of {"tmdb": "603"} is ``guids ->> 'tmdb' = '603'``.
    clauses.append(
        f"{item}.guids @> ANY (ARRAY(SELECT jsonb_build_object(split_part(e.guid, ':', 1), split_part(e.guid, ':', 2)) "
        f"FROM allowlist_entries e WHERE {active} AND e.guid IS NOT NULL))"
    )
    return "COALESCE((" + " OR ".join(clauses) + "), false)"
