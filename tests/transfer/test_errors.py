"""Every class of import error: all problems listed with file, line, column, value and reason,
and nothing imported."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import Invalid
from goodwill.models import Account, Order
from goodwill.transfer.check import _amount
from goodwill.transfer.problems import PROBLEM_CAP, ImportFailed, Problem
from goodwill.transfer.service import import_file
from tests.transfer.files import seed, write

HEADER = "account,external_id,ordered_on,amount,quantity\n"


def problems_of(session: Session, path: Path, kind: str = "orders") -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        import_file(session, kind, path)
    assert session.scalar(select(func.count()).select_from(Order)) == 0
    assert "\n" not in str(caught.value)
    return caught.value


def only(failed: ImportFailed) -> Problem:
    assert failed.total == 1, failed.problems
    return failed.problems[0]


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        ("A-1,SO-1,2026-02-30,1.00,", "ordered_on", "2026-02-30", "not a date in the format"),
        ("A-1,SO-1,2026-02-03,12.3.4,", "amount", "12.3.4", "not an amount"),
        ("A-1,SO-1,2026-02-03,1.005,", "amount", "1.005", "more than 2 decimal places"),
        ("A-1,SO-1,2026-02-03,1.00,two", "quantity", "two", "not a whole number"),
        ("A-1,SO-1,2026-02-03,1.00,-1", "quantity", "-1", "outside 0..2147483647"),
        ("Z-9,SO-1,2026-02-03,1.00,", "account", "Z-9", "no account has this external id"),
        (",SO-1,2026-02-03,1.00,", "account", None, "required; the cell is empty"),
        ("A-1," + "x" * 101 + ",2026-02-03,1.00,", "external_id", "x" * 101, "longer than 100"),
    ],
)
def test_a_bad_cell_names_file_line_column_value_and_reason(
    session: Session, tmp_path: Path, row: str, column: str, value: str | None, reason: str
) -> None:
    seed(session)
    good = "A-1,SO-0,2026-01-01,5.00,1\n"
    failed = problems_of(session, write(tmp_path, "orders.csv", HEADER + good + row + "\n"))
    problem = only(failed)
    assert (problem.file, problem.line, problem.column, problem.value) == (
        "orders.csv",
        3,
        column,
        value,
    )
    assert reason in problem.reason
    assert str(problem).startswith(f"orders.csv, line 3, column '{column}'")


def test_bad_enum_and_bad_email(session: Session, tmp_path: Path) -> None:
    seed(session)
    text = (
        "account,external_id,name,email,preferred_channel\n"
        "A-1,c-1,Jane,jane@acme.com,carrier pigeon\n"
        "A-1,c-2,Joe,joe at acme,call\n"
    )
    with pytest.raises(ImportFailed) as caught:
        import_file(session, "contacts", write(tmp_path, "people.csv", text))
    enum, email = sorted(caught.value.problems, key=lambda p: p.line or 0)
    assert (enum.line, enum.column, enum.value) == (2, "preferred_channel", "carrier pigeon")
    assert "not one of call, visit, sit_down" in enum.reason
    assert (email.line, email.column, email.value) == (3, "email", "joe at acme")
    assert "not an e-mail address" in email.reason


def test_missing_required_and_unknown_columns_are_named(session: Session, tmp_path: Path) -> None:
    seed(session)
    path = write(tmp_path, "o.csv", "account,external_id,amount,colour\nA-1,SO-1,1.00,red\n")
    failed = problems_of(session, path)
    found = {(p.line, p.column): p.reason for p in failed.problems}
    assert "required column is missing" in found[(1, "ordered_on")]
    assert "unknown column for orders" in found[(1, "colour")]
    assert "--map 'colour'=<column>" in found[(1, "colour")]
    # Mapped, the unknown header is fine.
    result = import_file(
        session,
        "orders",
        write(tmp_path, "o2.csv", "account,ref,ordered_on,amount\nA-1,SO-1,2026-01-01,1\n"),
        mapping={"ref": "external_id"},
    )
    assert result.inserted == 1


def test_duplicate_keys_within_a_file(session: Session, tmp_path: Path) -> None:
    seed(session)
    text = HEADER + "A-1,SO-1,2026-01-01,1,\nB-2,SO-1,2026-01-01,1,\nA-1,SO-1,2026-01-02,2,\n"
    problem = only(problems_of(session, write(tmp_path, "o.csv", text)))
    assert (problem.line, problem.column, problem.value) == (4, "external_id", "SO-1")
    assert "is also on line 2" in problem.reason


def test_duplicate_contacts_without_external_id(session: Session, tmp_path: Path) -> None:
    seed(session)
    text = "account,name,email\nA-1,Jane,jane@acme.com\nA-1,Jane R.,JANE@acme.com\n"
    with pytest.raises(ImportFailed) as caught:
        import_file(session, "contacts", write(tmp_path, "c.csv", text))
    problem = only(caught.value)
    assert problem.line == 3
    assert "is also on line 2" in problem.reason


def test_wrong_encoding_names_the_line_and_byte(session: Session, tmp_path: Path) -> None:
    seed(session)
    text = HEADER + "A-1,SO-1,2026-01-01,1,\nA-1,Bücher,2026-01-01,1,\n"
    path = write(tmp_path, "latin.csv", text, encoding="latin-1")
    problem = only(problems_of(session, path))
    assert (problem.file, problem.line) == ("latin.csv", 3)
    assert "byte 0xFC at character 6 is not valid utf-8" in problem.reason
    assert "--encoding" in problem.reason
    assert import_file(session, "orders", path, encoding="latin-1").inserted == 2


def test_empty_file_and_header_only(session: Session, tmp_path: Path) -> None:
    seed(session)
    empty = only(problems_of(session, write(tmp_path, "empty.csv", "")))
    assert "the file is empty" in empty.reason
    header = only(problems_of(session, write(tmp_path, "header.csv", HEADER + "\n")))
    assert (header.line, header.reason) == (1, "the file has a header but no rows")


def test_a_file_the_csv_reader_cannot_read_is_named_not_a_crash(
    session: Session, tmp_path: Path
) -> None:
    seed(session)
    # A lone carriage return (an old Mac line ending) in the header; a quoted field too long.
    lone = only(problems_of(session, write(tmp_path, "mac.csv", "account\rexternal_id\n")))
    assert (lone.file, lone.line) == ("mac.csv", 1)
    assert lone.reason == "not readable as CSV: new-line character seen in unquoted field"
    text = HEADER + 'A-1,SO-1,2026-01-01,1,"ok"\nA-1,SO-2,2026-01-01,1,"' + "x" * 200_000 + '"\n'
    quoted = only(problems_of(session, write(tmp_path, "q.csv", text)))
    assert (quoted.file, quoted.line) == ("q.csv", 3)
    assert quoted.reason == "not readable as CSV: field larger than field limit (131072)"


def test_ragged_rows_are_named_by_physical_line(session: Session, tmp_path: Path) -> None:
    seed(session)
    text = HEADER + "A-1,SO-1,2026-01-01,1,\nA-1,SO-2,2026-01-01\n\nA-1,SO-3,2026-01-01,1,2,3\n"
    failed = problems_of(session, write(tmp_path, "o.csv", text))
    assert [(p.line, p.reason) for p in failed.problems] == [
        (3, "3 fields where the header has 5"),
        (5, "6 fields where the header has 5"),
    ]


def test_quoted_line_breaks_do_not_shift_line_numbers(session: Session, tmp_path: Path) -> None:
    seed(session)
    text = (
        "account,external_id,quoted_on,amount,description\n"
        'A-1,Q1,2026-01-01,1,"three\nline\nnote"\n'
        "A-1,Q2,2026-13-01,1,plain\n"
        'A-1,Q3,2026-01-01,1,"two\nlines",extra\n'
    )
    with pytest.raises(ImportFailed) as caught:
        import_file(session, "quotes", write(tmp_path, "q.csv", text))
    assert [(p.line, p.column) for p in caught.value.problems] == [(6, None)]
    fixed = text.replace(",extra\n", "\n")
    with pytest.raises(ImportFailed) as caught:
        import_file(session, "quotes", write(tmp_path, "q2.csv", fixed))
    assert [(p.line, p.column) for p in caught.value.problems] == [(5, "quoted_on")]


def test_all_problems_are_counted_and_listed_up_to_the_cap(
    session: Session, tmp_path: Path
) -> None:
    seed(session)
    rows = "".join(f"A-1,SO-{i},not a date,x{i},\n" for i in range(PROBLEM_CAP))
    failed = problems_of(session, write(tmp_path, "o.csv", HEADER + rows))
    assert failed.total == 2 * PROBLEM_CAP
    assert len(failed.problems) == PROBLEM_CAP
    assert f"(and {2 * PROBLEM_CAP - 1} more problems)" in str(failed)
    assert failed.problems[0].line == 2


def test_one_bad_row_imports_nothing_of_any_kind(session: Session, tmp_path: Path) -> None:
    seed(session)
    text = "external_id,name,kind\nN-1,New One,customer\nN-2,New Two,reseller\n"
    with pytest.raises(ImportFailed):
        import_file(session, "accounts", write(tmp_path, "a.csv", text))
    assert session.scalars(select(Account.external_id).where(Account.name.like("New%"))).all() == []


def test_unknown_kind_and_bad_map(session: Session, tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", HEADER + "A-1,SO-1,2026-01-01,1,\n")
    with pytest.raises(Invalid, match="the kinds are accounts, contacts, orders"):
        import_file(session, "invoices", path)
    with pytest.raises(ImportFailed, match="not a column of orders"):
        import_file(session, "orders", path, mapping={"account": "customer"})


@pytest.mark.parametrize("decimal_comma", [False, True])
def test_plain_amounts_read_the_same_as_through_the_general_parse(decimal_comma: bool) -> None:
    """A column of plain amounts takes a shortcut; mixed in with others, the same cents."""
    plain = ["-1234.50", "99", "0.05", "-0.50", "007.00", "123456789012345.99", None]
    if decimal_comma:
        plain = [None if p is None else p.replace(".", ",") for p in plain]
    other = "1.234,5" if decimal_comma else "1,234.5"  # not plain: the general parse
    shortcut, none = _amount(pl.col("a"), pl.Series("a", plain), decimal_comma)
    assert none is None
    general, reason = _amount(pl.col("a"), pl.Series("a", [*plain, other]), decimal_comma)
    assert reason is not None
    got = pl.DataFrame({"a": plain}).select(shortcut.alias("v"))["v"].to_list()
    assert got == [-123450, 9900, 5, -50, 700, 12345678901234599, None]
    frame = pl.DataFrame({"a": [*plain, other]})
    assert frame.select(general.alias("v"))["v"].to_list() == [*got, 123450]
    given = frame.select(reason.alias("r"), pl.col("a").is_not_null().alias("given"))
    assert given.filter("given")["r"].null_count() == len(plain)  # no reason for any amount
