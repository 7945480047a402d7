"""Searching accounts as you type: substrings, typos, word order, people, filters and paging."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill import schema
from goodwill.accounts.search import AccountPage, search_accounts, trigram_index
from goodwill.models import Account, AccountKind, Contact, HealthWeek, account_owner
from goodwill.transfer.service import import_file
from tests.accounts import factories as f

WEEK = date(2026, 2, 9)


def health(session: Session, account: Account, arrow: str = "flat", **flags: bool) -> None:
    """A scored week for the account, with the arrow and flags given."""
    session.add(
        HealthWeek(
            account_id=account.id,
            week_on=WEEK,
            as_of=WEEK,
            health=50.0,
            vitality=0.0,
            engagement=0.0,
            richness=0.0,
            value=0.0,
            promises=0.0,
            quotes=0.0,
            knowledge=0.0,
            chance_of_buying=0.5,
            expected_purchases=1.0,
            value_12_months_minor=0,
            revenue_90_minor=0,
            revenue_prior_90_minor=0,
            revenue_365_minor=0,
            trend=0.0,
            arrow=arrow,
            top=flags.get("top", False),
            complacent=flags.get("complacent", False),
            neglected=flags.get("neglected", False),
        )
    )
    session.flush()


@pytest.fixture
def book(session: Session) -> dict[str, Account]:
    """A small book: a few look-alike names, people, and names full of punctuation."""
    names = {
        "Acme Tools": "C-100",
        "Acme Supply Co": "C-101",
        "Northwind Traders": "N-1",
        "Contoso": "X-9",
        "Fabrikam Pumps": None,
        "100% Cotton Mills": None,
        "Under_score Ltd": None,
        'The "Best" Bakery': None,
        "Smith-Jones (UK)": None,
        "Alpha OR Omega*": None,
    }
    found = {name: f.account(session, name, ext) for name, ext in names.items()}
    f.contact(session, found["Northwind Traders"], "Pat Lee")
    f.contact(session, found["Contoso"], "Judith Scott")
    f.contact(session, found["Contoso"], "Dana Whitfield")
    return found


def names(page: AccountPage) -> list[str]:
    return [row.name for row in page.rows]


def test_any_substring_of_a_name_or_external_id_finds_it_ignoring_case(
    session: Session, book: dict[str, Account]
) -> None:
    assert names(search_accounts(session, "cme to"))[0] == "Acme Tools"
    assert names(search_accounts(session, "  TOOLS "))[0] == "Acme Tools"
    assert names(search_accounts(session, "wind tr"))[0] == "Northwind Traders"
    by_id = search_accounts(session, "c-10")
    assert names(by_id)[:2] == ["Acme Supply Co", "Acme Tools"]  # both hits, by name
    assert names(search_accounts(session, "x-9"))[0] == "Contoso"


def test_substring_hits_come_before_fuzzy_matches(
    session: Session, book: dict[str, Account]
) -> None:
    found = search_accounts(session, "acme")
    assert names(found)[:2] == ["Acme Supply Co", "Acme Tools"]
    assert all(row.matched is None for row in found.rows[:2])


def test_typos_are_tolerated(session: Session, book: dict[str, Account]) -> None:
    assert names(search_accounts(session, "acme tolls"))[0] == "Acme Tools"
    assert names(search_accounts(session, "northwnd traders"))[0] == "Northwind Traders"
    assert names(search_accounts(session, "contsoo"))[0] == "Contoso"
    assert names(search_accounts(session, "fabrikan pumps"))[0] == "Fabrikam Pumps"


def test_a_typo_ranks_the_names_it_means_above_names_sharing_one_word(
    session: Session,
) -> None:
    for name in ["Allegheny Wire & Sons", "Walsh Wire Industries", "Sandoval Wire Company"]:
        f.account(session, name, None)
    for name in ["Shenandoah Wire Company", "Shenandoah Wire Inc.", "Shenandoah Wire Works"]:
        f.account(session, name, None)
    found = names(search_accounts(session, "shenandoh wire"))
    assert set(found[:3]) == {
        "Shenandoah Wire Company",
        "Shenandoah Wire Inc.",
        "Shenandoah Wire Works",
    }


def test_word_order_is_tolerated(session: Session, book: dict[str, Account]) -> None:
    assert names(search_accounts(session, "tools acme"))[0] == "Acme Tools"
    assert names(search_accounts(session, "traders northwind"))[0] == "Northwind Traders"


def test_a_persons_name_finds_their_account(session: Session, book: dict[str, Account]) -> None:
    found = search_accounts(session, "Pat Lee")
    assert found.rows[0].name == "Northwind Traders"
    assert found.rows[0].matched == "person: Pat Lee"
    typo = search_accounts(session, "judith scot")
    assert (typo.rows[0].name, typo.rows[0].matched) == ("Contoso", "person: Judith Scott")
    short = search_accounts(session, "pat")
    assert (short.rows[0].name, short.rows[0].matched) == ("Northwind Traders", "person: Pat Lee")
    reversed_ = search_accounts(session, "whitfield dana")
    assert (reversed_.rows[0].name, reversed_.rows[0].matched) == (
        "Contoso",
        "person: Dana Whitfield",
    )


def test_filters_apply_to_the_matches(session: Session, book: dict[str, Account]) -> None:
    owner = f.member(session, "Olive Owner")
    tools, supply = book["Acme Tools"], book["Acme Supply Co"]
    session.execute(account_owner.insert().values(account_id=supply.id, member_id=owner.id))
    tools.tier = "A"
    supply.kind = AccountKind.SUPPLIER
    session.flush()
    health(session, tools, arrow="up", top=True)
    health(session, supply, arrow="down", neglected=True)
    assert names(search_accounts(session, "acme", owner_id=owner.id)) == ["Acme Supply Co"]
    assert names(search_accounts(session, "acme", tier="A")) == ["Acme Tools"]
    assert names(search_accounts(session, "acme", kind=AccountKind.SUPPLIER)) == ["Acme Supply Co"]
    assert names(search_accounts(session, "acme", arrow="up")) == ["Acme Tools"]
    assert names(search_accounts(session, "acme tolls", flag="top")) == ["Acme Tools"]
    assert names(search_accounts(session, "acme", flag="neglected")) == ["Acme Supply Co"]
    assert search_accounts(session, "acme", flag="complacent").total == 0
    person = search_accounts(session, "Pat Lee", tier="C")
    assert person.rows[0].matched == "person: Pat Lee"
    assert search_accounts(session, "Pat Lee", tier="A").total == 0
    row = search_accounts(session, "acme tools").rows[0]
    assert (row.tier, row.arrow, row.top, row.health) == ("A", "up", True, 50.0)


def test_pages_walk_every_match_once_with_the_total(session: Session) -> None:
    for letter in "EDCBA":
        f.account(session, f"Widget {letter}")
    f.account(session, "Widgit F")  # a fuzzy match only, after the substring hits
    f.account(session, "Gadget G")
    whole = search_accounts(session, "widget", limit=50)
    assert names(whole)[:5] == [f"Widget {letter}" for letter in "ABCDE"]
    assert "Widgit F" in names(whole)[5:]
    assert "Gadget G" not in names(whole)[:6] or names(whole).index("Gadget G") > 5
    walked: list[str] = []
    for offset in range(0, whole.total, 2):
        page = search_accounts(session, "widget", offset=offset, limit=2)
        assert page.total == whole.total
        assert (page.offset, page.limit) == (offset, 2)
        walked += names(page)
    assert walked == names(whole)
    assert search_accounts(session, "widget", offset=whole.total).rows == []


def test_without_text_every_account_is_listed_by_name(
    session: Session, book: dict[str, Account]
) -> None:
    every = search_accounts(session, "   ", limit=3)
    assert every.total == len(book)
    assert names(every) == sorted(book)[:3]
    assert all(row.matched is None for row in every.rows)


def test_a_renamed_account_is_found_by_its_new_name_only(
    session: Session, book: dict[str, Account]
) -> None:
    tools = book["Acme Tools"]
    tools.name = "Zenith Hardware"
    tools.external_id = "Z-7"
    session.flush()
    session.commit()
    assert names(search_accounts(session, "zenith"))[0] == "Zenith Hardware"
    assert names(search_accounts(session, "z-7")) == ["Zenith Hardware"]
    assert "Zenith Hardware" not in names(search_accounts(session, "acme tools"))
    assert "Zenith Hardware" not in names(search_accounts(session, "c-100"))


def test_a_deleted_person_or_account_no_longer_matches(
    session: Session, book: dict[str, Account]
) -> None:
    session.execute(delete(Contact).where(Contact.name == "Pat Lee"))
    session.commit()
    found = search_accounts(session, "Pat Lee")
    assert all(row.matched != "person: Pat Lee" for row in found.rows)
    # Its people go with it, by the database's ON DELETE CASCADE.
    session.execute(delete(Account).where(Account.id == book["Contoso"].id))
    session.commit()
    assert search_accounts(session, "contoso").total == 0
    assert search_accounts(session, "Judith Scott").total == 0


def test_a_new_person_is_found_at_once(session: Session, book: dict[str, Account]) -> None:
    person = f.contact(session, book["Fabrikam Pumps"], "Quentin Blake")
    found = search_accounts(session, "quentin blake")
    assert (found.rows[0].name, found.rows[0].matched) == (
        "Fabrikam Pumps",
        "person: Quentin Blake",
    )
    person.name = "Roald Dahl"
    session.flush()
    assert search_accounts(session, "quentin blake").total == 0
    assert search_accounts(session, "roald dahl").rows[0].name == "Fabrikam Pumps"


def test_imported_accounts_and_people_are_found_as_they_change(
    session: Session, tmp_path: Path
) -> None:
    """The importer writes with INSERT … ON CONFLICT DO UPDATE, past the ORM."""
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("external_id,name\nI-1,Initech\nI-2,Globex\n")
    import_file(session, "accounts", accounts)
    people = tmp_path / "contacts.csv"
    people.write_text("account,external_id,name\nI-1,p-1,Milton Waddams\n")
    import_file(session, "contacts", people)
    assert names(search_accounts(session, "initech")) == ["Initech"]
    assert search_accounts(session, "milton waddams").rows[0].name == "Initech"
    accounts.write_text("external_id,name\nI-1,Intertrode\nI-2,Globex\n")
    people.write_text("account,external_id,name\nI-1,p-1,Bill Lumbergh\n")
    import_file(session, "accounts", accounts)
    import_file(session, "contacts", people)
    assert names(search_accounts(session, "intertrode")) == ["Intertrode"]
    assert search_accounts(session, "initech").total == 0
    assert search_accounts(session, "milton waddams").total == 0
    assert search_accounts(session, "bill lumbergh").rows[0].name == "Intertrode"


@pytest.mark.parametrize("typed", ["a", "A", "ac", "Co", "1", "-1"])
def test_one_or_two_characters_find_every_name_holding_them(
    session: Session, book: dict[str, Account], typed: str
) -> None:
    found = search_accounts(session, typed, limit=100)
    holding = sorted(
        (a.name for a in book.values() if typed.lower() in f"{a.name}\n{a.external_id}".lower()),
        key=str.lower,
    )
    assert names(found)[: len(holding)] == holding
    assert found.total >= len(holding)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("%", "100% Cotton Mills"),
        ("0% c", "100% Cotton Mills"),
        ("_", "Under_score Ltd"),
        ("r_s", "Under_score Ltd"),
        ('"', 'The "Best" Bakery'),
        ('"best"', 'The "Best" Bakery'),
        ('e "B', 'The "Best" Bakery'),
        ("-", "Smith-Jones (UK)"),
        ("h-jo", "Smith-Jones (UK)"),
        ("(uk)", "Smith-Jones (UK)"),
        ("(", "Smith-Jones (UK)"),
        ("*", "Alpha OR Omega*"),
        ("a or o", "Alpha OR Omega*"),
        ("OR", "Alpha OR Omega*"),
        ("ega*", "Alpha OR Omega*"),
    ],
)
def test_wildcards_and_query_syntax_are_plain_text(
    session: Session, book: dict[str, Account], typed: str, expected: str
) -> None:
    found = search_accounts(session, typed)
    assert expected in names(found)
    first = found.rows[0]
    assert typed.lower() in f"{first.name} {first.external_id}".lower()
    if typed in ("%", "_", '"', "*", "("):
        assert names(found) == [expected]


@pytest.mark.parametrize(
    "typed",
    [
        '"',
        '""',
        "'",
        "*",
        "acme*",
        "-acme",
        "acme -tools",
        "OR",
        "acme OR",
        "AND NOT",
        "NEAR(acme tools)",
        "(",
        ")(",
        "name:acme",
        "{name}: acme",
        "^acme",
        "\\",
        "%_%",
        "a\\%",
        "acme\x00tools",
        "ümlaut straße",
        "x" * 200,
        "acme " * 40,
    ],
)
def test_odd_text_never_fails(session: Session, book: dict[str, Account], typed: str) -> None:
    found = search_accounts(session, typed, limit=5)
    assert found.total >= len(found.rows)


def test_the_search_uses_the_trigram_index(session: Session, book: dict[str, Account]) -> None:
    expected = "fts5" if session.get_bind().dialect.name == "sqlite" else "pg_trgm"
    assert trigram_index(session) == expected


def _at(engine: Engine, revision: str, *, down: bool) -> None:
    config = schema.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


def test_the_migration_indexes_existing_accounts_and_steps_back(engine: Engine) -> None:
    _at(engine, "0006", down=True)
    with Session(engine) as session:
        f.contact(session, f.account(session, "Acme Tools", "C-100"), "Pat Lee")
        f.account(session, "Northwind Traders")
        session.commit()
        # Without the index the search still answers, by scanning.
        assert trigram_index(session) == "none"
        assert names(search_accounts(session, "cme to")) == ["Acme Tools"]
        assert names(search_accounts(session, "tools acme"))[0] == "Acme Tools"
        assert search_accounts(session, "pat lee").rows[0].matched == "person: Pat Lee"
        assert search_accounts(session, "%").total == 0
    engine.dispose()  # the next connections ask afresh which index there is
    _at(engine, "head", down=False)
    with Session(engine) as session:
        assert trigram_index(session) != "none"
        assert names(search_accounts(session, "cme to")) == ["Acme Tools"]
        assert names(search_accounts(session, "acme tolls"))[0] == "Acme Tools"
        assert search_accounts(session, "pat lee").rows[0].matched == "person: Pat Lee"
        assert search_accounts(session, "c-100").rows[0].name == "Acme Tools"
