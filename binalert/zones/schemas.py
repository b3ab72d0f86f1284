"""A police zone's settings and a BIN's calling hours, as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

HourMinute = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class ZoneSettings(BaseModel):
    name: str
    dispatch_number: str | None = Field(
        description="the zone's dispatch line (E.164): members may press 3 to be put through"
    )
    approval_required: bool = Field(
        description="coordinators' messages wait for a police officer's approval"
    )
    press3_on_messages: bool = Field(
        description="press 3 (put through to the dispatch line) is offered on non-urgent "
        "messages and follow-ups too; off: on urgent alerts only"
    )
    updated_at: datetime | None


class ZonePatch(BaseModel):
    """Only the fields given change; `"dispatch_number": null` removes the line."""

    model_config = ConfigDict(extra="forbid")

    dispatch_number: str | None = Field(
        default=None, max_length=32, description="any usual notation; stored as E.164"
    )
    approval_required: bool | None = None
    press3_on_messages: StrictBool | None = None


class BinCallingHours(BaseModel):
    """When a BIN's non-urgent messages may ring, in Europe/Brussels time (urgent alerts ring
    at any hour)."""

    model_config = ConfigDict(from_attributes=True)

    bin_id: int
    calling_start: str
    calling_end: str
    call_on_sundays: bool
    call_on_holidays: bool


class BinCallingHoursPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    calling_start: HourMinute | None = Field(default=None, description='"HH:MM", e.g. "09:00"')
    calling_end: HourMinute | None = Field(default=None, description='"HH:MM", e.g. "20:00"')
    call_on_sundays: bool | None = None
    call_on_holidays: bool | None = Field(
        default=None, description="call on Belgian public holidays too"
    )
