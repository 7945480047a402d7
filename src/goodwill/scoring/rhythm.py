"""Each customer's buying rhythm (being built)."""
