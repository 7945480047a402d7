"""Touches (being built)."""
