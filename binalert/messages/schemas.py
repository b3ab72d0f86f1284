"""Messages and follow-ups as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from binalert.alerts.schemas import AlertDetail, AlertOut, BinId
from binalert.messages.templates import FeedbackKind, PreventionFields
from binalert.models import Audience, Language
from binalert.text import MessageText, ShortText


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
