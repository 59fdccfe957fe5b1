"""Music duplicates: tracks of one server with the same normalised title, artist and album and
durations within a tolerance (or, in strict mode, the exact title-artist-album-duration key), and
tracks that hold several versions (media parts). Each group proposes a keeper by an explained rule;
what would be removed is always a specific copy (a track, or one part of a multi-version track).

The package: ``queries`` (the groups in SQL), ``ranking`` (copies and the keeper rule), ``groups``
(rows as groups with their keeper), ``choices`` (the owner's keeper), ``albums`` (the album view),
``export`` (spreadsheet rows)."""

from janitor.reports.duplicates.albums import DuplicateAlbum, duplicate_albums
from janitor.reports.duplicates.choices import DuplicateGroupChanged, KeeperNotFound, choose_keeper
from janitor.reports.duplicates.export import DUPLICATE_COLUMNS, duplicate_rows
from janitor.reports.duplicates.groups import DuplicateGroup, duplicate_groups
from janitor.reports.duplicates.ranking import Copy, duration_claim

__all__ = [
    "DUPLICATE_COLUMNS",
    "Copy",
    "DuplicateAlbum",
    "DuplicateGroup",
    "DuplicateGroupChanged",
    "KeeperNotFound",
    "choose_keeper",
    "duplicate_albums",
    "duplicate_groups",
    "duplicate_rows",
    "duration_claim",
]
