"""Touches: every interaction with an account, by any channel."""
