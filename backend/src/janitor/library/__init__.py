"""The cached media of each tenant: items with their files and languages, users, watch state, requests."""
