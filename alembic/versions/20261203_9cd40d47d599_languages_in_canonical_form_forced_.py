"""stored languages in canonical form; forced subtitles and unanalysed files recomputed

Rows a sync wrote before the language rules changed are made what a sync writes now, without waiting
for a resync (which never rewrites an unchanged row: see ``sync/upsert.py``):

- every stream language in ``media_items.parts`` in the canonical form of
  ``janitor.library.languages`` (ISO 639-1, else ISO 639-3; a tag no standard knows is untagged);
- the summary columns recomputed from ``parts``: a forced subtitle track no longer counts, and an
  item with a file that lists no streams (Jellyfin has not analysed it) is "languages unknown"
  (all summary columns NULL) instead of "missing every language";
- the required languages of ``report_settings`` in canonical form. A stored value no standard knows
  (only ``[a-z]{2,3}`` was checked before) is kept as it is: the report keeps flagging it as before
  and the Settings form asks for a real language when the field is next saved. Nothing is dropped.

The languages are mapped with the application's own function, so stored codes are exactly those the
reports compare. Downgrade leaves the data as it is (the previous code reads canonical codes).

Revision ID: 9cd40d47d599
Revises: f27de9019e94
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from janitor.library.languages import UnknownLanguage, normalize_language, required_language

revision: str = '9cd40d47d599'
down_revision: str | None = 'f27de9019e94'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


STORED_CODES = """
SELECT DISTINCT s ->> 'language' FROM media_items m, jsonb_array_elements(m.parts) p,
       jsonb_array_elements(p -> 'streams') s
WHERE s ->> 'language' IS NOT NULL
"""

# Each stream whose language is in the map gets the mapped one (JSON null: untagged); order kept.
REWRITE_PARTS = """
UPDATE media_items m SET parts = fixed.parts
FROM (
    SELECT m.id, jsonb_agg(
               CASE WHEN jsonb_typeof(pt.p -> 'streams') = 'array' THEN jsonb_set(pt.p, '{streams}', (
                   SELECT coalesce(jsonb_agg(
                              CASE WHEN lm.old IS NULL THEN st.s
                                   ELSE jsonb_set(st.s, '{language}', coalesce(to_jsonb(lm.new), 'null'::jsonb)) END
                              ORDER BY st.i), '[]'::jsonb)
                   FROM jsonb_array_elements(pt.p -> 'streams') WITH ORDINALITY AS st(s, i)
                   LEFT JOIN _language_map lm ON lm.old = st.s ->> 'language'))
               ELSE pt.p END
               ORDER BY pt.i) AS parts
    FROM media_items m, jsonb_array_elements(m.parts) WITH ORDINALITY AS pt(p, i)
    WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(m.parts) p, jsonb_array_elements(p -> 'streams') s,
                         _language_map lm WHERE lm.old = s ->> 'language')
    GROUP BY m.id
) fixed
WHERE m.id = fixed.id
"""

# The rule of ``janitor.sync.mapping.stream_summary`` over stored parts (a test holds the two equal).
RECOMPUTE_SUMMARIES = """
UPDATE media_items m
SET audio_languages = CASE WHEN x.known THEN x.audio END,
    subtitle_languages = CASE WHEN x.known THEN x.subs END,
    untagged_audio = CASE WHEN x.known THEN x.untagged_audio END,
    untagged_subtitles = CASE WHEN x.known THEN x.untagged_subs END,
    streams_synced_at = CASE WHEN x.known THEN m.streams_synced_at END
FROM (
    SELECT m.id,
           jsonb_array_length(m.parts) > 0 AND NOT EXISTS (
               SELECT 1 FROM jsonb_array_elements(m.parts) p
               WHERE coalesce(jsonb_array_length(p -> 'streams'), 0) = 0) AS known,
           CAST(ARRAY(SELECT DISTINCT s ->> 'language' COLLATE "C"
                      FROM jsonb_array_elements(m.parts) p, jsonb_array_elements(p -> 'streams') s
                      WHERE s ->> 'type' = 'audio' AND coalesce(s ->> 'language', '') <> ''
                      ORDER BY 1) AS varchar(8)[]) AS audio,
           CAST(ARRAY(SELECT DISTINCT s ->> 'language' COLLATE "C"
                      FROM jsonb_array_elements(m.parts) p, jsonb_array_elements(p -> 'streams') s
                      WHERE s ->> 'type' = 'subtitle' AND s ->> 'forced' IS DISTINCT FROM 'true'
                        AND coalesce(s ->> 'language', '') <> '' ORDER BY 1) AS varchar(8)[]) AS subs,
           (SELECT count(*)::smallint FROM jsonb_array_elements(m.parts) p, jsonb_array_elements(p -> 'streams') s
            WHERE s ->> 'type' = 'audio' AND coalesce(s ->> 'language', '') = '') AS untagged_audio,
           (SELECT count(*)::smallint FROM jsonb_array_elements(m.parts) p, jsonb_array_elements(p -> 'streams') s
            WHERE s ->> 'type' = 'subtitle' AND s ->> 'forced' IS DISTINCT FROM 'true'
              AND coalesce(s ->> 'language', '') = '') AS untagged_subs
    FROM media_items m
    WHERE m.streams_synced_at IS NOT NULL
) x
WHERE m.id = x.id
  AND ROW(m.audio_languages, m.subtitle_languages, m.untagged_audio, m.untagged_subtitles, m.streams_synced_at)
      IS DISTINCT FROM ROW(
          CASE WHEN x.known THEN x.audio END, CASE WHEN x.known THEN x.subs END,
          CASE WHEN x.known THEN x.untagged_audio END, CASE WHEN x.known THEN x.untagged_subs END,
          CASE WHEN x.known THEN m.streams_synced_at END)
"""


def _setting(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        try:
            code = required_language(value)
        except UnknownLanguage:
            code = value  # kept: see the module's docstring
        if code not in out:
            out.append(code)
    return out


def upgrade() -> None:
    bind = op.get_bind()
    codes = [row[0] for row in bind.execute(sa.text(STORED_CODES))]
    changes = {code: normalize_language(code) for code in codes}
    changes = {old: new for old, new in changes.items() if new != old}
    if changes:
        bind.execute(sa.text("CREATE TEMP TABLE _language_map (old text PRIMARY KEY, new text) ON COMMIT DROP"))
        bind.execute(
            sa.text("INSERT INTO _language_map (old, new) VALUES (:old, :new)"),
            [{"old": old, "new": new} for old, new in changes.items()],
        )
        bind.execute(sa.text(REWRITE_PARTS))
        bind.execute(sa.text("DROP TABLE _language_map"))
    bind.execute(sa.text(RECOMPUTE_SUMMARIES))
    settings = bind.execute(
        sa.text("SELECT account_id, required_audio_languages, required_subtitle_languages FROM report_settings")
    ).all()
    for account_id, audio, subtitles in settings:
        new_audio, new_subtitles = _setting(audio), _setting(subtitles)
        if (new_audio, new_subtitles) != (audio, subtitles):
            bind.execute(
                sa.text(
                    "UPDATE report_settings SET required_audio_languages = :audio, "
                    "required_subtitle_languages = :subtitles WHERE account_id = :a"
                ),
                {"audio": new_audio, "subtitles": new_subtitles, "a": account_id},
            )


def downgrade() -> None:
    pass
