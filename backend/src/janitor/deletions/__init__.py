"""Deletions: the queue, the schedule that fills it, the one deleter that empties it, and the audit log."""
