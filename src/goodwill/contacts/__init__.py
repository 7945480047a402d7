"""Contacts (being built)."""
