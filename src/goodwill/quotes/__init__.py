"""Quotes tracked to their outcome: add, decide, follow up, and the hit ratio."""

FOLLOW_UP_AFTER_DAYS = 7
"""An open quote older than this many days, with no touch about it, needs a follow-up: the
Quotes page marks it, and health counts it against the account (a younger one counts
neither way)."""
