"""A BIN's acknowledgement report as the pages and CSV exports show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AlertRow(BaseModel):
    alert_id: int
    created_at: datetime
    incident_ref: str
    status: str
    deliveries: int
    acknowledged: int
    unreachable: int
    acknowledgement_rate: float
    median_seconds_to_ack: float | None
    urgent: bool = True
    parent_id: int | None = None  # a follow-up: the alert it follows (listed right after it)
    heard_on_call_back: int = 0  # not acknowledged; a 1 on a call back (caller ID: unverified)


class LanguageRow(BaseModel):
    language: str
    deliveries: int
    acknowledged: int
    acknowledgement_rate: float


class FollowUpRow(BaseModel):
    """A member who was unreachable or never acknowledged in the last alerts."""

    member_id: int
    name: str
    phone: str
    language: str
    missed: int
    last_status: str
    last_outcome: str | None
    last_alert_id: int


class BinReport(BaseModel):
    bin_id: int
    bin_name: str
    alerts: list[AlertRow]
    languages: list[LanguageRow]
    follow_up: list[FollowUpRow]
    median_seconds_to_ack: float | None
