"""Reading a CSV file: decode it, find its delimiter, check its shape, load it as text.

The whole file goes to Polars with every column as text (no type guessing); the values
are checked afterwards, column by column. Physical line numbers, which differ from row
numbers once a quoted field holds a line break, are worked out only when an error needs one.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from goodwill.transfer.problems import ImportFailed, Problem

DELIMITERS = (",", ";", "\t", "|")
BOM = b"\xef\xbb\xbf"


@dataclass
class CsvTable:
    """A CSV file read whole: its header as written, its rows as text, and where each row is."""

    name: str
    sha256: str
    header: list[str]
    frame: pl.DataFrame
    text: str
    delimiter: str
    quoted: bool
    _starts: list[int] | None = field(default=None, repr=False)

    def line_of(self, row: int) -> int:
        """The physical line (1-based) on which data row ``row`` (0-based) starts."""
        if not self.quoted:
            return row + 2
        if self._starts is None:
            self._starts = record_lines(self.text, self.delimiter)[1:]
        return self._starts[row] if row < len(self._starts) else row + 2


def record_lines(text: str, delimiter: str) -> list[int]:
    """The line each record of the text starts on (the header is record 0)."""
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    for _record in reader:
        starts.append(previous_end + 1)
        previous_end = reader.line_num
    return starts


def decode(data: bytes, encoding: str, name: str) -> str:
    """The file's text; a byte that is not valid in the encoding is an error naming its line."""
    try:
        return data.decode(encoding)
    except LookupError as exc:
        raise ImportFailed(
            [Problem(name, None, None, encoding, "unknown encoding (see --encoding)")]
        ) from exc
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        reason = (
            f"byte 0x{byte} at character {column} is not valid {encoding}; "
            "give the file's encoding with --encoding (e.g. --encoding cp1252)"
        )
        raise ImportFailed([Problem(name, line, None, None, reason)]) from exc


def detect_delimiter(first_line: str) -> str:
    """The candidate delimiter that occurs most often in the header line (comma on a tie)."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, one at a time."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _ragged_rows_unquoted(data: bytes, delimiter: str, width: int) -> list[tuple[int, int]]:
    """(data row, fields) of rows whose field count is wrong, for a file without quotes."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n"))
    if len(raw) and raw[-1] != ord("\n"):
        ends = np.append(ends, len(raw))
    starts = np.concatenate(([0], ends[:-1] + 1))
    delimiters = np.flatnonzero(raw == ord(delimiter))
    per_line = np.diff(np.searchsorted(delimiters, np.concatenate(([0], ends))))
    lengths = ends - starts
    carriage = (lengths > 0) & (raw[np.maximum(ends - 1, 0)] == ord("\r"))
    blank = (lengths - carriage) == 0
    bad = np.flatnonzero((per_line + 1 != width) & ~blank)
    # Line 1 is the header: data row r is on line r + 2.
    return [(int(i) - 1, int(per_line[i]) + 1) for i in bad if i > 0]


def _unreadable(name: str, line: int, exc: csv.Error) -> ImportFailed:
    """The csv module's complaint (a lone carriage return, a stray quote...) as a problem."""
    reason = str(exc).split(" - ")[0]  # drop its advice on opening files in Python
    return ImportFailed([Problem(name, line, None, None, f"not readable as CSV: {reason}")])


def _ragged_rows_quoted(text: str, delimiter: str, width: int, name: str) -> list[tuple[int, int]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    bad = []
    try:
        for index, record in enumerate(reader):
            if index and record and len(record) != width:
                bad.append((index - 1, len(record)))
    except csv.Error as exc:
        raise _unreadable(name, reader.line_num, exc) from None
    return bad


def read_csv(
    path: Path,
    *,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    rename: Sequence[str] | None = None,
) -> CsvTable:
    """Read a whole CSV file as text columns, refusing bad bytes, empty files and ragged rows."""
    name = path.name
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    if data.startswith(BOM):
        data = data[len(BOM) :]
    text = decode(data, encoding, name)
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf8", "utf-8-sig", "ascii"):
        data = text.encode("utf-8")
    text = text.removeprefix("\ufeff")
    if not text or text.isspace():  # not strip(): that copies the whole text
        raise ImportFailed([Problem(name, 1, None, None, "the file is empty")])
    # Slices and a lazy line iterator, not split() or StringIO: those copy the whole text.
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    delimiter = delimiter or detect_delimiter(first_line)
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    if len(delimiter) != 1:
        raise ImportFailed([Problem(name, None, None, delimiter, "a delimiter is one character")])
    try:
        header = next(csv.reader(_lines(text), delimiter=delimiter))
    except csv.Error as exc:
        raise _unreadable(name, 1, exc) from None
    quoted = '"' in text
    width = len(header)
    ragged = (
        _ragged_rows_quoted(text, delimiter, width, name)
        if quoted
        else _ragged_rows_unquoted(data, delimiter, width)
    )
    table = CsvTable(name, sha256, header, pl.DataFrame(), text, delimiter, quoted)
    if ragged:
        problems = [
            Problem(
                name,
                table.line_of(row),
                None,
                None,
                f"{fields} fields where the header has {width}",
            )
            for row, fields in ragged
        ]
        raise ImportFailed(problems)
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            has_header=True,
            separator=delimiter,
            infer_schema=False,
            empty_string_is_null=False,
            new_columns=list(rename) if rename is not None else [f"c{i}" for i in range(width)],
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise ImportFailed(
            [Problem(name, None, None, None, f"not readable as CSV: {exc}")]
        ) from exc
    # A blank line, or a line of delimiters only (spreadsheets write those), is not a row:
    # drop rows whose every field is empty. Only a row with an empty first field can be one.
    first = frame.columns[0] if frame.width else None
    maybe_blank = first is not None and bool(
        frame.select((pl.col(first).fill_null("").str.strip_chars() == "").any()).item()
    )
    if frame.height and maybe_blank:
        frame = frame.with_row_index("__row")
        blank = pl.all_horizontal(pl.exclude("__row").fill_null("").str.strip_chars() == "")
        if frame.select(blank.any()).item():
            frame = frame.filter(~blank)
    else:
        frame = frame.with_row_index("__row")
    table.frame = frame
    if frame.height == 0:
        raise ImportFailed([Problem(name, 1, None, None, "the file has a header but no rows")])
    return table
