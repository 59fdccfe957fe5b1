"""Per-tenant sync runs: stream every enabled library, users, watch state and requests into Postgres."""
