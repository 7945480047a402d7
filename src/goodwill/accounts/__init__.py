"""Accounts (being built)."""
