"""vCard files (.vcf) in and out: the people at our accounts, as address books hold them.

An import is all-or-nothing: every card is read and checked before anything is written, and
any bad card stops the import with one line naming the file, the card, the field and why.
Contacts are matched on (account, UID), so importing the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers
import vobject
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.contacts.queries import contacts_with_account
from goodwill.countries import country_codes
from goodwill.errors import Invalid, NotFound
from goodwill.models import Account, Contact
from goodwill.models.audit import audit_event

# Phone numbers without a country code are read as numbers of this region.
DEFAULT_REGION = "US"
# Address books (Apple's among them) write a birthday without a year as this year.
NO_YEAR = 1604

FIELDS = (
    "name",
    "title",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "birthday",
)
_LIMITS = {
    "name": 200,
    "title": 200,
    "address_line1": 200,
    "address_line2": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
}
_FIELD_PROPERTY = {
    "name": "FN",
    "title": "TITLE",
    "address_line1": "ADR street",
    "address_line2": "ADR extended address",
    "city": "ADR locality",
    "region": "ADR region",
    "postal_code": "ADR postal code",
}
_BDAY = re.compile(r"^(\d{4}|--)-?(\d{2})-?(\d{2})$")


@dataclass(frozen=True)
class VCardImportResult:
    """What an import did: contacts added, changed, and already as the file says."""

    inserted: int
    updated: int
    unchanged: int


@dataclass
class _Card:
    number: int
    line: int | None
    account_id: int
    external_id: str
    values: dict[str, Any]


class _CardError(Exception):
    """A field of one card is unacceptable; the import turns it into Invalid with context."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")


def _text(value: Any) -> str:
    """A property value as one string: vobject splits unescaped commas into a list."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if str(v).strip())
    return str(value or "")


def _first(card: Any, key: str) -> Any | None:
    found = card.contents.get(key)
    return found[0] if found else None


def _country(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if len(text) == 2 and text.isalpha():
        return text.upper()
    code = country_codes().get(text.casefold())
    if code is None:
        raise _CardError("ADR country", f"{text!r} is not a country name or ISO 3166 code")
    return code


def _birthday(text: str) -> date:
    match = _BDAY.match(text.strip().split("T")[0])
    if match is None:
        raise _CardError("BDAY", f"{text!r} is not a date (YYYY-MM-DD)")
    year = NO_YEAR if match.group(1) == "--" else int(match.group(1))
    try:
        return date(year, int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise _CardError("BDAY", f"{text!r} is not a date: {exc}") from exc


def _email(text: str) -> str:
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise _CardError("EMAIL", f"{text!r} is not an e-mail address: {exc}") from exc


def _phone(text: str) -> str:
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise _CardError("TEL", f"{text!r} is not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(number):
        raise _CardError("TEL", f"{text!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _name(card: Any) -> str:
    fn = _first(card, "fn")
    name = _text(fn.value).strip() if fn is not None else ""
    if not name:
        n = _first(card, "n")
        if n is not None:
            v = n.value
            parts = [v.prefix, v.given, v.additional, v.family, v.suffix]
            name = " ".join(p for p in (_text(x).strip() for x in parts) if p)
    if not name:
        raise _CardError("FN", "missing: every card needs a name (FN or N)")
    return name


def _fields(card: Any) -> dict[str, Any]:
    """The contact fields one card gives, checked and normalised."""
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    values["name"] = _name(card)
    if (title := _first(card, "title")) is not None:
        values["title"] = _text(title.value).strip() or None
    if (email := _first(card, "email")) is not None and _text(email.value).strip():
        values["email"] = _email(_text(email.value))
    if (tel := _first(card, "tel")) is not None and _text(tel.value).strip():
        values["phone"] = _phone(_text(tel.value))
    if (adr := _first(card, "adr")) is not None:
        address = adr.value
        street = (
            address.street
            if isinstance(address.street, list)
            else _text(address.street).split("\n")
        )
        lines = [s.strip() for s in street if s.strip()]
        extra = [*lines[1:], _text(address.extended).strip()]
        values["address_line1"] = lines[0] if lines else None
        values["address_line2"] = ", ".join(e for e in extra if e) or None
        values["city"] = _text(address.city).strip() or None
        values["region"] = _text(address.region).strip() or None
        values["postal_code"] = _text(address.code).strip() or None
        values["country"] = _country(_text(address.country))
    if (bday := _first(card, "bday")) is not None and _text(bday.value).strip():
        values["birthday"] = _birthday(_text(bday.value))
    for field, limit in _LIMITS.items():
        if values[field] is not None and len(values[field]) > limit:
            raise _CardError(_FIELD_PROPERTY[field], f"longer than {limit} characters")
    return values


def _external_id(card: Any, values: dict[str, Any]) -> str:
    uid = _first(card, "uid")
    text = _text(uid.value).strip() if uid is not None else ""
    if text:
        if len(text) > 100:
            raise _CardError("UID", "longer than 100 characters")
        return text
    # A card without a UID gets one derived from who it is, so re-importing matches it.
    key = f"{values['name'].casefold()}|{(values['email'] or '').casefold()}"
    return "vcard-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _line_of(lines: list[str], reason: str, start: int) -> int | None:
    """The line a vobject error is about. vobject's own line numbers count CR and LF apart,
    so look for the text it quotes, from the start of the card on."""
    _, _, quoted = reason.partition("Failed to parse line: ")
    quoted = quoted.strip()
    if quoted:
        for number in range(start, len(lines) + 1):
            if lines[number - 1].strip() == quoted:
                return number
    return start


def _cards(text: str, where: str) -> Iterator[tuple[int, int | None, Any]]:
    """Each vCard in the text, with its number and the line it starts on."""
    lines = text.split("\n")
    starts = [i + 1 for i, line in enumerate(lines) if line.strip().upper() == "BEGIN:VCARD"]
    number = 0
    components = vobject.readComponents(text)
    while True:
        try:
            component = next(components)
        except StopIteration:
            return
        except (vobject.base.VObjectError, ValueError) as exc:
            reason = str(getattr(exc, "msg", exc))
            line = _line_of(lines, reason, starts[number] if number < len(starts) else 1)
            at = f" at line {line}" if line else ""
            raise Invalid(
                f"{where}, card {number + 1}{at}: cannot read the vCard: {reason}"
            ) from exc
        number += 1
        start = starts[number - 1] if number <= len(starts) else None
        if component.name.upper() != "VCARD":
            at = f" at line {start}" if start else ""
            raise Invalid(f"{where}, card {number}{at}: a {component.name} is not a vCard")
        yield number, start, component


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"{path.name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _accounts_by_name(session: Session, names: set[str]) -> dict[str, list[Account]]:
    found: dict[str, list[Account]] = {}
    ordered = sorted(names)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i : i + 500]
        for account in session.scalars(
            select(Account).where(func.lower(Account.name).in_(chunk)).order_by(Account.id)
        ):
            found.setdefault(account.name.lower(), []).append(account)
    return found


def _existing(session: Session, cards: Sequence[_Card]) -> dict[tuple[int, str], Contact]:
    keys = sorted({c.external_id for c in cards})
    accounts = sorted({c.account_id for c in cards})
    found: dict[tuple[int, str], Contact] = {}
    for i in range(0, len(keys), 500):
        query = select(Contact).where(
            Contact.external_id.in_(keys[i : i + 500]), Contact.account_id.in_(accounts)
        )
        for contact in session.scalars(query):
            assert contact.external_id is not None
            found[(contact.account_id, contact.external_id)] = contact
    return found


def import_vcards(
    session: Session, path: Path, account_external_id: str | None
) -> VCardImportResult:
    """Add or update the contacts in a vCard file: all of them, or none if a card is bad."""
    text = _read_text(path)
    where = path.name
    fixed: Account | None = None
    if account_external_id is not None:
        fixed = session.scalar(select(Account).where(Account.external_id == account_external_id))
        if fixed is None:
            raise NotFound(f"{where}: no account with external id {account_external_id!r}")

    read: list[tuple[int, int | None, str, dict[str, Any], str]] = []
    for number, line, card in _cards(text, where):
        label = f"{where}, card {number}" + (f" at line {line}" if line else "")
        try:
            label += f" ({_name(card)})"
            values = _fields(card)
            external_id = _external_id(card, values)
        except _CardError as exc:
            raise Invalid(f"{label}: {exc}") from exc
        org = _first(card, "org")
        org_name = _text(org.value[0] if isinstance(org.value, list) else org.value) if org else ""
        read.append((number, line, label, values | {"external_id": external_id}, org_name.strip()))
    if not read and text.strip():
        raise Invalid(f"{where}: no vCard found (a card starts with BEGIN:VCARD)")

    accounts = {} if fixed else _accounts_by_name(session, {r[4].lower() for r in read if r[4]})
    cards: list[_Card] = []
    seen: dict[tuple[int, str], int] = {}
    for number, line, label, values, org_name in read:
        if fixed is not None:
            account = fixed
        elif not org_name:
            raise Invalid(f"{label}: ORG: missing, so the account is unknown; name the account")
        else:
            matches = accounts.get(org_name.lower(), [])
            if not matches:
                raise Invalid(f"{label}: ORG: no account is named {org_name!r}")
            if len(matches) > 1:
                raise Invalid(
                    f"{label}: ORG: {len(matches)} accounts are named {org_name!r}; "
                    "import the file for one account by its external id"
                )
            account = matches[0]
        external_id = values.pop("external_id")
        key = (account.id, external_id)
        if key in seen:
            raise Invalid(f"{label}: UID: {external_id!r} is also card {seen[key]}")
        seen[key] = number
        cards.append(_Card(number, line, account.id, external_id, values))

    existing = _existing(session, cards)
    inserted = updated = unchanged = 0
    for card in cards:
        contact = existing.get((card.account_id, card.external_id))
        if contact is None:
            session.add(
                Contact(account_id=card.account_id, external_id=card.external_id, **card.values)
            )
            inserted += 1
            continue
        changed = {k: v for k, v in card.values.items() if getattr(contact, k) != v}
        for field, value in changed.items():
            setattr(contact, field, value)
        if changed:
            updated += 1
        else:
            unchanged += 1
    session.flush()
    if inserted or updated:
        audit_event(
            session,
            "import",
            "contact",
            after={
                "file": where,
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "inserted": inserted,
                "updated": updated,
                "unchanged": unchanged,
            },
        )
    return VCardImportResult(inserted=inserted, updated=updated, unchanged=unchanged)


def _split_name(name: str) -> tuple[str, str]:
    """(given, family) for the N property: the last word is taken as the family name."""
    parts = name.rsplit(" ", 1)
    return ("", parts[0]) if len(parts) == 1 else (parts[0], parts[1])


def _vcard(contact: Contact, account: Account) -> Any:
    card = vobject.vCard()
    card.add("fn").value = contact.name
    given, family = _split_name(contact.name)
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    card.add("org").value = [account.name]
    if contact.title:
        card.add("title").value = contact.title
    if contact.email:
        email = card.add("email")
        email.value = contact.email
        email.type_param = "INTERNET"
    if contact.phone:
        card.add("tel").value = contact.phone
    address = (contact.address_line1, contact.address_line2, contact.city, contact.region)
    if any(address) or contact.postal_code or contact.country:
        card.add("adr").value = vobject.vcard.Address(
            street=contact.address_line1 or "",
            extended=contact.address_line2 or "",
            city=contact.city or "",
            region=contact.region or "",
            code=contact.postal_code or "",
            country=contact.country or "",
        )
    if contact.birthday:
        card.add("bday").value = contact.birthday.isoformat()
    card.add("uid").value = contact.external_id or f"goodwill-contact-{contact.id}"
    return card


def export_vcards(session: Session, path: Path) -> int:
    """Write every contact to a vCard 3.0 file; returns how many were written."""
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        for contact, account in session.execute(contacts_with_account()):
            out.write(_vcard(contact, account).serialize())
            written += 1
    return written
