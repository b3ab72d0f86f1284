"""BINALERT_SMSC_*: none set, no SMS; half set, or values SMPP cannot carry, refused at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from binalert.settings import get_settings

LAB = {
    "smsc_host": "127.0.0.1",
    "smsc_system_id": "binalert",
    "smsc_password": "lab-smsc",
    "smsc_source": "+3250000099",
}


def test_no_smsc_set_means_no_sms_and_a_complete_one_is_read() -> None:
    assert get_settings().smsc() is None
    smsc = get_settings(**LAB, smsc_mps=25, smsc_window=5).smsc()
    assert smsc is not None
    assert (smsc.port, smsc.mps, smsc.window, smsc.source) == (2775, 25, 5, "+3250000099")


@pytest.mark.parametrize(
    "wrong",
    [
        {"smsc_password": None},  # half configured
        {"smsc_source": ""},
        {"smsc_password": "longer-than-8"},  # SMPP 3.4: 9 octets with the NUL
        {"smsc_system_id": "a-system-id-of-16"},
        {"smsc_source": "BIN Brugge"},  # replies need a number
        {"smsc_mps": 0},
        {"smsc_window": 0},
    ],
)
def test_an_smsc_smpp_cannot_bind_to_is_refused_at_start(wrong: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        get_settings(**(LAB | wrong))
