"""Promises (being built)."""
