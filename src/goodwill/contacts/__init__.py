"""Contacts: the people at an account."""
