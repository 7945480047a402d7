"""Errors the services raise. They carry no HTTP or CLI knowledge; the edges map them."""

from __future__ import annotations


class GoodwillError(Exception):
    """Base of every error a user can be shown as one clear line."""


class NotFound(GoodwillError):
    """The record asked for does not exist."""


class Conflict(GoodwillError):
    """The change clashes with what is already stored."""


class Invalid(GoodwillError):
    """The input is not acceptable; the message says where and why."""


class Forbidden(GoodwillError):
    """The caller's role does not allow this action."""
