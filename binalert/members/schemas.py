"""Members as the API takes and shows them. Phones in any Belgian notation, stored E.164."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, StringConstraints

from binalert.models import Channels, Language
from binalert.phones import parse_phone
from binalert.text import Name, reject_control


def _phone(value: str) -> str:
    return parse_phone(value).e164


PhoneText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32),
    AfterValidator(reject_control),
    AfterValidator(_phone),
]


def _plausible_opt_in(value: datetime) -> datetime:
    """A consent date as UTC, between 1990 and 2100 (a year 1 or 9999 date with an offset
    cannot even be converted to UTC)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("opt_in_at is out of range") from error
    if not 1990 <= utc.year <= 2100:
        raise ValueError("opt_in_at must be a date between 1990 and 2100")
    return utc


OptInAt = Annotated[AwareDatetime, AfterValidator(_plausible_opt_in)]


class MemberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    phone: PhoneText
    second_phone: PhoneText | None = None
    language: Language = Language.NL
    active: bool = True
    opt_in_at: OptInAt | None = None
    # How they want urgent alerts and non-urgent messages (#22); None: their BIN's default
    urgent_channels: Channels | None = None
    message_channels: Channels | None = None


class MemberPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    phone: PhoneText | None = None
    second_phone: PhoneText | None = None
    language: Language | None = None
    active: bool | None = None
    urgent_channels: Channels | None = None  # null: back to the BIN's default
    message_channels: Channels | None = None


class MemberOut(BaseModel):
    id: int
    name: str
    phone: str
    phone_kind: str
    second_phone: str | None
    language: Language
    active: bool
    opt_in_at: datetime
    bin_ids: list[int]
    urgent_channels: Channels | None = None  # None: the BIN's default
    message_channels: Channels | None = None
    sms_stopped_at: datetime | None = None  # replied STOP: never texted until they say so


class RowError(BaseModel):
    row: int
    field: str
    message: str


class ImportResult(BaseModel):
    imported: int
    member_ids: list[int]
