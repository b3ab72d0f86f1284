"""The demo BIN of simulated members that `make run` sets up (lab only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import Bin, Member, Membership
from binalert.phones import parse_phone
from lab.sim import SIM

DEMO_BIN = "Demo BIN Brugge-Centrum"
DEMO_ZONE = "Brugge"

# (name, national number of a simulated member (lab.sim), language)
DEMO_MEMBERS = (
    ("An Peeters", SIM.PRESS_1.number(1), "nl"),
    ("Jean Dubois", SIM.SILENT_PRESS_1.number(2), "fr"),
    ("Greta Schmitz", SIM.PRESS_2_THEN_1.number(3), "de"),
    ("Mary Jones", SIM.PRESS_1.number(4), "en"),
    ("Jan Janssens", SIM.BUSY.number(5), "nl"),
    ("Luc Maes", SIM.BUSY_THEN_SILENT_PRESS_1.number(6), "nl"),
    ("Marie Lambert", SIM.MACHINE.number(7), "fr"),
    ("Pieter Claes", SIM.NO_ANSWER.number(8), "nl"),
    ("Els Wouters", SIM.HANGS_UP.number(9), "nl"),
    ("Sophie Martin", SIM.SILENT_INVALID_KEY_THEN_1.number(10), "fr"),
    ("Jos Vermeulen", SIM.LONG_GREETING_PRESS_1.number(11), "nl"),
    ("Rita Jacobs", SIM.HELLO_TWICE_PRESS_1_LATE.number(12), "nl"),
    ("Karel De Smet", SIM.refused_with(1).number(13), "nl"),
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
