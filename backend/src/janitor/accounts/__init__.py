"""Accounts: one account is one tenant."""
