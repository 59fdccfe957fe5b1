from __future__ import annotations

from janitor.core.errors import Conflict


class NoCompleteSync(Conflict):
    code = "no_complete_sync"
    message = (
        "The dashboard has no figures before a sync read a Plex or Jellyfin server completely: run a sync, "
        "then look at the dashboard."
    )
