"""vCard export and import: a faithful round trip, idempotent re-import, all-or-nothing errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.contacts.vcard import VCardImportResult, export_vcards, import_vcards
from goodwill.errors import Invalid, NotFound
from goodwill.models import Account, AuditEvent, Contact

TRICKY = 'Dr. Ann O\'Neil, Jr.; =HYPERLINK("http://x")\\ <b>bold</b>'


def accounts(session: Session) -> dict[str, Account]:
    made = {
        "Acme Tools": Account(name="Acme Tools", external_id="A-1"),
        "Globex, Inc; East": Account(name="Globex, Inc; East", external_id="G-1"),
    }
    session.add_all(made.values())
    session.flush()
    return made


def people(session: Session) -> None:
    acct = accounts(session)
    acme, globex = acct["Acme Tools"], acct["Globex, Inc; East"]
    session.add_all(
        [
            Contact(
                account_id=acme.id,
                external_id="c-1",
                name="Jane Roe",
                title="Head of purchasing",
                email="jane@acme.com",
                phone="+12175550100",
                address_line1="1 Main St",
                address_line2="Suite 200, rear door",
                city="Springfield",
                region="IL",
                postal_code="62701",
                country="US",
                birthday=date(1980, 4, 12),
            ),
            Contact(
                account_id=acme.id,
                external_id="c-2",
                name=TRICKY,
                title="=cmd|' /C calc'!A0",
                email="ann@acme.com",
            ),
            Contact(account_id=globex.id, name="Hank", phone="+442079460958", country="GB"),
        ]
    )
    session.flush()


FIELDS = (
    "external_id",
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


def snapshot(session: Session) -> set[tuple[Any, ...]]:
    rows = session.execute(select(Contact, Account.name).join(Account)).all()
    return {(account, *(getattr(c, f) for f in FIELDS)) for c, account in rows}


def test_export_then_import_into_a_fresh_database_keeps_every_field(
    session: Session, other_engine: Engine, tmp_path: Path
) -> None:
    people(session)
    path = tmp_path / "people.vcf"
    assert export_vcards(session, path) == 3
    written = path.read_bytes()
    assert written.count(b"BEGIN:VCARD\r\n") == 3
    assert b"VERSION:3.0" in written
    assert b"ORG:Globex\\, Inc\\; East" in written  # escaped, not split
    hank_id = session.scalars(select(Contact.id).where(Contact.name == "Hank")).one()
    assert f"UID:goodwill-contact-{hank_id}".encode() in written
    before = snapshot(session)

    with Session(other_engine) as fresh:
        fresh.info["actor"] = "test"
        accounts(fresh)
        assert import_vcards(fresh, path, None) == VCardImportResult(3, 0, 0)
        fresh.commit()
        after = snapshot(fresh)
        expected = {
            row if row[2] != "Hank" else (row[0], f"goodwill-contact-{hank_id}", *row[2:])
            for row in before
        }
        assert after == expected
        assert (TRICKY, "=cmd|' /C calc'!A0") in {(r[2], r[3]) for r in after}

        # The same file again changes nothing; a changed card updates exactly that contact.
        assert import_vcards(fresh, path, None) == VCardImportResult(0, 0, 3)
        path.write_bytes(written.replace(b"TITLE:Head of purchasing", b"TITLE:Buyer"))
        assert import_vcards(fresh, path, None) == VCardImportResult(0, 1, 2)
        fresh.commit()
        assert fresh.scalars(select(Contact.title).where(Contact.external_id == "c-1")).one() == (
            "Buyer"
        )
        imports = fresh.scalars(select(AuditEvent.after).where(AuditEvent.action == "import")).all()
        assert [i["inserted"] for i in imports if i] == [3, 0]


CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\n{body}END:VCARD\r\n"


def card(*lines: str) -> str:
    return CARD.format(body="".join(f"{line}\r\n" for line in lines))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Contact)) or 0


def test_cards_are_normalised_and_matched_to_the_account_by_org(
    session: Session, tmp_path: Path
) -> None:
    accounts(session)
    path = tmp_path / "in.vcf"
    path.write_text(
        card(
            "N:Roe;Jane;;;",
            "ORG:acme tools;Purchasing",
            "TEL;TYPE=WORK:(217) 555-0100",
            "EMAIL:Jane@ACME.com",
            "ADR:;;1 Main St\\nBuilding 2;Springfield;IL;62701;United States",
            "BDAY:19800412",
        )
        + card("FN:No Year", "ORG:Acme Tools", "BDAY:--0412"),
        encoding="utf-8",
    )
    assert import_vcards(session, path, None) == VCardImportResult(2, 0, 0)
    jane = session.scalars(select(Contact).where(Contact.name == "Jane Roe")).one()
    assert (jane.phone, jane.email, jane.birthday) == (
        "+12175550100",
        "jane@acme.com",
        date(1980, 4, 12),
    )
    assert (jane.address_line1, jane.address_line2, jane.country) == (
        "1 Main St",
        "Building 2",
        "US",
    )
    assert jane.external_id is not None
    assert jane.external_id.startswith("vcard-")  # no UID: derived from name and e-mail
    no_year = session.scalars(select(Contact).where(Contact.name == "No Year")).one()
    assert no_year.birthday == date(1604, 4, 12)
    assert import_vcards(session, path, None) == VCardImportResult(0, 0, 2)


def test_the_account_can_be_named_by_external_id(session: Session, tmp_path: Path) -> None:
    accounts(session)
    path = tmp_path / "in.vcf"
    path.write_text(card("FN:Solo", "ORG:Somebody Else", "UID:s-1"), encoding="utf-8")
    assert import_vcards(session, path, "G-1") == VCardImportResult(1, 0, 0)
    solo = session.scalars(select(Contact)).one()
    assert (
        solo.account_id
        == session.scalars(select(Account.id).where(Account.external_id == "G-1")).one()
    )
    with pytest.raises(NotFound, match="no account with external id 'X-9'"):
        import_vcards(session, path, "X-9")


@pytest.mark.parametrize(
    ("third", "expected"),
    [
        (
            card("FN:Bad Mail", "ORG:Acme Tools", "EMAIL:bad@@mail"),
            r"EMAIL: 'bad@@mail' is not an e-mail",
        ),
        (
            card("FN:Bad Tel", "ORG:Acme Tools", "TEL:12"),
            r"TEL: '12' is not a possible phone number",
        ),
        (
            card("FN:Bad Day", "ORG:Acme Tools", "BDAY:1980-13-45"),
            r"BDAY: '1980-13-45' is not a date",
        ),
        (card("FN:Lost", "ORG:Initech"), r"ORG: no account is named 'Initech'"),
        (card("FN:Nowhere", "ORG:Acme Tools", "ADR:;;x;y;z;1;Narnia"), r"ADR country: 'Narnia'"),
        (card("FN:Twin", "ORG:Acme Tools", "UID:u-1"), r"UID: 'u-1' is also card 1"),
        (card("ORG:Acme Tools"), r"FN: missing"),
    ],
)
def test_one_bad_card_imports_nothing_and_says_where_and_why(
    session: Session, tmp_path: Path, third: str, expected: str
) -> None:
    accounts(session)
    session.commit()
    path = tmp_path / "people.vcf"
    good = card("FN:One", "ORG:Acme Tools", "UID:u-1") + card("FN:Two", "ORG:Acme Tools")
    path.write_text(good + third, encoding="utf-8")
    with pytest.raises(Invalid) as caught:
        import_vcards(session, path, None)
    message = str(caught.value)
    assert message.startswith("people.vcf, card 3 at line 12")
    caught.match(expected)
    assert "\n" not in message
    session.rollback()
    assert count(session) == 0


def test_an_unreadable_card_names_the_card_and_line(session: Session, tmp_path: Path) -> None:
    accounts(session)
    path = tmp_path / "broken.vcf"
    path.write_text(
        card("FN:One", "ORG:Acme Tools") + card("FN:Two", "this line is not a property"),
        encoding="utf-8",
    )
    with pytest.raises(
        Invalid,
        match=r"^broken\.vcf, card 2 at line 9: cannot read the vCard: Failed to parse line: this",
    ):
        import_vcards(session, path, None)
    assert count(session) == 0
