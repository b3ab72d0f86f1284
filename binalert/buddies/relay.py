"""The neighbour relay (#24): when an urgent alert ends with members it did not reach (no
answer, busy, no 1), each such member's buddy who acknowledged that same alert is asked,
in one short call, to look in on them.

The delivery lifecycle calls this when it closes an alert (lifecycle.complete_if_done):
`plans` reads who is due a relay, `open_relay` stores the small child alert (parent_id,
audience "buddy": urgent, the link's BIN, the message in the buddy's language) and the
relay rows; the lifecycle then opens the child's one delivery, so the dialer calls the
buddy with its limits, retries, AMD and keys unchanged, and the buddy's 1 is an ordinary
acknowledgement of that delivery. Never more than one relay per unreached member and
alert (buddy_relays.delivery_id is unique), never to a buddy who did not acknowledge, never
for a cancelled alert (the lifecycle closes a cancelled alert as such, never as completed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.buddies import repository as repo
from binalert.buddies.texts import LANGUAGES, Shared, relay_message, shared
from binalert.models import (
    Alert,
    AlertStatus,
    BuddyLink,
    BuddyRelay,
    Delivery,
    DeliveryStatus,
    Member,
)

RELAY_AUDIENCE = "buddy"  # alerts.audience of a relay alert
RELAY_CREATED_BY = "binalert"
RELAY_VALID = timedelta(minutes=15)  # a look-in asked for later than this helps nobody
UNREACHED = (DeliveryStatus.UNREACHABLE.value, DeliveryStatus.UNACKNOWLEDGED.value)


@dataclass
class Plan:
    """One buddy to call after an alert, for the neighbours of theirs it did not reach."""

    buddy: Member
    bin_id: int
    neighbours: list[tuple[int, Shared]] = field(default_factory=list)  # (delivery id, shared)


def is_relay(alert: Alert) -> bool:
    return alert.audience == RELAY_AUDIENCE and alert.parent_id is not None


def plans(session: Session, alert: Alert) -> list[Plan]:
    """The relays due now that `alert` has ended: none for a non-urgent message, a
    follow-up, a relay itself, or an alert that did not complete or expire."""
    ended = (AlertStatus.COMPLETED.value, AlertStatus.EXPIRED.value)
    if not alert.urgent or alert.parent_id is not None or alert.status not in ended:
        return []
    d = Delivery
    rows = session.execute(
        select(d.member_id, d.id).where(
            d.alert_id == alert.id, d.status.in_(UNREACHED), d.member_id.is_not(None)
        )
    )
    unreached: dict[int, int] = {m: delivery for m, delivery in rows if m is not None}
    done = repo.relayed_delivery_ids(session, alert.id)
    unreached = {m: delivery for m, delivery in unreached.items() if delivery not in done}
    if not unreached:
        return []
    acknowledged = {
        m
        for m in session.scalars(
            select(d.member_id).where(
                d.alert_id == alert.id,
                d.status == DeliveryStatus.ACKNOWLEDGED.value,
                d.member_id.is_not(None),
            )
        )
        if m is not None
    }
    links = _live_links(session, set(unreached), acknowledged)
    people = repo.members(session, {lk.buddy_id for lk in links} | set(unreached))
    found: dict[int, Plan] = {}
    covered: set[int] = set()
    for link in links:  # oldest link first: one buddy per unreached member
        buddy, neighbour = people.get(link.buddy_id), people.get(link.neighbour_id)
        if link.neighbour_id in covered or buddy is None or neighbour is None:
            continue
        if not (buddy.active and neighbour.active):
            continue
        covered.add(link.neighbour_id)
        plan = found.setdefault(buddy.id, Plan(buddy=buddy, bin_id=link.bin_id))
        plan.neighbours.append(
            (unreached[link.neighbour_id], shared(neighbour.name, neighbour.street))
        )
    return list(found.values())


def _live_links(session: Session, neighbours: set[int], buddies: set[int]) -> list[BuddyLink]:
    if not neighbours or not buddies:
        return []
    query = (
        select(BuddyLink)
        .where(
            BuddyLink.ended_at.is_(None),
            BuddyLink.buddy_confirmed_at.is_not(None),
            BuddyLink.neighbour_confirmed_at.is_not(None),
            BuddyLink.neighbour_id.in_(sorted(neighbours)),
            BuddyLink.buddy_id.in_(sorted(buddies)),
        )
        .order_by(BuddyLink.id)
    )
    return list(session.scalars(query))


def open_relay(session: Session, parent: Alert, plan: Plan, now: datetime) -> Alert:
    """Store the relay alert for one plan and its relay rows; the lifecycle opens its one
    delivery (to plan.buddy)."""
    language = plan.buddy.language if plan.buddy.language in LANGUAGES else "nl"
    text = relay_message([shared_ for _, shared_ in plan.neighbours], language)
    child = Alert(
        created_by=RELAY_CREATED_BY,
        created_at=now,
        incident_ref=parent.incident_ref,
        bin_ids=[plan.bin_id],
        messages={language: text},
        sms_texts={language: text},
        template=None,
        urgent=True,
        valid_from=now,
        valid_until=now + RELAY_VALID,
        status=AlertStatus.ACTIVE.value,
        parent_id=parent.id,
        audience=RELAY_AUDIENCE,
    )
    session.add(child)
    session.flush()
    repo.add_relays(
        session,
        [
            BuddyRelay(
                alert_id=parent.id,
                delivery_id=delivery_id,
                relay_alert_id=child.id,
                bin_id=plan.bin_id,
                created_at=now,
            )
            for delivery_id, _ in plan.neighbours
        ],
    )
    return child
