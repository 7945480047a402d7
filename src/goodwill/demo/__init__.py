"""The demo world: a distributor's team, customers and years of history, drawn from a seed."""
