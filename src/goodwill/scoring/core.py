"""Pure scoring functions (being built)."""
