"""An alert to new members of a new BIN, each with their channels for urgent alerts (call,
SMS, both), for the SMS tests (#22): opened by the lifecycle, which decides each delivery's
channels (texted on the member's first textable number) and queues the alert's SMS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from binalert.deliveries import lifecycle
from binalert.models import Alert, Bin, Channels, Delivery, Member, Membership
from binalert.phones import parse_phone
from store.announce import ALERTS_CHANGED, announce
from store.db import Store

SMS_TEXTS = {
    "nl": "Dringend: let op. Antwoord 1.",
    "fr": "Urgent : fenêtres fermées, reçu ? Répondez 1.",
}


@dataclass(frozen=True)
class Planned:
    """A member and how they want urgent alerts: called (`call`), texted (`sms`), or both."""

    phone: str
    call: bool = True
    sms: bool = True
    language: str = "nl"
    second_phone: str | None = None

    @property
    def channels(self) -> str:
        if self.call and self.sms:
            return Channels.BOTH.value
        return Channels.CALL.value if self.call else Channels.SMS.value


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
                urgent_channels=p.channels,
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
        for member in members:
            delivery_id = s.scalar(
                select(Delivery.id).where(
                    Delivery.alert_id == alert.id, Delivery.member_id == member.id
                )
            )
            assert delivery_id is not None
            ids.append(delivery_id)
        announce(s, ALERTS_CHANGED)
        return alert.id, ids
