from janitor.core.errors import NotFound


class SyncRunNotFound(NotFound):
    code = "sync_run_not_found"
    message = "No such sync run."
