"""Alerts and deliveries as the API takes and shows them.

Messages and follow-ups (non-urgent alerts) as the API takes and shows them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from binalert.alerts.prevention import FeedbackKind, PreventionFields
from binalert.alerts.templates import TemplateFields
from binalert.bins.schemas import Place, Route, TargetsIn
from binalert.ids import Id
from binalert.models import Audience, Language
from binalert.text import MessageText, ShortText

BinId = Id  # strict: `"bin_ids": [true]` is refused, not BIN 1


class AlertCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bin_ids: list[BinId] = Field(
        default=[], max_length=100, description="BINs to call; with a place or route, besides it"
    )
    place: Place | None = Field(
        default=None, description="call the BINs whose area lies within radius_m of the place"
    )
    route: Route | None = Field(
        default=None, description="call the BINs whose area meets the corridor along the line"
    )
    exclude_bin_ids: list[BinId] = Field(
        default=[],
        max_length=1100,
        description="BINs the place or route reaches that are not to be called",
    )
    incident_ref: ShortText
    urgent: bool = True
    valid_minutes: int = Field(default=60, ge=1, le=24 * 60)
    messages: dict[Language, MessageText] | None = Field(
        default=None, description="Text per language; the first is used for other members."
    )
    template: TemplateFields | None = None
    languages: list[Language] | None = Field(
        default=None,
        min_length=1,
        max_length=4,
        description="With a template: which languages to produce, first = fallback "
        "(default nl, fr, de, en).",
    )
    sms_texts: dict[Language, MessageText] | None = Field(
        default=None,
        description="The SMS text per language, in place of the message (required for a "
        "recorded message when the alert texts members): binalert adds who sends it, 101, "
        "112 and 'answer 1'.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> AlertCreate:
        if (self.messages is None) == (self.template is None):
            raise ValueError("give either messages or a template, not both or neither")
        if self.messages is not None and not self.messages:
            raise ValueError("messages needs at least one language")
        if self.languages is not None and self.template is None:
            raise ValueError("languages only applies to a template")
        if self.languages is not None and len(set(self.languages)) != len(self.languages):
            raise ValueError("languages must not repeat")
        if len(set(self.bin_ids)) != len(self.bin_ids):
            raise ValueError("bin_ids must not repeat")
        if not self.bin_ids and self.place is None and self.route is None:
            raise ValueError("give bin_ids, a place or a route")
        if self.exclude_bin_ids and self.place is None and self.route is None:
            raise ValueError("exclude_bin_ids only applies to a place or route")
        return self

    def targeting(self) -> TargetsIn | None:
        """The place and route, when the alert goes by the map."""
        if self.place is None and self.route is None:
            return None
        return TargetsIn(place=self.place, route=self.route)


class Estimate(BaseModel):
    calls_per_second: float
    average_call_seconds: float
    untried: int
    all_tried_by: datetime | None
    finished_by: datetime | None


class SmsStatsOut(BaseModel):
    """The alert's SMS (#22), as the police may count them: `sms_by_status` never counts a
    sent SMS as delivered (a receipt says so, or it stays sent, then no_receipt)."""

    by_status: dict[str, int] = {}
    parts: int = 0  # parts submitted to the SMSC (each is paid for)
    acknowledged: int = 0  # deliveries acknowledged by an SMS reply (also in `acknowledged`)
    texted_only: int = 0  # deliveries the dialers never call: the member is only texted


class AlertStatsOut(BaseModel):
    deliveries: int
    by_status: dict[str, int]
    by_outcome: dict[str, int]
    acknowledged: int  # a 1 or a 3 on binalert's own call: never a caller ID's claim
    acknowledgement_rate: float
    seconds_to_first_ack: float | None
    estimate: Estimate
    # Not acknowledged, but a 1 was pressed on a call back (recognised by caller ID only,
    # which anyone can send): the member is being called to confirm.
    heard_on_call_back: int = 0
    sms: SmsStatsOut = SmsStatsOut()


class AlertOut(BaseModel):
    id: int
    status: str
    created_at: datetime
    created_by: str
    incident_ref: str
    bin_ids: list[int]
    messages: dict[str, str]
    recordings: dict[str, str] | None = Field(
        default=None,
        description="language -> sound key of the police's own recording, played in place of "
        "that language's text (POST /api/v1/alerts/recorded)",
    )
    sms_texts: dict[str, str] | None = Field(
        default=None,
        description="language -> the SMS text as members read it (#22), where it texts anyone",
    )
    template: str | None
    urgent: bool
    valid_until: datetime
    completed_at: datetime | None
    # Messages and follow-ups (binalert.alerts.messages):
    parent_id: int | None = Field(default=None, description="the alert this one follows up")
    audience: str = Field(default="all", description="a follow-up: all | acknowledged")
    calls_from: datetime | None = Field(
        default=None, description="a non-urgent message: when its first calls may go out"
    )
    decided_by: str | None = Field(default=None, description="who approved or rejected it")
    decided_at: datetime | None = None
    place: dict[str, Any] | None = Field(
        default=None, description="sent by the map: {lat, lon, radius_m}"
    )
    route: dict[str, Any] | None = Field(
        default=None, description="sent by the map: {line (GeoJSON LineString), width_m}"
    )


class AlertDetail(AlertOut):
    stats: AlertStatsOut


class SmsPreviewOut(BaseModel):
    """One language's SMS as it will go (#22)."""

    language: str
    text: str
    encoding: str  # gsm7 | ucs2
    parts: int
    refused: str | None = None  # why not: more parts than BINALERT_SMS_MAX_PARTS


class AlertDraft(BaseModel):
    """What an alert would be, before it is sent: its texts and who would hear which."""

    messages: dict[str, str]
    member_languages: dict[str, int]
    missing_languages: list[str]
    fallback: str
    sms: list[SmsPreviewOut] = []
    sms_members: int = 0  # members it may text (their channels, or the BIN's SMS fallback)


class CancelResult(BaseModel):
    alert: AlertDetail
    cancelled_deliveries: int


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int | None
    status: str
    urgent: bool
    attempts: int
    last_outcome: str | None
    language: str
    acknowledged_at: datetime | None
    next_attempt_at: datetime | None
    transferred_at: datetime | None = None  # pressed 3: put through to the police (#14)
    heard_on_call_back_at: datetime | None = None  # a 1 on a call back: unverified
    # The channels (#22): called (`call`), texted (`sms_status` of its newest SMS: queued,
    # sent, delivered, undeliverable, expired, no_receipt, ...; None: not texted)
    call: bool = True
    sms_status: str | None = None
    sms_parts: int | None = None
    sms_kind: str | None = None  # alert | fallback (after the calls did not reach them)
    acknowledged_by: str | None = None  # call | sms, once acknowledged


def _check_sources(
    messages: dict[Language, str] | None, template: object, languages: list[Language] | None
) -> None:
    if (messages is None) == (template is None):
        raise ValueError("give either messages or a template, not both or neither")
    if messages is not None and not messages:
        raise ValueError("messages needs at least one language")
    if languages is not None and template is None:
        raise ValueError("languages only applies to a template")
    if languages is not None and len(set(languages)) != len(languages):
        raise ValueError("languages must not repeat")


class MessageCreate(BaseModel):
    """A non-urgent message: called within each BIN's calling hours."""

    model_config = ConfigDict(extra="forbid")

    bin_ids: list[BinId] = Field(min_length=1, max_length=100)
    subject: ShortText = Field(description="what the message is about (shown in lists)")
    messages: dict[Language, MessageText] | None = Field(
        default=None, description="Text per language; the first is used for other members."
    )
    template: PreventionFields | None = None
    languages: list[Language] | None = Field(
        default=None,
        min_length=1,
        max_length=4,
        description="With a template: which languages to produce, first = fallback "
        "(default nl, fr, de, en).",
    )
    valid_days: int = Field(
        default=3, ge=1, le=14, description="days the calls may go on, from the first call"
    )

    @model_validator(mode="after")
    def _one_source(self) -> MessageCreate:
        _check_sources(self.messages, self.template, self.languages)
        if len(set(self.bin_ids)) != len(self.bin_ids):
            raise ValueError("bin_ids must not repeat")
        return self


class FeedbackCreate(BaseModel):
    """A follow-up on an alert, to the same members (all, or those who acknowledged)."""

    model_config = ConfigDict(extra="forbid")

    audience: Audience = Audience.ALL
    template: FeedbackKind | None = Field(
        default=None, description="arrest_made, all_clear or thanks, in every language"
    )
    messages: dict[Language, MessageText] | None = None
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=4)
    at_once: bool = Field(
        default=False,
        description="call now, at any hour, as urgently as an alert; by default the calls "
        "keep the BINs' calling hours (an all clear at 3 a.m. waits for the morning)",
    )
    valid_hours: int = Field(default=48, ge=1, le=14 * 24)

    @model_validator(mode="after")
    def _one_source(self) -> FeedbackCreate:
        _check_sources(self.messages, self.template, self.languages)
        return self


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ShortText | None = None


class ZonePart(BaseModel):
    """One zone's part of a coordinator's message where that zone requires approval."""

    police_zone: str
    status: str = Field(description="awaiting_approval, active (approved) or rejected")
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


class MessageDetail(AlertDetail):
    """An alert, message or follow-up with when its calls start, in words and Brussels time."""

    calls_start: str | None = Field(
        default=None, description='"calls start Tuesday 1 December at 09:00" (Brussels time)'
    )
    calls_from_local: datetime | None = Field(
        default=None, description="calls_from in Europe/Brussels time"
    )
    decision_note: str | None = None
    approvals: list[ZonePart] = Field(
        default_factory=list,
        description="the parts awaiting or given approval, of the zones in the caller's scope",
    )


class FollowUps(BaseModel):
    """The alert an alert follows up (if any) and its follow-ups."""

    parent: AlertOut | None
    follow_ups: list[AlertOut]
