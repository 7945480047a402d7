"""The promises ledger: every commitment made to a customer, and whether it was kept."""
