"""Reports computed in Postgres from the synced data: stale, large, language, requests, duplicates."""
