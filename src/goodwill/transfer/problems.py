"""What is wrong with a file: each problem names the file, line, column, value and reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from goodwill.errors import Invalid

# An import lists at most this many problems; the total is always given.
PROBLEM_CAP = 50


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    reason: str

    def where(self) -> str:
        """The file, line and column: "orders.csv, line 3, column 'amount'"."""
        where = self.file + (f", line {self.line}" if self.line is not None else "")
        if self.column is not None:
            where += f", column {self.column!r}"
        return where

    def __str__(self) -> str:
        value = f": value {self.value!r}" if self.value is not None else ""
        return f"{self.where()}{value}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        """The problem as JSON-ready fields."""
        return asdict(self)


class ImportFailed(Invalid):
    """The file was not imported; ``problems`` lists why (up to the cap), ``total`` counts all."""

    def __init__(
        self, problems: Sequence[Problem], total: int | None = None, note: str | None = None
    ) -> None:
        ordered = sorted(problems, key=lambda p: (p.line or 0, p.column or "", p.reason))
        self.problems = ordered[:PROBLEM_CAP]
        self.total = total if total is not None else len(problems)
        first = str(self.problems[0]) if self.problems else "the file cannot be imported"
        more = self.total - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        super().__init__(first + suffix + (f"; {note}" if note else ""))
