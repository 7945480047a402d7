"""Goodwill: a relationship-first CRM for business-to-business sales and service teams."""

__version__ = "0.1.0"
