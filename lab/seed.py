"""One way to put an alert in a lab store, for the tests and the bench alike.

seed_alert writes what the API would leave behind (a BIN, its members, the alert and one
pending delivery per member) straight into the store, in one transaction and a few bulk
statements (a bench alert has 10,000 members), and announces it: on PostgreSQL a NOTIFY
wakes the workers of other processes at commit, and a Runtime on this store wakes its own
dispatcher. The members are simulated ones (lab.sim): their numbers say what they do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from binalert.deliveries import lifecycle
from binalert.models import Alert, Bin, Member, Membership
from binalert.phones import parse_phone
from store.announce import ALERTS_CHANGED, announce
from store.db import Store


@dataclass(frozen=True)
class _Seeded:  # a member as lifecycle.open_deliveries reads one
    id: int
    language: str
    phone: str
    second_phone: str | None
    urgent_channels: str | None = None  # None: the BIN's default (a call)
    message_channels: str | None = None
    sms_stopped_at: datetime | None = None


def seed_alert(
    store: Store,
    numbers: Sequence[str | tuple[str, str]],
    *,
    languages: Sequence[str] = ("nl",),
    valid_minutes: float = 30,
    urgent: bool = True,
) -> int:
    """An alert to one new BIN of new members, one per entry of `numbers`: a national
    number, or a pair (phone, second phone). Member i speaks languages[i % len(languages)];
    the alert has a message in each language. Returns the alert's id."""
    now = datetime.now(UTC)
    members: list[dict[str, str | None]] = []
    seeded: list[_Seeded] = []
    for i, entry in enumerate(numbers):
        first, second = entry if isinstance(entry, tuple) else (entry, None)
        phone = parse_phone(first)
        second_e164 = parse_phone(second).e164 if second else None
        language = languages[i % len(languages)]
        members.append(
            {
                "name": f"Member {i}",
                "phone": phone.e164,
                "phone_kind": phone.kind,
                "second_phone": second_e164,
                "language": language,
            }
        )
        seeded.append(_Seeded(0, language, phone.e164, second_e164))
    with store.session() as s:
        bin_ = Bin(name="Lab BIN", municipality="Brugge", police_zone="Brugge")
        s.add(bin_)
        s.flush()
        alert = Alert(
            created_by="lab",
            incident_ref="PV-LAB",
            bin_ids=[bin_.id],
            messages={lang: f"Test message {lang}" for lang in languages},
            urgent=urgent,
            valid_from=now,
            valid_until=now + timedelta(minutes=valid_minutes),
        )
        s.add(alert)
        s.flush()
        if members:
            ids = s.scalars(
                insert(Member).returning(Member.id, sort_by_parameter_order=True), members
            ).all()
            s.execute(insert(Membership), [{"bin_id": bin_.id, "member_id": i} for i in ids])
            planned = [(replace(m, id=i), now, None) for i, m in zip(ids, seeded, strict=True)]
            lifecycle.open_deliveries(s, alert, planned)
        announce(s, ALERTS_CHANGED)
        return alert.id
