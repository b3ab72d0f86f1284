"""Every channel variable, AstDB family and UserEvent name shared with dialplans/.

The dialplan uses these names literally; tests/test_dialplan_names.py checks that every
BINALERT_* name in dialplans/ is defined here and every name here is used there.
"""

from __future__ import annotations

CALL_ID = "BINALERT_CALL_ID"
FIRST_AUDIO = "BINALERT_FIRST_AUDIO"  # introduction, message and the keys, with pauses
REPLAY_AUDIO = "BINALERT_REPLAY_AUDIO"  # message and the keys again
INVALID_AUDIO = "BINALERT_INVALID_AUDIO"  # "that key is not valid" and the keys
THANKS_AUDIO = "BINALERT_THANKS_AUDIO"
MACHINE_AUDIO = "BINALERT_MACHINE_AUDIO"
AMD_ENABLED = "BINALERT_AMD"  # listen for an answering machine's long greeting while speaking
DIGIT_TIMEOUT = "BINALERT_DIGIT_TIMEOUT"
MAX_PLAYS = "BINALERT_MAX_PLAYS"

# Variables the dialplan sets for itself (never sent by binalert).
PLAYS = "BINALERT_PLAYS"
INVALID = "BINALERT_INVALID"
MACHINE = "BINALERT_MACHINE"  # 1 once a long greeting was heard

ORIGINATE_VARIABLES = (
    CALL_ID,
    FIRST_AUDIO,
    REPLAY_AUDIO,
    INVALID_AUDIO,
    THANKS_AUDIO,
    MACHINE_AUDIO,
    AMD_ENABLED,
    DIGIT_TIMEOUT,
    MAX_PLAYS,
)
DIALPLAN_ONLY_VARIABLES = (PLAYS, INVALID, MACHINE)

ACK_DB_FAMILY = "binalert_ack"
"""AstDB family where an acknowledgement survives a dispatcher outage: key = call id."""

EVENT_ACK = "BinalertAck"
EVENT_RESULT = "BinalertResult"
EVENT_AMD = "BinalertAmd"
USER_EVENTS = (EVENT_ACK, EVENT_RESULT, EVENT_AMD)

AMD_HUMAN = "HUMAN"  # a BinalertAmd Status other than this: a long greeting was heard
RESULT_MACHINE = "machine"
RESULT_NO_ACK = "no_ack"
