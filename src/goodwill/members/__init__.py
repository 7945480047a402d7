"""Members (being built)."""
