"""Checking a file's rows column by column, as whole columns rather than a loop over rows.

Each documented column type becomes two Polars expressions: the parsed value and, where
the cell is unacceptable, the reason. Lookups that need Python (e-mail addresses, phone
numbers, accounts, members) run once per distinct value, never once per row.

Amounts are the costliest column to parse in general (signs, thousands separators, any
number of decimals, each with its own reason). A column whose every amount is plain
(``-1234.50``, ``99``) is recognised with one regular expression and read by dropping the
decimal point, about six times faster; any other column takes the general parse.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import phonenumbers
import polars as pl
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.countries import country_codes
from goodwill.models import Account, Member
from goodwill.transfer.columns import DEFAULT_PHONE_REGION, Column, KindSpec
from goodwill.transfer.csvfile import CsvTable
from goodwill.transfer.problems import PROBLEM_CAP, ImportFailed, Problem

# Export puts an apostrophe before text a spreadsheet would run as a formula; import
# takes exactly one such apostrophe off again, so export → import changes nothing.
NEUTRALIZED = r"^'+[=+\-@\t\r]"
FORMULA_START = r"^'*[=+\-@\t\r]"
# A record without an external id is written to files as ``gw:<its id>``.
OWN_ID = re.compile(r"^gw:(\d{1,18})$")
OWN_ID_PATTERN = r"^gw:(\d{1,18})$"
MAX_AMOUNT_DIGITS = 15  # whole units: far beyond any order, safely inside a 64-bit cent count


@dataclass(frozen=True)
class ReadRules:
    """How to read dates and amounts in this file."""

    date_format: str = "%Y-%m-%d"
    decimal_comma: bool = False


@dataclass
class Checked:
    """The file's rows as typed table values, ready to load."""

    frame: pl.DataFrame  # __row, the key columns, one column per given field, _own_id
    present: tuple[str, ...]  # the table columns the file gives (others are left alone)
    owners: dict[str, list[int]] | None = None  # accounts only: external id → member ids


def normalise_header(text: str) -> str:
    """A header as compared with the documented names: trimmed, lower case, ``_`` for space."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def resolve_header(table: CsvTable, spec: KindSpec, mapping: Mapping[str, str]) -> list[str | None]:
    """The documented column each header stands for; unknown, doubled or missing ones fail."""
    known = set(spec.names)
    wanted = {normalise_header(k): normalise_header(v) for k, v in mapping.items()}
    for theirs, ours in wanted.items():
        if ours not in known:
            raise ImportFailed(
                [
                    Problem(
                        table.name,
                        None,
                        None,
                        f"{theirs}={ours}",
                        f"--map names {ours!r}, which is not a column of {spec.kind} "
                        f"(columns: {', '.join(spec.names)})",
                    )
                ]
            )
    problems: list[Problem] = []
    names: list[str | None] = []
    seen: dict[str, str] = {}
    for header in table.header:
        key = normalise_header(header)
        ours = wanted.get(key, key)
        if ours not in known:
            problems.append(
                Problem(
                    table.name,
                    1,
                    header,
                    None,
                    f"unknown column for {spec.kind}; expected one of {', '.join(spec.names)} "
                    f"(or rename it with --map {header!r}=<column>)",
                )
            )
            names.append(None)
            continue
        if ours in seen:
            problems.append(Problem(table.name, 1, header, None, f"column {ours!r} is given twice"))
        seen[ours] = header
        names.append(ours)
    for column in spec.columns:
        if column.required and column.name not in seen:
            problems.append(
                Problem(
                    table.name,
                    1,
                    column.name,
                    None,
                    "required column is missing from the header",
                )
            )
    if problems:
        raise ImportFailed(problems)
    return names


def _email(text: str) -> tuple[str | None, str | None]:
    try:
        return validate_email(text, check_deliverability=False).normalized.lower(), None
    except EmailNotValidError as exc:
        return None, f"not an e-mail address: {exc}"


def _phone(text: str) -> tuple[str | None, str | None]:
    try:
        number = phonenumbers.parse(text, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        return None, f"not a phone number: {exc}"
    if not phonenumbers.is_possible_number(number):
        return None, "not a possible phone number"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def _country(text: str) -> tuple[str | None, str | None]:
    code = country_codes().get(text.casefold())
    if code is None:
        return None, "not a country name or ISO 3166 two-letter code"
    return code, None


def _lookup(
    raw: pl.Series, judge: Callable[[str], tuple[str | None, str | None]]
) -> tuple[pl.Expr, pl.Expr]:
    """Judge each distinct value once; the parsed value and reason as expressions."""
    values: dict[str, str | None] = {}
    reasons: dict[str, str | None] = {}
    for text in raw.drop_nulls().unique().to_list():
        values[text], reasons[text] = judge(text)
    col = pl.col(raw.name)
    return (
        col.replace_strict(values, default=None, return_dtype=pl.String),
        col.replace_strict(reasons, default=None, return_dtype=pl.String),
    )


def account_ids(session: Session) -> dict[str, int]:
    """Each account's id by the name files use for it: its external id, else ``gw:<id>``."""
    rows = session.execute(select(Account.id, Account.external_id))
    return {ext if ext is not None else f"gw:{id_}": id_ for id_, ext in rows}


def member_ids(session: Session) -> dict[str, int]:
    """Each member's id by e-mail address (lower case)."""
    return {email.lower(): id_ for id_, email in session.execute(select(Member.id, Member.email))}


def _amount(col: pl.Expr, raw: pl.Series, decimal_comma: bool) -> tuple[pl.Expr, pl.Expr | None]:
    point = "," if decimal_comma else "."
    # What ERPs mostly write (-1234.50, 99): one regular expression over the column shows
    # every amount is plain, and then dropping the point gives the cents. The general parse
    # below costs six times as much. [0-9], not \d: that is any Unicode digit.
    simple = rf"^-?[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(\{point}[0-9][0-9])?$"
    if raw.drop_nulls().str.contains(simple).all():
        digits = col.str.replace(point, "", literal=True).cast(pl.Int64)
        return digits * pl.when(col.str.contains(point, literal=True)).then(1).otherwise(100), None
    text = col
    if raw.str.contains(r"[\s\u00a0\u202f]").any():
        text = text.str.replace_all(r"[\s\u00a0\u202f]", "")
    if decimal_comma:
        shape = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d*)?$"
        thousands = "."
        hint = "not an amount (like 1.234,56 or -12,50)"
    else:
        shape = r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?$"
        thousands = ","
        hint = "not an amount (like 1234.56 or -12.50; for 1.234,56 use --decimal-comma)"
    # The shape is checked with one regular expression; the parts are then cut apart
    # with plain string functions, which are many times faster than capture groups.
    plain = text.str.strip_chars_start("+-")
    if raw.str.contains(thousands, literal=True).any():
        plain = plain.str.replace_all(thousands, "", literal=True)
    parts = plain.str.split_exact("," if decimal_comma else ".", 1)
    whole = pl.when(text.str.contains(shape)).then(parts.struct.field("field_0"))
    fraction = parts.struct.field("field_1").fill_null("")
    sign = pl.when(text.str.starts_with("-")).then(-1).otherwise(1)
    cents = (
        whole.cast(pl.Int64, strict=False) * 100
        + fraction.str.pad_end(2, "0").str.slice(0, 2).cast(pl.Int64, strict=False)
    ) * sign
    reason = (
        pl.when(whole.is_null())
        .then(pl.lit(hint))
        .when(fraction.str.slice(2).str.strip_chars_end("0") != "")
        .then(pl.lit("more than 2 decimal places (amounts are exact to the cent)"))
        .when(whole.str.strip_chars_start("0").str.len_chars() > MAX_AMOUNT_DIGITS)
        .then(pl.lit("too large for an amount"))
    )
    return cents, reason


def _moment(col: pl.Expr, date_format: str) -> pl.Expr:
    """A moment in ISO 8601 (an offset, or none for UTC), or in the file's date format."""
    text = col.str.replace(r"[Zz]$", "+00:00")
    formats = [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        f"{date_format} %H:%M:%S",
        f"{date_format} %H:%M",
    ]
    utc = pl.Datetime("us", "UTC")
    attempts = [text.str.strptime(utc, f, strict=False) for f in dict.fromkeys(formats)]
    day = text.str.strptime(pl.Date, date_format, strict=False).cast(pl.Datetime("us"))
    return pl.coalesce([*attempts, day.dt.replace_time_zone("UTC")])


def value_dtype(column_type: str) -> pl.DataType:
    """The Polars type a column's checked values have."""
    if column_type in ("amount", "integer", "account", "member"):
        return pl.Int64()
    if column_type == "date":
        return pl.Date()
    if column_type == "moment":
        return pl.Datetime("us", "UTC")
    return pl.String()


def _example(date_format: str) -> str:
    return date(2026, 3, 31).strftime(date_format)


@dataclass
class _Parsed:
    value: pl.Expr
    reason: pl.Expr | None


def _parse(
    column: Column,
    raw: pl.Series,
    rules: ReadRules,
    accounts: Mapping[str, int],
    members: Mapping[str, int],
) -> _Parsed:
    col = pl.col(raw.name)
    kind = column.type
    if kind == "text":
        reason: pl.Expr | None = None
        if column.max_length is not None:
            reason = pl.when(col.str.len_chars() > column.max_length).then(
                pl.lit(f"longer than {column.max_length} characters")
            )
        return _Parsed(col, reason)
    if kind == "date":
        value = col.str.strptime(pl.Date, rules.date_format, strict=False)
        why = f"not a date in the format {rules.date_format} (like {_example(rules.date_format)})"
        return _Parsed(value, pl.when(value.is_null()).then(pl.lit(why)))
    if kind == "moment":
        value = _moment(col, rules.date_format)
        why = "not a moment (like 2026-03-31T14:30:00+02:00, or 2026-03-31 14:30 for UTC)"
        return _Parsed(value, pl.when(value.is_null()).then(pl.lit(why)))
    if kind == "amount":
        cents, reason = _amount(col, raw, rules.decimal_comma)
        return _Parsed(cents, reason)
    if kind == "integer":
        value = col.cast(pl.Int64, strict=False)
        ok = value.is_not_null()
        low, high = column.low, column.high
        reason = pl.when(~ok).then(pl.lit("not a whole number"))
        if low is not None and high is not None:
            reason = (
                pl.when(~ok)
                .then(pl.lit("not a whole number"))
                .when((value < low) | (value > high))
                .then(pl.lit(f"outside {low}..{high}"))
            )
        return _Parsed(value, reason)
    if kind == "enum":
        value = col.str.to_lowercase().str.replace_all(r"[\s-]+", "_")
        why = f"not one of {', '.join(column.choices)}"
        return _Parsed(value, pl.when(~value.is_in(list(column.choices))).then(pl.lit(why)))
    if kind in ("email", "phone", "country"):
        judge = {"email": _email, "phone": _phone, "country": _country}[kind]
        value, reason_ = _lookup(raw, judge)
        return _Parsed(value, reason_)
    if kind == "account":
        value = col.replace_strict(dict(accounts), default=None, return_dtype=pl.Int64)
        why = "no account has this external id (import the accounts first)"
        return _Parsed(value, pl.when(value.is_null()).then(pl.lit(why)))
    if kind == "member":
        value = col.str.to_lowercase().replace_strict(
            dict(members), default=None, return_dtype=pl.Int64
        )
        why = "no team member has this e-mail address"
        return _Parsed(value, pl.when(value.is_null()).then(pl.lit(why)))
    raise AssertionError(f"no reader for column type {kind}")


def _owners(
    table: CsvTable, frame: pl.DataFrame, members: Mapping[str, int]
) -> tuple[dict[str, list[int]], list[Problem]]:
    """Accounts' owners: e-mail addresses separated by spaces, commas or semicolons."""
    owners: dict[str, list[int]] = {}
    problems: list[Problem] = []
    rows = frame.select("__row", "external_id", "owners").iter_rows()
    for row, external_id, text in rows:
        ids: list[int] = []
        for email in re.split(r"[\s,;]+", text or ""):
            if not email:
                continue
            found = members.get(email.lower())
            if found is None:
                problems.append(
                    Problem(
                        table.name,
                        table.line_of(row),
                        "owners",
                        email,
                        "no team member has this e-mail address",
                    )
                )
            elif found not in ids:
                ids.append(found)
        if external_id is not None:
            owners[external_id] = sorted(ids)
    return owners, problems


def _identity(spec: KindSpec, frame: pl.DataFrame) -> pl.Expr:
    """The text a derived key is made from, built from typed values (so format-blind)."""
    parts: list[pl.Expr] = []
    for name in spec.identity:
        column = spec.column(name)
        col = pl.col(column.target)
        if column.type == "date":
            parts.append(col.dt.to_string("%Y-%m-%d"))
        elif column.type == "moment":
            parts.append(col.dt.to_string("%Y-%m-%dT%H:%M:%S%.6f"))
        elif column.target in frame.columns:
            parts.append(col.cast(pl.String).str.to_lowercase())
        else:
            parts.append(pl.lit(None, pl.String))
    if spec.identity_first:
        return pl.coalesce(parts).fill_null("")
    return pl.concat_str([p.fill_null("") for p in parts], separator="\x1f")


def derive_keys(spec: KindSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """Fill blank external ids with a key made from the row's content (docs/import.md)."""
    blank = frame["external_id"].is_null()
    if not blank.any():
        return frame
    group = ["account_id", "__identity"] if spec.account_scoped else ["__identity"]
    rows = frame.filter(blank).with_columns(_identity(spec, frame).alias("__identity"))
    if spec.repeats:
        rows = rows.with_columns(pl.int_range(pl.len()).over(group).alias("__nth"))
    else:
        rows = rows.with_columns(pl.lit(0).alias("__nth"))
    keys = []
    for identity, nth in rows.select("__identity", "__nth").iter_rows():
        digest = hashlib.sha256(f"{spec.kind}\x1f{identity}".encode()).hexdigest()[:24]
        keys.append(f"auto:{digest}" + (f"-{nth + 1}" if nth else ""))
    derived = rows.select("__row", pl.Series("__key", keys, pl.String))
    return (
        frame.join(derived, on="__row", how="left", maintain_order="left")
        .with_columns(pl.coalesce("external_id", "__key").alias("external_id"))
        .drop("__key")
    )


def _duplicates(table: CsvTable, spec: KindSpec, frame: pl.DataFrame) -> list[Problem]:
    key = list(spec.key)
    marked = frame.with_columns(pl.col("__row").min().over(key).alias("__first"))
    later = marked.filter(pl.col("__row") != pl.col("__first"))
    problems = []
    for row, first, external_id in later.select("__row", "__first", "external_id").iter_rows():
        auto = external_id.startswith("auto:")
        what = (
            f"the same {spec.kind[:-1]} (no external_id, same {', '.join(spec.identity)})"
            if auto
            else f"external_id {external_id!r}"
        )
        problems.append(
            Problem(
                table.name,
                table.line_of(row),
                "external_id",
                None if auto else external_id,
                f"duplicate: {what} is also on line {table.line_of(first)}"
                + (" for the same account" if spec.account_scoped else ""),
            )
        )
    return problems


def check_rows(
    session: Session,
    table: CsvTable,
    spec: KindSpec,
    names: Sequence[str | None],
    rules: ReadRules,
) -> Checked:
    """Parse and check every cell; all problems (up to the cap) fail the file together."""
    given = [n for n in names if n is not None]
    frame = table.frame.select(
        "__row",
        *[pl.col(f"c{i}").alias(name) for i, name in enumerate(names) if name is not None],
    )
    # Blank cells are empty; surrounding spaces go; one apostrophe that neutralized a
    # formula comes off. Each costs a pass, so only over columns that need it.
    cleaned: list[pl.Expr] = []
    for n in given:
        col = pl.col(n)
        if frame.select(col.str.starts_with(" ").any() | col.str.ends_with(" ").any()).item():
            col = col.str.strip_chars(" ")
        if frame.select(pl.col(n).str.starts_with("'").any()).item():
            col = pl.when(col.str.contains(NEUTRALIZED)).then(col.str.slice(1)).otherwise(col)
        cleaned.append(pl.when(col.str.strip_chars() == "").then(None).otherwise(col).alias(n))
    frame = frame.with_columns(cleaned)
    needs_accounts = any(spec.column(n).type == "account" for n in given)
    needs_members = any(spec.column(n).type in ("member", "members") for n in given)
    accounts = account_ids(session) if needs_accounts else {}
    members = member_ids(session) if needs_members else {}

    values: list[pl.Expr] = []
    reasons: list[tuple[str, pl.Expr]] = []
    for name in given:
        column = spec.column(name)
        raw = frame[name]
        if column.type == "members":
            continue
        missing = pl.col(name).is_null()
        if name == "external_id":
            parsed = _Parsed(pl.col(name), None)
            if column.max_length is not None:
                parsed.reason = pl.when(pl.col(name).str.len_chars() > column.max_length).then(
                    pl.lit(f"longer than {column.max_length} characters")
                )
        else:
            if raw.null_count() == len(raw):
                parsed = _Parsed(pl.lit(None), None)
            else:
                parsed = _parse(column, raw, rules, accounts, members)
        value = pl.when(missing).then(None).otherwise(parsed.value)
        if column.default is not None:
            value = value.fill_null(pl.lit(column.default))
        values.append(value.alias(f"v:{column.target}"))
        reason = parsed.reason if parsed.reason is not None else pl.lit(None, pl.String)
        if column.required:
            reason = (
                pl.when(missing)
                .then(pl.lit("required; the cell is empty"))
                .otherwise(pl.when(~missing).then(reason))
            )
        else:
            reason = pl.when(~missing).then(reason)
        reasons.append((name, reason.alias(f"w:{name}")))

    judged = frame.with_columns(*values, *(r for _, r in reasons))
    problems: list[Problem] = []
    total = 0
    for name, _ in reasons:
        bad = judged.filter(pl.col(f"w:{name}").is_not_null())
        total += bad.height
        for row, value, reason in bad.head(PROBLEM_CAP).select("__row", name, f"w:{name}").rows():
            problems.append(Problem(table.name, table.line_of(row), name, value, reason))

    owners: dict[str, list[int]] | None = None
    if "owners" in given:
        owners, owner_problems = _owners(table, frame, members)
        problems.extend(owner_problems)
        total += len(owner_problems)
    if problems:
        raise ImportFailed(problems, total)

    typed = judged.select(
        "__row",
        *[pl.col(c).alias(c[2:]) for c in judged.columns if c.startswith("v:")],
    )
    # Columns the file does not give: defaults for new rows, untouched on existing ones.
    present = tuple(c for c in typed.columns if c != "__row")
    for column in spec.columns:
        if column.type == "members" or column.target in typed.columns:
            continue
        typed = typed.with_columns(
            pl.lit(column.default, value_dtype(column.type)).alias(column.target)
        )
    typed = derive_keys(spec, typed)
    duplicates = _duplicates(table, spec, typed)
    if duplicates:
        raise ImportFailed(duplicates)
    own_id = pl.lit(None, pl.Int64)
    if typed.select(pl.col("external_id").str.starts_with("gw:").any()).item():
        own_id = pl.col("external_id").str.extract(OWN_ID_PATTERN, 1).cast(pl.Int64, strict=False)
    typed = typed.with_columns(own_id.alias("_own_id"))
    return Checked(typed, present, owners)
