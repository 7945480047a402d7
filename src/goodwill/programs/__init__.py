"""Outreach programs with a randomized holdout, thank-you note cards and the weekly digest."""
