"""Every channel variable, AstDB family and UserEvent name shared with dialplans/.

The dialplan uses these names literally; tests/test_dialplan_names.py checks that every
BINALERT_* name in dialplans/ is defined here and every name here is used there.
"""

from __future__ import annotations

CALL_ID = "BINALERT_CALL_ID"
INTRO_AUDIO = "BINALERT_INTRO_AUDIO"
MESSAGE_AUDIO = "BINALERT_MESSAGE_AUDIO"
PROMPT_AUDIO = "BINALERT_PROMPT_AUDIO"
THANKS_AUDIO = "BINALERT_THANKS_AUDIO"
MACHINE_AUDIO = "BINALERT_MACHINE_AUDIO"
AMD_ENABLED = "BINALERT_AMD"
DIGIT_TIMEOUT = "BINALERT_DIGIT_TIMEOUT"
MAX_PLAYS = "BINALERT_MAX_PLAYS"

# Variables the dialplan sets for itself (never sent by binalert).
DIGIT = "BINALERT_DIGIT"
PLAYS = "BINALERT_PLAYS"
INVALID = "BINALERT_INVALID"

ORIGINATE_VARIABLES = (
    CALL_ID,
    INTRO_AUDIO,
    MESSAGE_AUDIO,
    PROMPT_AUDIO,
    THANKS_AUDIO,
    MACHINE_AUDIO,
    AMD_ENABLED,
    DIGIT_TIMEOUT,
    MAX_PLAYS,
)
DIALPLAN_ONLY_VARIABLES = (DIGIT, PLAYS, INVALID)

ACK_DB_FAMILY = "binalert_ack"
"""AstDB family where an acknowledgement survives a dispatcher outage: key = call id."""

EVENT_ACK = "BinalertAck"
EVENT_RESULT = "BinalertResult"
EVENT_AMD = "BinalertAmd"
USER_EVENTS = (EVENT_ACK, EVENT_RESULT, EVENT_AMD)

RESULT_MACHINE = "machine"
RESULT_NO_ACK = "no_ack"
