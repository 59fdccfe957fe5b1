from janitor.core.errors import AppError, NotFound


class EntryNotFound(NotFound):
    code = "allowlist_entry_not_found"
    message = "No such allowlist entry."


class UnknownItems(NotFound):
    code = "allowlist_unknown_items"
    message = "Some of the items are not in your synced libraries; nothing was added."


class ImportInvalid(AppError):
    """The file is not a list the import takes (the CSV's columns, a row's values): the row is named."""

    status_code = 422
    code = "allowlist_import_invalid"


class ImportUnknownServer(NotFound):
    code = "allowlist_import_unknown_server"
    message = "A row names a server that is not one of yours; nothing was imported."


class PosterNotFound(NotFound):
    """An item that is not the account's, or one its server has no poster for (the two look alike)."""

    code = "poster_not_found"
    message = "No poster for this item."


class PosterUnavailable(AppError):
    """The item's server did not send its poster (unreachable, refused the token, not an image, too big)."""

    status_code = 502
    code = "poster_unavailable"
    message = "The media server did not send the poster."
