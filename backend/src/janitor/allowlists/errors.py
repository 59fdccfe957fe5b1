from janitor.core.errors import AppError, NotFound


class EntryNotFound(NotFound):
    code = "allowlist_entry_not_found"
    message = "No such allowlist entry."


class UnknownItems(AppError):
    status_code = 422
    code = "allowlist_unknown_items"


class ImportInvalid(AppError):
    status_code = 422
    code = "allowlist_import_invalid"
