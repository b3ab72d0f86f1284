"""The dispatch line press 3 puts members through to is checked against an allow list: a
Belgian geographic landline, or a number an admin listed (BINALERT_DISPATCH_ALLOW)."""

from __future__ import annotations

import pytest

from binalert.errors import Invalid
from binalert.phones import InvalidPhone, dispatch_allow_list, dispatch_line
from binalert.settings import get_settings
from binalert.zones.service import dispatch_e164

ACCEPTED = [
    ("050 44 88 44", "+3250448844"),  # Brugge
    ("02/555.12.12", "+3225551212"),  # Brussels
    ("+32 3 210 40 00", "+3232104000"),  # Antwerpen
    ("0032 87 12 34 56", "+3287123456"),  # Verviers (East Cantons)
    ("052 10 00 01", "+3252100001"),  # the lab's simulated dispatch line
]
REFUSED = [
    "101",  # police short code: not a subscriber number
    "112",
    "1789",
    "0477 12 34 56",  # mobile
    "0900 12 345",  # premium rate
    "070 22 22 22",  # shared cost
    "078 15 15 15",  # UAN
    "0800 12 345",  # toll-free
    "+31 20 123 4567",  # a Dutch landline: foreign
    "+1 212 555 0100",
    "+32 2 1234567",  # impossible subscriber number
    "not a number",
    "",
    "02 555\n12 12",
    "0" * 40,
]


@pytest.mark.parametrize(("text", "e164"), ACCEPTED)
def test_a_belgian_geographic_landline_is_a_dispatch_line(text: str, e164: str) -> None:
    assert dispatch_line(text) == e164


@pytest.mark.parametrize("text", REFUSED)
def test_anything_else_is_refused_as_a_dispatch_line(text: str) -> None:
    with pytest.raises(InvalidPhone):
        dispatch_line(text)
    with pytest.raises(Invalid):  # the zone service says so as a 422
        dispatch_e164(text, frozenset())


def test_an_admin_may_allow_a_number_that_is_no_landline() -> None:
    allowed = dispatch_allow_list("0477 12 34 56, +32 78 15 15 15")
    assert allowed == {"+32477123456", "+3278151515"}
    assert dispatch_line("0477/12.34.56", allowed) == "+32477123456"
    assert dispatch_line("078 15 15 15", allowed) == "+3278151515"
    with pytest.raises(InvalidPhone):
        dispatch_line("0477 12 34 57", allowed)  # only the listed numbers


def test_an_allow_list_entry_that_is_no_number_stops_the_start() -> None:
    with pytest.raises(ValueError, match="BINALERT_DISPATCH_ALLOW"):
        get_settings(dispatch_allow="0477 12 34 56, 101")
    assert get_settings(dispatch_allow="").dispatch_allow_list() == frozenset()
