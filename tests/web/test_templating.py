"""The pages' own filters: numbers as people read them."""

from __future__ import annotations

import pytest

from goodwill.web.templating import phone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+13304068639", "+1 330-406-8639"),
        ("+442071838750", "+44 20 7183 8750"),
        ("+1 555 0100", "+1 555 0100"),  # not a real number: left as it was written
        ("0301234", "0301234"),  # no country: left alone
        ("", ""),
        (None, ""),
    ],
)
def test_a_phone_number_reads_as_people_write_it(stored: str | None, shown: str) -> None:
    assert phone(stored) == shown
