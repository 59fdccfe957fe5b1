from janitor.core.errors import Conflict, NotFound


class SyncRunNotFound(NotFound):
    code = "sync_run_not_found"
    message = "No such sync run."


class NothingToSync(Conflict):
    code = "nothing_to_sync"
    message = "There is nothing to sync yet: connect a Plex, Jellyfin or Jellyseerr server first (Connections)."
