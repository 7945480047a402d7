"""Accounts: the businesses we serve, and everything we know about each."""
