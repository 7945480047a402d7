"""Alembic migrations of Goodwill's schema."""
