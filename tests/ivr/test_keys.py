"""ivr/keys.py (what each key does) and the dialplan that acts on the keys agree: every key of
the table has its extension in [binalert-alert], a key that acknowledges is written to its
AstDB family and raises its event there, 3 is valid only when the call has a dispatch line,
and every other key is an invalid one."""

from __future__ import annotations

import re
from pathlib import Path

from ivr import channelvars as cv
from ivr import keys

DIALPLAN = Path(__file__).resolve().parents[2] / "dialplans" / "extensions.conf"


def _extensions(context: str) -> dict[str, str]:
    """The dialplan code of each extension of a context (comments left out)."""
    found: dict[str, str] = {}
    inside, name = False, ""
    for raw in DIALPLAN.read_text().splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            inside = line == f"[{context}]"
        elif inside and (start := re.match(r"exten => ([^,]+),", line)):
            name = start.group(1)
            found[name] = found.get(name, "") + line + "\n"
        elif inside and line.startswith("same =>"):
            found[name] += line + "\n"
    return found


def _goes_to(code: str) -> list[str]:
    return re.findall(r"[?:(](\w+),1\b", code)


def _pattern_keys(pattern: str) -> set[str]:
    """The keys an Asterisk pattern such as _[04-9*#] matches (one character class)."""
    inner = re.fullmatch(r"_\[(.+)\]", pattern)
    assert inner, pattern
    text, keys_ = inner.group(1), set()
    for start, end in re.findall(r"(.)(?:-(.))?", text):
        keys_ |= {chr(c) for c in range(ord(start), ord(end or start) + 1)}
    return keys_


ALERT = _extensions("binalert-alert")


def test_every_key_of_the_table_has_its_extension_in_the_dialplan() -> None:
    for digit in keys.KEYS:
        assert digit in ALERT, f"the dialplan does nothing with {digit}"


def test_a_key_that_acknowledges_is_kept_in_astdb_and_reported_by_its_event() -> None:
    for key in keys.ACKNOWLEDGING:
        [target] = [t for t in _goes_to(ALERT[key.digit]) if t != "invalid"]
        code = ALERT[target]
        kept = code.index(f"Set(DB({key.astdb_family}/${{{cv.CALL_ID}}})")
        reported = code.index(f"UserEvent({key.event},CallId: ${{{cv.CALL_ID}}}")
        assert kept < reported, f"{key.digit}: reported before it is kept"
        assert keys.by_event(key.event) is key
    assert keys.by_event(cv.EVENT_RESULT) is None and keys.by_event(None) is None


def test_2_plays_the_message_again_and_3_needs_a_dispatch_line() -> None:
    assert _goes_to(ALERT[keys.REPLAY.digit]) == ["replay"]
    three = ALERT[keys.TRANSFER.digit]
    assert f'$["${{{keys.TRANSFER_DIAL}}}" = ""]' in three
    assert _goes_to(three) == ["invalid", "transfer"]
    assert f"Dial(${{{keys.TRANSFER_DIAL}}}" in ALERT["transfer"]


def test_every_other_key_is_an_invalid_one() -> None:
    [pattern] = [name for name in ALERT if name.startswith("_")]
    assert _pattern_keys(pattern) == set(keys.INVALID_DIGITS)
    assert _goes_to(ALERT[pattern]) == ["invalid"]
    every = set("0123456789*#")
    assert set(keys.KEYS) | set(keys.INVALID_DIGITS) == every
    assert not set(keys.KEYS) & set(keys.INVALID_DIGITS)


STOP = _extensions("binalert-stop")
MENU = _extensions("binalert-menu")


def test_9_and_4_are_offered_only_with_their_words_and_4_only_on_calls_in() -> None:
    nine, four = ALERT[keys.STOP.digit], ALERT[keys.LANGUAGE.digit]
    assert f'$["${{{cv.STOP_OFFER_AUDIO}}}" = ""]?invalid,1:binalert-stop,s,1' in nine
    assert f'$["${{{cv.LANGUAGE_OFFER_AUDIO}}}" = ""]?invalid,1:binalert-language,s,1' in four
    # binalert offers 4 only on calls in (ivr.by_phone.call_in_variables), never on its own.
    assert cv.LANGUAGE_OFFER_AUDIO not in cv.ORIGINATE_VARIABLES
    assert not keys.STOP.acknowledges and not keys.LANGUAGE.acknowledges


def test_only_a_second_9_stops_kept_in_astdb_before_it_is_reported() -> None:
    code = STOP[keys.STOP.digit]
    kept = code.index(f"Set(DB({keys.STOP.astdb_family}/${{{cv.CALL_ID}}})")
    reported = code.index(f"UserEvent({keys.STOP.event},CallId: ${{{cv.CALL_ID}}})")
    assert kept < reported
    # Any other key, or none, goes back: a 9 pressed by mistake drops nobody.
    [pattern] = [name for name in STOP if name.startswith("_")]
    assert _pattern_keys(pattern) == set("012345678*#")
    for other in (pattern, "t", "i"):
        assert _goes_to(STOP[other]) == ["back"]
    back = STOP["back"]
    assert back.index(f"Playback(${{{cv.STOP_KEPT_AUDIO}}})") < back.index("Hangup")
    assert "binalert-alert,keys,1" in back and "binalert-menu,offers,1" in back


def test_the_call_in_menu_offers_4_and_9_and_every_other_key_repeats_it() -> None:
    assert "binalert-language,s,1" in MENU["4"] and "binalert-stop,s,1" in MENU["9"]
    [pattern] = [name for name in MENU if name.startswith("_")]
    assert _pattern_keys(pattern) == set("01235678*#")
    assert keys.KEYS["4"] is keys.LANGUAGE and keys.KEYS["9"] is keys.STOP
