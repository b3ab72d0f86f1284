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
# Press 3 (#14): the zone's dispatch line as a dial string over the trunk; unset or empty: the
# zone has none, 3 is an invalid key and nothing offers it.
TRANSFER_DIAL = "BINALERT_TRANSFER_DIAL"
TRANSFER_OFFER_AUDIO = "BINALERT_TRANSFER_OFFER_AUDIO"  # "to report it to the police: press 3"
TRANSFERRING_AUDIO = "BINALERT_TRANSFERRING_AUDIO"  # "we are putting you through to the police"
TRANSFER_FAILED_AUDIO = "BINALERT_TRANSFER_FAILED_AUDIO"  # "no answer: call 101 (112)"
TRANSFER_BUSY_AUDIO = "BINALERT_TRANSFER_BUSY_AUDIO"  # "the police line is busy: call 101"
TRANSFER_MAX = "BINALERT_TRANSFER_MAX"  # members put through to one dispatch line at once

# Variables the dialplan sets for itself (never sent by binalert).
PLAYS = "BINALERT_PLAYS"
INVALID = "BINALERT_INVALID"
MACHINE = "BINALERT_MACHINE"  # 1 once a long greeting was heard
TRANSFER_LINE = "BINALERT_TRANSFER_LINE"  # the dispatch line's digits: its GROUP's name

# A service call (#24, ivr/service_calls.py): one spoken text, optionally a 1 listened for.
SERVICE_AUDIO = "BINALERT_SERVICE_AUDIO"  # the text, in the listener's language
SERVICE_THANKS_AUDIO = "BINALERT_SERVICE_THANKS_AUDIO"  # after a 1
SERVICE_WAIT = "BINALERT_SERVICE_WAIT"  # 1: listen for a 1 (and say the text twice at most)
SERVICE_PLAYS = "BINALERT_SERVICE_PLAYS"  # set by the dialplan: how often the text was said
SERVICE_CONTEXT = "binalert-service"
SERVICE_GROUP = "service@binalert"  # the dialplan's GROUP of service calls: held lines
EVENT_SERVICE = "BinalertService"  # CallId:, Result: pressed_1 | no_key | heard
RESULT_PRESSED_1 = "pressed_1"
RESULT_NO_KEY = "no_key"
RESULT_HEARD = "heard"

ORIGINATE_VARIABLES = (
    SERVICE_AUDIO,
    SERVICE_THANKS_AUDIO,
    SERVICE_WAIT,
    CALL_ID,
    FIRST_AUDIO,
    REPLAY_AUDIO,
    INVALID_AUDIO,
    THANKS_AUDIO,
    MACHINE_AUDIO,
    AMD_ENABLED,
    DIGIT_TIMEOUT,
    MAX_PLAYS,
    TRANSFER_DIAL,
    TRANSFER_OFFER_AUDIO,
    TRANSFERRING_AUDIO,
    TRANSFER_FAILED_AUDIO,
    TRANSFER_BUSY_AUDIO,
    TRANSFER_MAX,
)

# A member calling the BIN number back (#14): the dialplan (binalert-inbound) reports the
# caller's number; binalert sets these on that channel (AMI Setvar) with the call's own
# variables above, then moves it on (AMI Redirect) to one of the contexts below.
CALLER = "BINALERT_CALLER"  # set by the dialplan: the caller's number, [0-9+] only
PAI = "BINALERT_PAI"  # set by the dialplan: the network's P-Asserted-Identity, raw
FROM = "BINALERT_FROM"  # set by the dialplan: the From header, raw (only parsed by Asterisk)
ASSERTED = "BINALERT_ASSERTED"  # set by the dialplan: 1 when the trunk asserted the number
INBOUND_MAX = "BINALERT_INBOUND_MAX"  # a global binalert sets: calls on the BIN number at once
INBOUND_GROUP = "inbound@binalert"  # the dialplan's GROUP of calls on the BIN number
TRANSFER_GROUP = "transfer@binalert"  # members put through: each holds a second trunk line
INBOUND_CAP = "BINALERT_INBOUND_CAP"  # set by the dialplan: INBOUND_MAX, or 5 before binalert
CALLBACK_AUDIO = "BINALERT_CALLBACK_AUDIO"  # "you are calling the BIN number; the last message"
NO_ALERT_AUDIO = "BINALERT_NO_ALERT_AUDIO"  # a member without a current alert: "none; call 101"
UNKNOWN_AUDIO = "BINALERT_UNKNOWN_AUDIO"  # a global: "this number only sends BIN alerts" x4
HANDLER = "BINALERT_HANDLER"  # which dispatcher answers this call back (several see its event)
ROUTED = "BINALERT_ROUTED"  # set by the dialplan once a call back was moved on
SETVAR_VARIABLES = (
    *ORIGINATE_VARIABLES,
    CALLBACK_AUDIO,
    NO_ALERT_AUDIO,
    UNKNOWN_AUDIO,
    HANDLER,
    INBOUND_MAX,
)

CALLBACK_CONTEXT = "binalert-callback"  # the member's newest alert, keys as on an alert call
NO_ALERT_CONTEXT = "binalert-no-alert"
UNKNOWN_CONTEXT = "binalert-unknown"
CALLBACK_CONTEXTS = (CALLBACK_CONTEXT, NO_ALERT_CONTEXT, UNKNOWN_CONTEXT)

DIALPLAN_ONLY_VARIABLES = (
    SERVICE_PLAYS,
    PLAYS,
    INVALID,
    MACHINE,
    TRANSFER_LINE,
    CALLER,
    PAI,
    FROM,
    ASSERTED,
    INBOUND_CAP,
    ROUTED,
)

ACK_DB_FAMILY = "binalert_ack"
"""AstDB family where an acknowledgement survives a dispatcher outage: key = call id."""
TRANSFER_DB_FAMILY = "binalert_transfer"
"""The same for a press of 3 (put through to the police: acknowledged, outcome transferred)."""

EVENT_ACK = "BinalertAck"
EVENT_RESULT = "BinalertResult"
EVENT_AMD = "BinalertAmd"
EVENT_TRANSFER = "BinalertTransfer"  # the member pressed 3: being put through to the police
EVENT_INBOUND = "BinalertInbound"  # someone calls the BIN number (Caller:, Asserted: 1/0)
USER_EVENTS = (
    EVENT_ACK,
    EVENT_RESULT,
    EVENT_AMD,
    EVENT_TRANSFER,
    EVENT_INBOUND,
    EVENT_SERVICE,
)

AMD_HUMAN = "HUMAN"  # a BinalertAmd Status other than this: a long greeting was heard
RESULT_MACHINE = "machine"
RESULT_NO_ACK = "no_ack"
