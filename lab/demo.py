"""The demo BIN of simulated members that `make run` sets up (lab only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import Bin, Member, Membership
from binalert.phones import parse_phone

DEMO_BIN = "Demo BIN Brugge-Centrum"
DEMO_ZONE = "Brugge"

# (name, national number in the lab's simulated-members dialplan, language)
DEMO_MEMBERS = (
    ("An Peeters", "050100001", "nl"),
    ("Jean Dubois", "050100002", "fr"),
    ("Greta Schmitz", "050200003", "de"),
    ("Mary Jones", "050100004", "en"),
    ("Jan Janssens", "050400005", "nl"),
    ("Luc Maes", "050800006", "nl"),
    ("Marie Lambert", "050700007", "fr"),
    ("Pieter Claes", "050300008", "nl"),
    ("Els Wouters", "050600009", "nl"),
    ("Sophie Martin", "050900010", "fr"),
)


def seed_demo(session: Session) -> Bin:
    """Create the demo BIN and its members once; later runs find and return it."""
    existing = session.scalar(select(Bin).where(Bin.name == DEMO_BIN))
    if existing is not None:
        return existing
    demo = Bin(name=DEMO_BIN, municipality="Brugge", police_zone=DEMO_ZONE)
    session.add(demo)
    session.flush()
    for name, number, language in DEMO_MEMBERS:
        phone = parse_phone(number)
        member = Member(name=name, phone=phone.e164, phone_kind=phone.kind, language=language)
        session.add(member)
        session.flush()
        session.add(Membership(bin_id=demo.id, member_id=member.id))
    return demo
