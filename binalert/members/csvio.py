"""Member lists as CSV: every row validated before anything is imported; export the same columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from pydantic import ValidationError

from binalert.errors import Invalid
from binalert.members.schemas import MemberCreate, RowError
from binalert.models import Member
from binalert.text import csv_cell, from_csv_cell

COLUMNS = (
    "name",
    "phone",
    "second_phone",
    "language",
    "active",
    "opt_in_at",
    "urgent_channels",  # call, sms, both; empty: the BIN's default (#22)
    "message_channels",
)
REQUIRED = ("name", "phone")
MAX_BYTES = 2_000_000
MAX_ROWS = 20_000


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise Invalid(f"the CSV file is larger than {MAX_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid("the CSV file must be UTF-8 encoded") from error


def _reader(text: str) -> csv.DictReader[str]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        raise Invalid(
            f"CSV header must have {', '.join(REQUIRED)} (optional: "
            f"{', '.join(COLUMNS[2:])}); missing {missing}, unknown {unknown}"
        )
    reader.fieldnames = header
    return reader


def _row_values(row: dict[str | None, object]) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, value in row.items():
        if key is None or value is None:
            continue
        text = from_csv_cell(str(value).strip())
        if text:
            values[key] = text
    return values


def _errors(row_number: int, error: ValidationError) -> list[RowError]:
    out = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "row"
        message = str(item["msg"]).removeprefix("Value error, ")
        out.append(RowError(row=row_number, field=field, message=message))
    return out


def parse(data: bytes, known_phones: set[str]) -> list[MemberCreate]:
    """All rows as members, or Invalid listing every bad row (row 2 is the first data row)."""
    try:
        return _parse(data, known_phones)
    except csv.Error as error:
        raise Invalid(f"the file is not valid CSV: {error}") from error


def _parse(data: bytes, known_phones: set[str]) -> list[MemberCreate]:
    reader = _reader(_text(data))
    members: list[MemberCreate] = []
    errors: list[RowError] = []
    seen = set(known_phones)
    for row_number, row in enumerate(reader, start=2):
        if row_number - 1 > MAX_ROWS:
            raise Invalid(f"at most {MAX_ROWS} rows per import")
        if None in row:
            errors.append(RowError(row=row_number, field="row", message="too many columns"))
            continue
        try:
            member = MemberCreate.model_validate(_row_values(row))  # type: ignore[arg-type]
        except ValidationError as error:
            errors.extend(_errors(row_number, error))
            continue
        if member.phone in seen:
            errors.append(
                RowError(row=row_number, field="phone", message="this phone is already a member")
            )
            continue
        seen.add(member.phone)
        members.append(member)
    if errors:
        raise Invalid(
            f"{len({e.row for e in errors})} row(s) have errors; nothing was imported",
            [e.model_dump() for e in errors],
        )
    if not members:
        raise Invalid("the CSV file has no member rows")
    return members


def export(members: Iterable[Member]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for m in members:
        row = [
            m.name,
            m.phone,
            m.second_phone or "",
            m.language,
            "true" if m.active else "false",
            m.opt_in_at.isoformat(),
            m.urgent_channels or "",
            m.message_channels or "",
        ]
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()
