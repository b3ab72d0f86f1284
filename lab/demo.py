"""The demo BIN of simulated members that `make run` sets up (lab only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.bins import areas, geo
from binalert.models import Bin, Channels, Member, Membership
from binalert.phones import parse_phone
from lab.sim import SIM
from lab.smsc import HANDSET

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

# (name, mobile of a lab handset (lab.smsc), language, how they want urgent alerts): members
# on SMS (#22), texted through make run's lab SMSC
DEMO_SMS_MEMBERS = (
    ("Lotte Vermeersch", HANDSET.REPLIES_1.e164(1), "nl", Channels.SMS),
    ("Chloé Renard", HANDSET.REPLIES_OUI.e164(2), "fr", Channels.SMS),
    ("Koen Aerts", HANDSET.DELIVERED.e164(3), "nl", Channels.SMS),
    ("Ines Dupont", HANDSET.EXPIRED.e164(4), "fr", Channels.SMS),
    ("Tom Peeters", HANDSET.REPLIES_STOP.e164(5), "nl", Channels.SMS),
)
# Called on her landline (presses 1) and texted on her mobile (replies "ja")
DEMO_BOTH_MEMBER = ("Anke Hermans", SIM.PRESS_1.e164(18), HANDSET.REPLIES_JA.e164(6), "nl")


# The demo BINs' areas on the map (#23): Brugge's centre inside the ring canal and three
# neighbourhoods around it, drawn by hand (WGS84 longitude, latitude).
DEMO_AREAS: dict[str, list[tuple[float, float]]] = {
    DEMO_BIN: [
        (3.2140, 51.2160),
        (3.2290, 51.2200),
        (3.2390, 51.2150),
        (3.2400, 51.2050),
        (3.2330, 51.1990),
        (3.2200, 51.1990),
        (3.2120, 51.2060),
    ],
    "Demo BIN Sint-Kruis": [
        (3.2400, 51.2150),
        (3.2700, 51.2200),
        (3.2750, 51.2050),
        (3.2400, 51.2050),
    ],
    "Demo BIN Assebroek": [
        (3.2330, 51.1990),
        (3.2400, 51.2050),
        (3.2750, 51.2050),
        (3.2700, 51.1850),
        (3.2350, 51.1850),
    ],
    "Demo BIN Sint-Andries": [
        (3.1800, 51.2150),
        (3.2140, 51.2160),
        (3.2120, 51.2060),
        (3.2200, 51.1990),
        (3.1850, 51.1950),
    ],
}
# The neighbourhoods' members (simulated members who press 1 or do not answer)
NEIGHBOUR_MEMBERS = {
    "Demo BIN Sint-Kruis": (("Wim Goossens", SIM.PRESS_1.number(14), "nl"),),
    "Demo BIN Assebroek": (
        ("Nathalie Leroy", SIM.PRESS_1.number(15), "fr"),
        ("Bart Willems", SIM.NO_ANSWER.number(16), "nl"),
    ),
    "Demo BIN Sint-Andries": (("Hilde Mertens", SIM.PRESS_1.number(17), "nl"),),
}


def _demo_bin(session: Session, name: str, members: tuple[tuple[str, str, str], ...]) -> Bin:
    """The BIN of this name with its members and area, made once; later runs find it."""
    found = session.scalar(select(Bin).where(Bin.name == name))
    if found is None:
        found = Bin(name=name, municipality="Brugge", police_zone=DEMO_ZONE)
        session.add(found)
        session.flush()
        _add_members(session, found, members)
    if found.area is None:  # also a demo BIN made before BINs had areas
        ring = [list(p) for p in (*DEMO_AREAS[name], DEMO_AREAS[name][0])]
        areas.store_area(found, geo.parse_area({"type": "Polygon", "coordinates": [ring]}))
    return found


def _add_members(session: Session, found: Bin, members: tuple[tuple[str, str, str], ...]) -> None:
    for member_name, number, language in members:
        phone = parse_phone(number)
        member = Member(
            name=member_name, phone=phone.e164, phone_kind=phone.kind, language=language
        )
        session.add(member)
        session.flush()
        session.add(Membership(bin_id=found.id, member_id=member.id))


def _add_sms_members(session: Session, demo: Bin) -> None:
    """The members on SMS, also into a demo BIN made before they were part of it."""
    known = set(session.scalars(select(Member.phone)))
    for member_name, number, language, channels in DEMO_SMS_MEMBERS:
        if number in known:
            continue
        member = Member(
            name=member_name,
            phone=number,
            phone_kind="mobile",
            language=language,
            urgent_channels=channels.value,
            message_channels=channels.value,
        )
        session.add(member)
        session.flush()
        session.add(Membership(bin_id=demo.id, member_id=member.id))
    member_name, landline, mobile, language = DEMO_BOTH_MEMBER
    if landline not in known:
        member = Member(
            name=member_name,
            phone=landline,
            phone_kind="landline",
            second_phone=mobile,
            language=language,
            urgent_channels=Channels.BOTH.value,
        )
        session.add(member)
        session.flush()
        session.add(Membership(bin_id=demo.id, member_id=member.id))


def seed_demo(session: Session) -> Bin:
    """Create the demo BIN and its members once, and three neighbourhoods around it with areas
    on the map; later runs find and return it."""
    demo = _demo_bin(session, DEMO_BIN, DEMO_MEMBERS)
    _add_sms_members(session, demo)
    for name, members in NEIGHBOUR_MEMBERS.items():
        _demo_bin(session, name, members)
    return demo
