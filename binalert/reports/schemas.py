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
    place: str | None = None  # sent by the map: its place and radius or route (#23)
    # SMS (#22), to the BIN's members: parts submitted (each is paid for), and outcomes
    acknowledged_by_sms: int = 0  # of `acknowledged`: by an SMS reply
    sms: int = 0
    sms_parts: int = 0
    sms_delivered: int = 0
    sms_failed: int = 0  # undeliverable, expired, rejected, failed
    sms_no_receipt: int = 0  # sent, and no receipt came (or unconfirmed): never "delivered"


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
    sms_parts: int = 0  # SMS parts of the listed alerts to the BIN's members (#22)
