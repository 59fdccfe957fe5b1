"""Typed errors of the deletion API: each with its status, a stable code and a message a person can act on."""

from __future__ import annotations

from janitor.core.errors import BadRequest, Conflict, NotFound


class QueueRowNotFound(NotFound):
    code = "deletion_not_found"
    message = "No such deletion in your queue or history."


class LibraryNotFound(NotFound):
    code = "deletion_library_not_found"
    message = "No such library on your servers."


class ServerNotFound(NotFound):
    code = "deletion_server_not_found"
    message = "No such Plex or Jellyfin server among your connections."


class DuplicateGroupNotFound(NotFound):
    code = "deletion_group_not_found"
    message = (
        "No such duplicate group now: its copies changed since the report was loaded (a sync, a keeper "
        "chosen, the duplicate settings). Reload the duplicates report and queue again."
    )


class NotQueueable(Conflict):
    """An item the owner asked to queue is not (or no longer) what its report says: nothing was queued."""

    code = "deletion_not_queueable"
    message = "Nothing was queued."


class AlreadyExecuting(Conflict):
    code = "deletion_already_executing"
    message = (
        "This item is already being deleted: it can no longer be cancelled or postponed. "
        "Its outcome appears in the history."
    )


class AlreadyFinished(Conflict):
    code = "deletion_finished"
    message = "This deletion is already finished; see the history."


class GroupKeepsNothing(Conflict):
    code = "deletion_group_keeps_nothing"
    message = "Nothing was queued: this group would keep no copy."


class CapsChanged(Conflict):
    code = "deletion_caps_changed"
    message = (
        "The caps changed since you reviewed them; review them again (GET the live page) and confirm the caps shown."
    )


class DeletionNotAllowed(Conflict):
    code = "deletion_not_allowed_by_server"
    message = "The server does not allow this connection to delete media."


class KeepForeverImpossible(Conflict):
    code = "deletion_keep_forever_impossible"
    message = (
        "This item is no longer in your synced libraries, so it cannot be added to the Protected list. "
        "Cancel it without keep forever."
    )


class PostponeInvalid(BadRequest):
    code = "deletion_postpone_invalid"
    message = "That is not a later due time within 90 days."


class QueueChangedMeanwhile(Conflict):
    code = "deletion_queue_changed"
    message = "The queue changed while this was being queued (another request or the deleter); try again."


class NotFrozen(Conflict):
    code = "deletion_server_not_frozen"
    message = "This server's deletions are not frozen: there is no mass vanish to answer."


class VanishChanged(Conflict):
    code = "deletion_vanish_changed"
    message = (
        "A newer sync changed what froze this server since you looked: reload the Deletions page and answer "
        "the vanish it shows now."
    )


class VanishAnswered(Conflict):
    code = "deletion_vanish_answered"
    message = "You already answered this vanish; the freeze lifts when a full sync reads the server completely."
