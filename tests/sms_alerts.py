"""An alert to new members of a new BIN with their channels given, for the SMS tests (#22):
what sms-surface's open_deliveries decides from the members' and BIN's channels (call,
sms_phone) is written here, then the alert's SMS are queued as opening does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from binalert.deliveries import lifecycle
from binalert.models import Alert, Bin, Delivery, Member, Membership
from binalert.phones import parse_phone
from store.announce import ALERTS_CHANGED, announce
from store.db import Store

SMS_TEXTS = {
    "nl": "Dringend: let op. Antwoord 1.",
    "fr": "Urgent : fenêtres fermées, reçu ? Répondez 1.",
}


@dataclass(frozen=True)
class Planned:
    """A member to open a delivery for, and its channels (sms-surface decides them from the
    member's and BIN's choice when deliveries open; here they are given)."""

    phone: str
    call: bool = True
    sms: bool = True
    language: str = "nl"
    second_phone: str | None = None
    texted_on: str | None = None  # the number texted, if not the first (a second, mobile one)


def open_alert(
    store: Store, planned: list[Planned], *, fallback: bool = False, texts: bool = True
) -> tuple[int, list[int]]:
    """An urgent alert to new members of a new BIN; returns (alert, delivery ids in order)."""
    now = datetime.now(UTC)
    with store.session() as s:
        bin_ = Bin(name="BIN SMS", municipality="Brugge", police_zone="Brugge")
        bin_.sms_fallback = fallback
        s.add(bin_)
        s.flush()
        members = []
        for i, p in enumerate(planned):
            phone = parse_phone(p.phone)
            member = Member(
                name=f"M{i}",
                phone=phone.e164,
                phone_kind=phone.kind,
                second_phone=parse_phone(p.second_phone).e164 if p.second_phone else None,
                language=p.language,
            )
            s.add(member)
            s.flush()
            s.add(Membership(bin_id=bin_.id, member_id=member.id))
            members.append(member)
        alert = Alert(
            created_by="police",
            incident_ref="PV-SMS",
            bin_ids=[bin_.id],
            messages={"nl": "Bericht", "fr": "Message"},
            sms_texts=SMS_TEXTS if texts else None,
            valid_from=now,
            valid_until=now + timedelta(hours=1),
        )
        s.add(alert)
        s.flush()
        lifecycle.open_deliveries(s, alert, [(m, now, bin_.id) for m in members])
        ids = []
        for member, p in zip(members, planned, strict=True):
            delivery_id = s.scalar(
                select(Delivery.id).where(
                    Delivery.alert_id == alert.id, Delivery.member_id == member.id
                )
            )
            assert delivery_id is not None
            ids.append(delivery_id)
            # what sms-surface's open_deliveries decides from the channels
            s.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(call=p.call, sms_phone=_texted(p))
            )
        lifecycle.queue_alert_sms(s, alert, now)
        announce(s, ALERTS_CHANGED)
        return alert.id, ids


def _texted(p: Planned) -> str | None:
    number = p.texted_on or (p.phone if p.sms else None)
    return parse_phone(number).e164 if number else None
