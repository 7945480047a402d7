"""Scoring (being built)."""
