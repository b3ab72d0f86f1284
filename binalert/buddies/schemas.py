"""What the pages and the API show of buddy links and relays."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class MemberLink(BaseModel):
    """One of a member's own links, as their page shows it: the other side's first name and
    street only once that side has agreed (confirmed), never more."""

    id: int
    role: str  # buddy (I look in on them) | neighbour (they look in on me)
    state: str  # live | awaiting_you | awaiting_them
    proposed_by: str  # buddy | coordinator
    first_name: str | None = None
    street: str | None = None


class MemberBuddies(BaseModel):
    links: list[MemberLink]
    you_share: dict[str, str | None]  # what a buddy learns about this member
    max_links: int


class LinkOut(BaseModel):
    """A link as a BIN's coordinator sees it (they manage the member list already)."""

    id: int
    bin_id: int
    buddy_id: int
    neighbour_id: int
    buddy_name: str | None = None
    neighbour_name: str | None = None
    state: str  # live | awaiting_buddy | awaiting_neighbour | awaiting_both | ended
    proposed_by: str
    created_at: datetime
    ended_at: datetime | None = None
    ended_by: str | None = None


class Proposal(BaseModel):
    buddy_id: int = Field(gt=0, lt=2**53)
    neighbour_id: int = Field(gt=0, lt=2**53)


class RelayOut(BaseModel):
    """An unreached member of an alert whose buddy was asked to look in on them: member ids
    only, as on the rest of the police's page."""

    member_id: int | None  # the unreached member (None once erased)
    buddy_id: int | None
    relay_alert_id: int
    state: str  # ringing | looking_in | not_reached
    looking_in_at: datetime | None = None


class Neighbours(BaseModel):
    relays: list[RelayOut]
    looking_in: int
    ringing: int
