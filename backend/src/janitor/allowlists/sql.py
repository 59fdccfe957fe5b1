"""SQL fragments the reports use to apply allowlists (an active entry matches by id or external id)."""

from __future__ import annotations

ACTIVE = "e.account_id = :a AND e.list IN ({lists}) AND (e.expires_at IS NULL OR e.expires_at > now())"


def matches(list_names: str, item: str = "m", *, also_parent: bool = False) -> str:
    """True when an active entry of one of ``list_names`` (a SQL list literal) matches ``item``.

    With ``also_parent``, an entry on an episode's show (its grandparent) matches the episode too.

    An entry on another server's copy of the same file (or the same show, library/copies.py) matches
    too: the file is one row in the reports, and protecting it through either server protects it.

    The entries' subqueries are uncorrelated: Postgres reads the account's entries once per query (ids
    hashed, external ids as an array of ``{"tmdb": "603"}`` objects) instead of probing the table for
    every row; the copies are only looked at when the account has any. Never NULL: ``NOT matches(...)``
    keeps every row no entry matches.
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
    by_guid = (
        "ANY (ARRAY(SELECT jsonb_build_object(split_part(e.guid, ':', 1), split_part(e.guid, ':', 2)) "
        f"FROM allowlist_entries e WHERE {active} AND e.guid IS NOT NULL))"
    )
    clauses.append(f"{item}.guids @> {by_guid}")
    # The other copies of the same file or show, and for an episode the copies of its show.
    copies = [
        "EXISTS (SELECT 1 FROM media_copies ac JOIN media_copies ag ON ag.file_group = ac.file_group "
        "AND ag.item_id <> ac.item_id JOIN media_items am ON am.id = ag.item_id "
        f"WHERE ac.item_id = {item}.id AND ((am.connection_id, am.upstream_id) IN ({by_id}) "
        f"OR am.guids @> {by_guid}))"
    ]
    if also_parent:
        copies.append(
            "EXISTS (SELECT 1 FROM media_items ps JOIN media_copies pc ON pc.item_id = ps.id "
            "JOIN media_copies pg ON pg.file_group = pc.file_group AND pg.item_id <> pc.item_id "
            "JOIN media_items pm ON pm.id = pg.item_id "
            f"WHERE ps.connection_id = {item}.connection_id AND ps.upstream_id = {item}.grandparent_id "
            f"AND ps.kind = 'show' AND (pm.connection_id, pm.upstream_id) IN ({by_id}))"
        )
    held = "EXISTS (SELECT 1 FROM media_copies hc WHERE hc.account_id = :a)"
    clauses.append(f"({held} AND ({' OR '.join(copies)}))")
    return "COALESCE((" + " OR ".join(clauses) + "), false)"
