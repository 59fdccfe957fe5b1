"""SQL fragments the reports use to apply allowlists (an active entry matches by id or external id)."""

from __future__ import annotations


def matches(list_names: str, item: str = "m", *, also_parent: bool = False) -> str:
    """An EXISTS clause: an active entry of one of ``list_names`` (a SQL list literal) matches ``item``.

    With ``also_parent``, an entry on an episode's show (its grandparent) matches the episode too.
    """
    ids = f"(e.connection_id = {item}.connection_id AND e.upstream_id = {item}.upstream_id)"
    if also_parent:
        ids = f"({ids} OR (e.connection_id = {item}.connection_id AND e.upstream_id = {item}.grandparent_id))"
    return (
        "EXISTS (SELECT 1 FROM allowlist_entries e WHERE e.account_id = :a "
        f"AND e.list IN ({list_names}) AND (e.expires_at IS NULL OR e.expires_at > now()) "
        f"AND ({ids} OR (e.guid IS NOT NULL AND {item}.guids ->> split_part(e.guid, ':', 1) "
        "= split_part(e.guid, ':', 2))))"
    )
