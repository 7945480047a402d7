"""How Goodwill writes for people: the same day reads the same on a page, in a meeting
brief and on the command line."""

from __future__ import annotations

from datetime import date


def written_day(value: date) -> str:
    """A day as people write it: 3 Dec 2026 (a moment's day, for a datetime)."""
    return f"{value.day} {value:%b %Y}"
