"""Demo (being built)."""
