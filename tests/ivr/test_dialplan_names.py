"""The dialplan and ivr/channelvars.py name the same variables, events and AstDB family."""

from __future__ import annotations

import re
from pathlib import Path

from ivr import channelvars as cv

DIALPLAN = Path(__file__).resolve().parents[2] / "dialplans" / "extensions.conf"


def _dialplan_code() -> str:
    return "\n".join(line.split(";", 1)[0] for line in DIALPLAN.read_text().splitlines())


def test_every_binalert_variable_in_the_dialplan_is_defined_in_python() -> None:
    used = set(re.findall(r"BINALERT_[A-Z_]+", _dialplan_code()))
    defined = (
        set(cv.ORIGINATE_VARIABLES) | set(cv.DIALPLAN_ONLY_VARIABLES) | set(cv.SETVAR_VARIABLES)
    )
    assert used == defined


def test_user_events_and_astdb_family_match() -> None:
    code = _dialplan_code()
    assert set(re.findall(r"UserEvent\((\w+),", code)) == set(cv.USER_EVENTS)
    assert f"DB({cv.ACK_DB_FAMILY}/${{{cv.CALL_ID}}})" in code
    assert f"DB({cv.TRANSFER_DB_FAMILY}/${{{cv.CALL_ID}}})" in code
    assert f"DB({cv.STOP_DB_FAMILY}/${{{cv.CALL_ID}}})" in code
    for result in (cv.RESULT_MACHINE, cv.RESULT_NO_ACK):
        assert f"Result: {result})" in code


def test_the_call_back_contexts_exist() -> None:
    contexts = set(re.findall(r"^\[([a-z-]+)\]", _dialplan_code(), re.MULTILINE))
    assert {*cv.CALLBACK_CONTEXTS, "binalert-inbound", "binalert-alert"} <= contexts
