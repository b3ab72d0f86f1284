"""Text fields people type: trimmed, bounded, without control characters."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def reject_control(value: str) -> str:
    """Refuse control characters (newlines included): they have no place in a spoken alert."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise ValueError(f"control or invisible character U+{ord(char):04X} is not allowed")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(reject_control),
    AfterValidator(_not_blank),
]
ShortText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(reject_control),
    AfterValidator(_not_blank),
]
MessageText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000),
    AfterValidator(reject_control),
    AfterValidator(_not_blank),
]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value for a CSV file people open in a spreadsheet: a cell that would start a formula
    (=, +, -, @, tab, CR) gets a leading apostrophe, which spreadsheets show as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def from_csv_cell(text: str) -> str:
    """The value csv_cell() neutralised, as it was (an exported file imports again)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text
