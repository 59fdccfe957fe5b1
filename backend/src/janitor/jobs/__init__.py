"""Background job plumbing shared by the API (enqueue) and the worker (run)."""
