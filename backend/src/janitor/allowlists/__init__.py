"""Allowlists: protected titles and language exemptions, with an optional expiry and a note."""
