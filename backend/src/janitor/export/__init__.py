"""A tenant's data export: their account, connections (never a secret), settings, allowlists, people
and assignments, and their deletion audit log, as one JSON document."""
