"""Shared kernel: configuration, database, errors, security and plumbing. No business rules."""
