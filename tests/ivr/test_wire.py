"""Nothing from a user reaches the AMI wire or the dialplan unchecked."""

from __future__ import annotations

import pytest

from ivr import channelvars as cv
from ivr import wire


@pytest.mark.parametrize(
    "value",
    [
        "ba0000000000000001\r\nAction: Originate",
        "ba0000000000000001,BINALERT_AMD=0",
        "ba000000000000001",  # not fixed width
        "ba00000000000000001",
        "",
    ],
)
def test_call_id_variable_refuses_smuggling_and_wrong_width(value: str) -> None:
    with pytest.raises(wire.UnsafeValue):
        wire.variables({cv.CALL_ID: value})


@pytest.mark.parametrize(
    "value",
    [
        "/sounds/a\nAction: Hangup",
        "/sounds/a,BINALERT_CALL_ID=x",
        "/sounds/a b",
        "relative/x",
        "/sounds/${EVIL}",
        "http://h/x&/etc/passwd",
    ],
)
def test_audio_variables_refuse_separators_and_expressions(value: str) -> None:
    with pytest.raises(wire.UnsafeValue):
        wire.variables({cv.FIRST_AUDIO: value})


def test_unknown_variable_names_are_refused() -> None:
    with pytest.raises(wire.UnsafeValue):
        wire.variables({"EVIL": "1"})


def test_good_variables_become_one_header_each() -> None:
    headers = wire.variables(
        {cv.CALL_ID: "ba0000000000000042", cv.FIRST_AUDIO: "/var/lib/x/ab12", cv.AMD_ENABLED: "1"}
    )
    assert headers == [
        "BINALERT_CALL_ID=ba0000000000000042",
        "BINALERT_FIRST_AUDIO=/var/lib/x/ab12",
        "BINALERT_AMD=1",
    ]


def test_call_ids_are_fixed_width_and_never_prefixes_of_each_other() -> None:
    ids = [wire.call_id(n) for n in (1, 10, 100, 10**15)]
    assert {len(i) for i in ids} == {18}
    assert not any(a != b and b.startswith(a) for a in ids for b in ids)
    assert wire.other_call_id(ids[0]) == "bb" + ids[0][2:]


@pytest.mark.parametrize(
    ("template", "e164", "national"),
    [
        ("PJSIP/{e164}@trunk", "+3250\r\n", "050"),
        ("PJSIP/{e164}@trunk", "+32,50123456", "050123456"),
        ("Local/{national}@ctx\r\nAction: Hangup", "+3250123456", "050123456"),
    ],
)
def test_dial_channel_refuses_injection(template: str, e164: str, national: str) -> None:
    with pytest.raises(wire.UnsafeValue):
        wire.dial_channel(template, e164, national)


def test_header_values_with_control_characters_are_refused() -> None:
    with pytest.raises(wire.UnsafeValue):
        wire.header_value("abc\r\nAction: Logoff")
    assert wire.header_value("PJSIP/+3250123456@trunk") == "PJSIP/+3250123456@trunk"


@pytest.mark.parametrize(
    "value",
    ["PJSIP/+3252100001@trunk\r\nAction: Hangup", "PJSIP/x@trunk,EVIL=1", "", "PJSIP/${EVIL}"],
)
def test_the_dispatch_dial_string_is_checked(value: str) -> None:
    with pytest.raises(wire.UnsafeValue):
        wire.variables({cv.TRANSFER_DIAL: value})
    with pytest.raises(wire.UnsafeValue):
        wire.setvar(cv.TRANSFER_DIAL, value)


def test_setvar_takes_only_binalerts_own_variables() -> None:
    assert wire.setvar(cv.TRANSFER_DIAL, "PJSIP/+3252100001@trunk") == (
        cv.TRANSFER_DIAL,
        "PJSIP/+3252100001@trunk",
    )
    assert wire.setvar(cv.CALLBACK_AUDIO, "/srv/sounds/ab12")[1] == "/srv/sounds/ab12"
    for name in ("EVIL", cv.CALLER, cv.ROUTED):  # the dialplan's own are never set from outside
        with pytest.raises(wire.UnsafeValue):
            wire.setvar(name, "1")


def test_a_call_back_has_the_same_fixed_width_id_in_every_dispatcher() -> None:
    assert wire.inbound_call_id("lab-1796045058.7") == "bi1796045058000007"
    assert wire.inbound_call_id("1796045058.1234567") == "bi1796045058234567"
    assert wire.channel_id(wire.inbound_call_id("1796045058.1") or "") == "bi1796045058000001"
    for other in (
        "ba0000000000000001",
        "bb0000000000000001",
        "",
        None,
        "x-1.2",
        "a,b-1796045058.1",
    ):
        assert wire.inbound_call_id(other) is None
