"""Language issues: movies and episodes missing a required audio or subtitle language.

Internal and external subtitle streams both count; untagged streams are reported separately and
never satisfy a rule. Items whose streams are not known yet are left out (never guessed)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.sql import matches
from janitor.reports.common import PageParams, fetch_page, item_link, scope_filters
from janitor.reports.models import ReportSettings

SORTS = {"title": "lower(r.display_title)", "added": "r.added_at", "size": "r.size_bytes"}

# The required languages of each item (the allowlists may relax them) are compared with a containment
# test on every row; the missing ones are only spelled out for the rows of the page.
LANGUAGE_SQL = """
SELECT r.*,
       ARRAY(SELECT unnest(r.need_audio) EXCEPT SELECT unnest(r.audio) ORDER BY 1) AS missing_audio,
       ARRAY(SELECT unnest(r.need_subtitles) EXCEPT SELECT unnest(r.subtitles) ORDER BY 1) AS missing_subtitles,
       c.name AS server, c.kind AS server_kind, c.base_url, c.server_id, l.title AS library
FROM (
    SELECT r.*, count(*) OVER () AS total FROM (
        SELECT m.connection_id, m.upstream_id, m.kind, m.added_at, m.size_bytes, m.id, m.library_id,
               CASE WHEN m.kind = 'episode'
                    THEN concat(m.grandparent_title, ' S', lpad(coalesce(m.parent_index, 0)::text, 2, '0'),
                                'E', lpad(coalesce(m."index", 0)::text, 2, '0'), ' · ', m.title)
                    ELSE m.title END AS display_title,
               coalesce(m.audio_languages, '{{}}') AS audio, coalesce(m.subtitle_languages, '{{}}') AS subtitles,
               CASE WHEN {subs_only} THEN CAST('{{}}' AS varchar[])
                    WHEN {french_only} THEN array_remove(CAST(:audio AS varchar[]), 'en')
                    ELSE CAST(:audio AS varchar[]) END AS need_audio,
               CAST(:subs AS varchar[]) AS need_subtitles,
               coalesce(m.untagged_audio, 0) AS untagged_audio,
               coalesce(m.untagged_subtitles, 0) AS untagged_subtitles
        FROM media_items m
        JOIN libraries l ON l.id = m.library_id
        WHERE m.account_id = :a AND m.kind IN ('movie', 'episode') AND NOT m.gone AND l.enabled
          AND m.streams_synced_at IS NOT NULL AND NOT {exempt} {filters}
    ) r
    WHERE {issue}
    ORDER BY {order}, r.id
    LIMIT :limit OFFSET :offset
) r
JOIN libraries l ON l.id = r.library_id
JOIN connections c ON c.id = r.connection_id
ORDER BY {order}, r.id
"""

ISSUES = {
    "all": "(NOT r.audio @> r.need_audio OR NOT r.subtitles @> r.need_subtitles)",
    "audio": "NOT r.audio @> r.need_audio",
    "subtitles": "NOT r.subtitles @> r.need_subtitles",
}


class LanguageIssue(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str
    kind: str
    title: str
    audio_languages: list[str]
    subtitle_languages: list[str]
    missing_audio: list[str]
    missing_subtitles: list[str]
    untagged_audio: int
    untagged_subtitles: int
    added_at: datetime | None
    server: str
    library: str
    link: str
    why: str


def _why(missing_audio: list[str], missing_subs: list[str], untagged_a: int, untagged_s: int) -> str:
    parts = []
    if missing_audio:
        parts.append("no " + ", ".join(missing_audio) + " audio")
    if missing_subs:
        parts.append("no " + ", ".join(missing_subs) + " subtitles")
    if untagged_a or untagged_s:
        parts.append(f"{untagged_a + untagged_s} untagged stream(s) not counted")
    return "; ".join(parts)


async def language_issues(
    session: AsyncSession,
    account_id: uuid.UUID,
    params: PageParams,
    *,
    settings: ReportSettings,
    issue: Literal["all", "audio", "subtitles"] = "all",
) -> tuple[list[LanguageIssue], int]:
    filters, args = scope_filters(params, search=("m.title", "m.grandparent_title"))
    args.update(a=account_id, audio=settings.required_audio_languages, subs=settings.required_subtitle_languages)
    order = SORTS.get(params.sort or "title", SORTS["title"])
    direction = "ASC" if params.order == "asc" else "DESC"
    sql = LANGUAGE_SQL.format(
        filters=filters,
        issue=ISSUES[issue],
        order=f"{order} {direction} NULLS LAST",
        subs_only=matches("'french_subs_only'", also_parent=True),
        french_only=matches("'french_only'", also_parent=True),
        exempt=matches("'language_exempt', 'episode_exempt'", also_parent=True),
    )
    rows, total = await fetch_page(session, sql, args, params)
    out = [
        LanguageIssue(
            connection_id=r["connection_id"],
            upstream_id=r["upstream_id"],
            kind=r["kind"],
            title=r["display_title"],
            audio_languages=list(r["audio"]),
            subtitle_languages=list(r["subtitles"]),
            missing_audio=list(r["missing_audio"]),
            missing_subtitles=list(r["missing_subtitles"]),
            untagged_audio=r["untagged_audio"],
            untagged_subtitles=r["untagged_subtitles"],
            added_at=r["added_at"],
            server=r["server"],
            library=r["library"],
            link=item_link(r["server_kind"], r["base_url"], r["server_id"], r["upstream_id"]),
            why=_why(
                list(r["missing_audio"]), list(r["missing_subtitles"]), r["untagged_audio"], r["untagged_subtitles"]
            ),
        )
        for r in rows
    ]
    return out, total
