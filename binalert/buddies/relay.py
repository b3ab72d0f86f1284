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
from binalert.buddies.texts import LANGUAGES, Shared, relay_message, relay_sms, shared
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
CHUNK = 500  # member ids per IN list


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
    pairs = _due_pairs(session, alert.id)
    people = repo.members(
        session, {m for link, _ in pairs for m in (link.buddy_id, link.neighbour_id)}
    )
    found: dict[int, Plan] = {}
    covered: set[int] = set()
    for link, delivery_id in pairs:  # oldest link first: one buddy per unreached member
        buddy, neighbour = people.get(link.buddy_id), people.get(link.neighbour_id)
        if link.neighbour_id in covered or buddy is None or neighbour is None:
            continue
        if not (buddy.active and neighbour.active):
            continue
        covered.add(link.neighbour_id)
        plan = found.setdefault(buddy.id, Plan(buddy=buddy, bin_id=link.bin_id))
        plan.neighbours.append((delivery_id, shared(neighbour.name, neighbour.street)))
    return list(found.values())


def _due_pairs(session: Session, alert_id: int) -> list[tuple[BuddyLink, int]]:
    """(live link, the neighbour's unreached delivery) where the link's buddy acknowledged
    this alert and no relay was made for that delivery yet, oldest link first.

    From the links, which are few (three per member at most), not from the deliveries: a
    join the other way round made SQLite pair every unreached delivery with every
    acknowledged one (8 s for an alert to 10,000 members); this takes a few milliseconds."""
    unreached_members = select(Delivery.member_id).where(
        Delivery.alert_id == alert_id, Delivery.status.in_(UNREACHED)
    )
    links = list(
        session.scalars(
            select(BuddyLink)
            .where(
                BuddyLink.ended_at.is_(None),
                BuddyLink.buddy_confirmed_at.is_not(None),
                BuddyLink.neighbour_confirmed_at.is_not(None),
                BuddyLink.neighbour_id.in_(unreached_members),
            )
            .order_by(BuddyLink.id)
        )
    )
    members = sorted({m for link in links for m in (link.buddy_id, link.neighbour_id)})
    status: dict[int, tuple[int, str]] = {}
    for start in range(0, len(members), CHUNK):
        query = select(Delivery.member_id, Delivery.id, Delivery.status).where(
            Delivery.alert_id == alert_id, Delivery.member_id.in_(members[start : start + CHUNK])
        )
        status |= {m: (d, st) for m, d, st in session.execute(query) if m is not None}
    done = repo.relayed_delivery_ids(session, alert_id)
    acknowledged = DeliveryStatus.ACKNOWLEDGED.value
    return [
        (link, status[link.neighbour_id][0])
        for link in links
        if link.neighbour_id in status
        and status[link.neighbour_id][1] in UNREACHED
        and status[link.neighbour_id][0] not in done
        and status.get(link.buddy_id, (0, ""))[1] == acknowledged
    ]


def open_relay(session: Session, parent: Alert, plan: Plan, now: datetime) -> Alert:
    """Store the relay alert for one plan and its relay rows; the lifecycle opens its one
    delivery (to plan.buddy)."""
    language = plan.buddy.language if plan.buddy.language in LANGUAGES else "nl"
    neighbours = [shared_ for _, shared_ in plan.neighbours]
    text = relay_message(neighbours, language)
    child = Alert(
        created_by=RELAY_CREATED_BY,
        created_at=now,
        incident_ref=parent.incident_ref,
        bin_ids=[plan.bin_id],
        messages={language: text},
        sms_texts={language: relay_sms(neighbours, language)},
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
