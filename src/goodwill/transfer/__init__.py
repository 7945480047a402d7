"""Transfer (being built)."""
