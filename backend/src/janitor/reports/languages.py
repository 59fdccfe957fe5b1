"""Language issues: movies and episodes missing a required audio or subtitle language.

The rules, as the report applies them (language codes in the canonical form of
``library/languages.py``):

- An audio stream counts for its language. A subtitle stream counts for its language whether it is in
  the file or a sidecar file; a **forced** subtitle track never counts (it only covers foreign
  dialogue), tagged or not.
- An **untagged** stream (no language, ``und``, or a tag no standard knows) never satisfies a rule.
  Items with one, of a kind the rules check for them, are listed under ``untagged`` with the count.
- An item whose streams are **unknown** (the server has not analysed a file yet, has listed no file,
  or the sync has not read the details yet) is never "missing" anything: it is listed apart under
  ``unknown`` and never counted as an issue.
- Allowlists: ``language_exempt`` (and ``episode_exempt`` for one episode) take the item out of every
  filter; ``french_only`` means the title needs French audio and nothing else (the subtitle rule still
  applies); ``french_subs_only`` means it needs French subtitles and no audio language. An entry on a
  show covers its episodes; with both French lists, ``french_subs_only`` wins.

A file that another server of the account holds too (library/copies.py) is one row, judged on the
streams its primary server reports (the same file has the same streams; the row names the others).

Until the owner has chosen the required languages (``report_settings.languages_chosen_at``, set by the
setup checklist or the settings), the report lists nothing under any filter and the dashboard says
"choose your languages": rules nobody chose are not applied to thousands of files as if someone had.

Filters: ``all`` is every item that misses a required audio or subtitle language (what the dashboard
counts); ``audio`` and ``subtitles`` narrow it. ``untagged`` and ``unknown`` are not part of ``all``:
an untagged stream is a tagging chore, not a missing language (when a language is missing too, the
item is in ``all`` and its why names the untagged streams), and unknown is not a problem found.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.allowlists.models import ListName
from janitor.allowlists.sql import matches
from janitor.library.copies import folded
from janitor.library.languages import FRENCH, language_name
from janitor.reports.common import PageParams, item_link, scope_filters
from janitor.reports.copies import ServerCopy, copies_note, other_copies
from janitor.reports.models import ReportSettings

LanguageFilter = Literal["all", "audio", "subtitles", "untagged", "unknown"]

SORTS = {"title": "r.sort_title", "added": "r.added_at", "size": "r.size_bytes"}

# The required languages of each item (the allowlists may relax them) are compared with a containment
# test on every row; the missing ones, the forced subtitle languages and the files not analysed yet
# are only read for the rows of the page.
# The rows of the report (``{row}``: narrowed to one item for the page's rows, read again below), from
# ``report_video_items`` (library/video_rows.py: each movie's and episode's languages that count,
# derived at the end of each sync run): a tenth of the pages ``media_items`` takes for them.
_ROWS = """
        SELECT m.connection_id, m.upstream_id, m.kind, m.added_at, m.size_bytes, m.id, m.library_id,
               m.display_title, m.sort_title, m.known, m.audio, m.subtitles,
               CASE WHEN {subs_only} THEN CAST('{{}}' AS varchar[])
                    WHEN {french_only} THEN CAST(:french AS varchar[])
                    ELSE CAST(:audio AS varchar[]) END AS need_audio,
               CASE WHEN {subs_only} THEN CAST(:french AS varchar[])
                    ELSE CAST(:subs AS varchar[]) END AS need_subtitles,
               m.untagged_audio, m.untagged_subtitles
        FROM report_video_items m
        JOIN libraries l ON l.id = m.library_id
        WHERE m.account_id = :a AND m.kind IN ('movie', 'episode') AND l.enabled
          AND {known} AND NOT {exempt} AND NOT {folded} {filters} {row}
"""
# Every row is judged and counted, but only the page's ids and sort keys go through the count and the
# sort (``page``: narrow rows, no spilling to disk at 60k items); the page's rows are read again whole.
# The page's ids are found in the report's order without counting every row (in title order, by
# walking ix_report_video_items_title until the page is full), then read again whole; the total is
# counted apart (COUNT_SQL), with nothing to sort.
LANGUAGE_SQL = (
    """
SELECT r.*,
       ARRAY(SELECT unnest(r.need_audio) EXCEPT SELECT unnest(r.audio) ORDER BY 1) AS missing_audio,
       ARRAY(SELECT unnest(r.need_subtitles) EXCEPT SELECT unnest(r.subtitles) ORDER BY 1) AS missing_subtitles,
       ARRAY(SELECT DISTINCT s ->> 'language'
             FROM jsonb_array_elements(mi.parts) p, jsonb_array_elements(p -> 'streams') s
             WHERE s ->> 'type' = 'subtitle' AND s ->> 'forced' = 'true' AND s ->> 'language' IS NOT NULL
             ORDER BY 1) AS forced_subtitles,
       jsonb_array_length(mi.parts) AS files,
       (SELECT count(*) FROM jsonb_array_elements(mi.parts) p
        WHERE coalesce(jsonb_array_length(p -> 'streams'), 0) = 0) AS files_without_streams,
       c.name AS server, c.kind AS server_kind, c.base_url, c.server_id, l.title AS library
FROM (
    SELECT r.id FROM ("""
    + _ROWS.replace("{row}", "")
    + """    ) r
    WHERE {issue}
    ORDER BY {order}
    LIMIT :limit OFFSET :offset
) page
CROSS JOIN LATERAL ("""
    + _ROWS.replace("{row}", "AND m.id = page.id")
    + """) r
JOIN media_items mi ON mi.id = r.id
JOIN libraries l ON l.id = r.library_id
JOIN connections c ON c.id = r.connection_id
ORDER BY {order}
"""
)
COUNT_SQL = "SELECT count(*) FROM (" + _ROWS.replace("{row}", "") + ") r WHERE {issue}"
# The language lists that have an active entry of the account: a list without one matches nothing,
# and is not looked up for every row.
ACTIVE_LISTS_SQL = (
    "SELECT DISTINCT e.list FROM allowlist_entries e "
    "WHERE e.account_id = :a AND (e.expires_at IS NULL OR e.expires_at > now())"
)

# Each filter: which items (streams known or not), then which of them.
_MISSING_AUDIO = "NOT r.audio @> r.need_audio"
_MISSING_SUBTITLES = "NOT r.subtitles @> r.need_subtitles"
ISSUES: dict[str, tuple[str, str]] = {
    "all": ("m.known", f"({_MISSING_AUDIO} OR {_MISSING_SUBTITLES})"),
    "audio": ("m.known", _MISSING_AUDIO),
    "subtitles": ("m.known", _MISSING_SUBTITLES),
    # An untagged stream matters where a rule looks: untagged subtitles of an item that needs none do not.
    "untagged": (
        "m.known",
        "((r.untagged_audio > 0 AND cardinality(r.need_audio) > 0) "
        "OR (r.untagged_subtitles > 0 AND cardinality(r.need_subtitles) > 0))",
    ),
    "unknown": ("NOT m.known", "cardinality(r.need_audio) + cardinality(r.need_subtitles) > 0"),
}


class LanguageIssue(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str
    kind: str
    title: str
    languages_known: bool = Field(
        description="False: the server has not given this item's streams yet (not analysed); "
        "the language lists are empty and nothing is counted as missing"
    )
    audio_languages: list[str]
    subtitle_languages: list[str] = Field(description="Subtitle languages that count: forced tracks are left out")
    missing_audio: list[str]
    missing_subtitles: list[str]
    forced_only_subtitles: list[str] = Field(
        description="Missing subtitle languages that only a forced track carries (it does not count)"
    )
    untagged_audio: int
    untagged_subtitles: int
    added_at: datetime | None
    server: str
    library: str
    link: str
    why: str
    copies: list[ServerCopy] = Field(
        default_factory=list, description="The same file on other servers (one row), or the title as another file"
    )


def _names(codes: list[str]) -> str:
    return ", ".join(f"{language_name(c)} ({c})" for c in codes)


def _streams(count: int, kind: str) -> str:
    return f"{count} {kind} track{'s' if count != 1 else ''} without a language tag"


def _unknown_why(server_kind: str, files: int, without_streams: int) -> str:
    server = "Plex" if server_kind == "plex" else "Jellyfin"
    after = "its languages are unknown and it is not counted as an issue"
    if files == 0:
        return f"{server} lists no media file for this item, so {after}."
    which = "this file" if files == 1 else f"{without_streams} of its {files} files"
    if server_kind == "plex":
        return (
            f"Plex has not given the audio and subtitle streams of {which} yet (Plex may not have analysed "
            f"it yet; the next sync asks again), so {after}."
        )
    return f"Jellyfin has not analysed {which} yet (it lists no audio or subtitle streams), so {after}."


def _why(row: dict[str, Any], forced_only: list[str]) -> str:
    if not row["known"]:
        return _unknown_why(row["server_kind"], row["files"], row["files_without_streams"])
    parts = []
    if row["missing_audio"]:
        parts.append(f"No audio in {_names(list(row['missing_audio']))}")
    if row["missing_subtitles"]:
        text = f"No subtitles in {_names(list(row['missing_subtitles']))}"
        if forced_only:
            text += (
                f" (only a forced {_names(forced_only)} track, which covers foreign dialogue only and does not count)"
            )
        parts.append(text)
    untagged, count = [], 0
    if row["untagged_audio"] and row["need_audio"]:
        untagged.append(_streams(row["untagged_audio"], "audio"))
        count += row["untagged_audio"]
    if row["untagged_subtitles"] and row["need_subtitles"]:
        untagged.append(_streams(row["untagged_subtitles"], "subtitle"))
        count += row["untagged_subtitles"]
    if untagged:
        if parts:
            which = "it" if count == 1 else "one of them"
            parts.append(
                " and ".join(untagged) + f" ({which} may be in a missing language: tag it in your media server to know)"
            )
        else:
            its = "its language" if count == 1 else "their languages"
            parts.append(" and ".join(untagged) + f": {its} cannot be checked against your rules until tagged")
    return "; ".join(parts) + "." if parts else ""


async def language_issues(
    session: AsyncSession,
    account_id: uuid.UUID,
    params: PageParams,
    *,
    settings: ReportSettings,
    issue: LanguageFilter = "all",
) -> tuple[list[LanguageIssue], int]:
    if settings.languages_chosen_at is None:
        return [], 0
    filters, args = scope_filters(params, search=("m.title", "m.grandparent_title"), copies=True)
    args.update(
        a=account_id,
        audio=settings.required_audio_languages,
        subs=settings.required_subtitle_languages,
        french=[FRENCH],
    )
    sort = params.sort if params.sort in SORTS else "title"
    direction = "ASC" if params.order == "asc" else "DESC"
    if sort == "title":  # never NULL: the order ix_report_video_items_title walks, either way
        order = f"r.sort_title {direction}, r.id {direction}"
    else:
        order = f"{SORTS[sort]} {direction} NULLS LAST, r.id"
    active = set((await session.execute(text(ACTIVE_LISTS_SQL), {"a": account_id})).scalars())

    def applies(*lists: ListName) -> str:
        if not active & {name.value for name in lists}:
            return "false"
        return matches(", ".join(f"'{name.value}'" for name in lists), also_parent=True)

    known, condition = ISSUES[issue]
    parts = {
        "filters": filters,
        "known": known,
        "issue": condition,
        "subs_only": applies(ListName.FRENCH_SUBS_ONLY),
        "french_only": applies(ListName.FRENCH_ONLY),
        "exempt": applies(ListName.LANGUAGE_EXEMPT, ListName.EPISODE_EXEMPT),
        "folded": folded(),
    }
    total = int((await session.execute(text(COUNT_SQL.format(**parts)), args)).scalar_one())
    rows: list[dict[str, Any]] = []
    if params.offset < total:
        bound = {**args, "limit": params.page_size, "offset": params.offset}
        page = await session.execute(text(LANGUAGE_SQL.format(order=order, **parts)), bound)
        rows = [dict(r) for r in page.mappings()]
    copies = await other_copies(session, account_id, (r["id"] for r in rows))
    out = []
    for r in rows:
        if not r["known"]:  # nothing is missing from what is not known
            r.update(missing_audio=[], missing_subtitles=[])
        forced_only = [code for code in r["missing_subtitles"] if code in r["forced_subtitles"]]
        out.append(
            LanguageIssue(
                connection_id=r["connection_id"],
                upstream_id=r["upstream_id"],
                kind=r["kind"],
                title=r["display_title"],
                languages_known=r["known"],
                audio_languages=list(r["audio"]),
                subtitle_languages=list(r["subtitles"]),
                missing_audio=list(r["missing_audio"]),
                missing_subtitles=list(r["missing_subtitles"]),
                forced_only_subtitles=forced_only,
                untagged_audio=r["untagged_audio"],
                untagged_subtitles=r["untagged_subtitles"],
                added_at=r["added_at"],
                server=r["server"],
                library=r["library"],
                link=item_link(r["server_kind"], r["base_url"], r["server_id"], r["upstream_id"]),
                why=" ".join(filter(None, [_why(r, forced_only), _also(copies.get(r["id"], []))])),
                copies=copies.get(r["id"], []),
            )
        )
    return out, total


def _also(copies: list[ServerCopy]) -> str:
    note = copies_note(copies)
    return note[0].upper() + note[1:] + "." if note else ""
