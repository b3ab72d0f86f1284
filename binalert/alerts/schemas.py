"""Alerts and deliveries as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from binalert.alerts.templates import TemplateFields
from binalert.ids import Id
from binalert.models import Language
from binalert.text import MessageText, ShortText

BinId = Id  # strict: `"bin_ids": [true]` is refused, not BIN 1


class AlertCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bin_ids: list[BinId] = Field(min_length=1, max_length=100)
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
        return self


class Estimate(BaseModel):
    calls_per_second: float
    average_call_seconds: float
    untried: int
    all_tried_by: datetime | None
    finished_by: datetime | None


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
    template: str | None
    urgent: bool
    valid_until: datetime
    completed_at: datetime | None
    # Messages and follow-ups (binalert.messages):
    parent_id: int | None = Field(default=None, description="the alert this one follows up")
    audience: str = Field(default="all", description="a follow-up: all | acknowledged")
    calls_from: datetime | None = Field(
        default=None, description="a non-urgent message: when its first calls may go out"
    )
    decided_by: str | None = Field(default=None, description="who approved or rejected it")
    decided_at: datetime | None = None


class AlertDetail(AlertOut):
    stats: AlertStatsOut


class AlertDraft(BaseModel):
    """What an alert would be, before it is sent: its texts and who would hear which."""

    messages: dict[str, str]
    member_languages: dict[str, int]
    missing_languages: list[str]
    fallback: str


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
