"""Quotes tracked to their outcome: add, decide, follow up, and the hit ratio."""
