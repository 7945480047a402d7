"""Shapes of a person at an account going in and out."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from goodwill.accounts.schemas import AddressFields
from goodwill.models import Channel


class ContactIn(AddressFields):
    """A person to add at an account: their name and how to reach them well."""

    name: str = Field(max_length=200)
    external_id: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    birthday: date | None = None
    preferred_channel: Channel | None = None


class ContactChange(AddressFields):
    """Changes to a person: only the fields given are changed (null clears a field)."""

    name: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    birthday: date | None = None
    preferred_channel: Channel | None = None


class ContactOut(BaseModel):
    """A person at an account, as stored."""

    id: int
    account_id: int
    external_id: str | None
    name: str
    title: str | None
    email: str | None
    phone: str | None
    birthday: date | None
    preferred_channel: Channel | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    created_at: datetime
    updated_at: datetime
