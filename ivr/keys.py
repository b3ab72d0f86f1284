"""What each key does on a call: the one table of the keys, read by the code that builds a
call's variables (ivr.two_way) and by the code that reads the dialplan's events (ivr.dialer,
ivr.recovery). The dialplan (dialplans/extensions.conf, [binalert-alert]) acts on the same
keys; tests/ivr/test_keys.py checks that the two agree.

    digit  what it does                                         acknowledges  event
    1      confirms: the member heard the message               yes           BinalertAck
    2      the message and the keys again                       no            -
    3      put through to the police zone's dispatch line       yes           BinalertTransfer
    4      (calls in only) choose another language: 1-4         no            BinalertLanguage
    9      stop receiving these calls, once a second 9          no            BinalertStop
           confirms it (any other key goes back)
    other  "that is not the right key", the keys again          no            -
           (0, 5-8, *, #, and 3, 4 or 9 where not offered; after three, the call ends)

A key that acknowledges is written to AstDB before its event is raised, so a press made while
binalert is away is stored when it comes back (ivr.recovery); so is a confirmed 9.

A 9 is not an acknowledgement: the police count a 1 as "heard and confirmed", and a member
who says "stop calling me" has not said that. They did hear the message (9 is offered after
it), so the delivery ends without retry: cancelled after the call, reached, with a
`stopped_by_member` event the police see apart from acknowledged ones. A 1 then a 9 stays
acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr import channelvars as cv


@dataclass(frozen=True)
class Key:
    digit: str
    does: str
    offered: str  # when the call offers it
    event: str | None = None  # the UserEvent the dialplan raises for it (CallId: the call)
    acknowledges: bool = False
    astdb_family: str = ""  # where the press waits until binalert stored it ("": nowhere)


ACK = Key(
    "1",
    "confirms: the member heard the message",
    "on every call, in the keys prompt",
    cv.EVENT_ACK,
    acknowledges=True,
    astdb_family=cv.ACK_DB_FAMILY,
)
REPLAY = Key("2", "plays the message and the keys again", "on every call, in the keys prompt")
TRANSFER = Key(
    "3",
    "puts the member through to the police zone's dispatch line (acknowledged, outcome "
    "transferred; the call lasts while they talk)",
    "after the keys prompt, when the call has a dispatch line: urgent alerts whose zone has "
    "one; the zone's non-urgent messages and follow-ups only if it asks "
    "(binalert.deliveries.two_way.dispatch_number_of_alert)",
    cv.EVENT_TRANSFER,
    acknowledges=True,
    astdb_family=cv.TRANSFER_DB_FAMILY,
)
LANGUAGE = Key(
    "4",
    "asks for another language (1 Nederlands, 2 français, 3 Deutsch, 4 English); binalert "
    "calls the number back to confirm it",
    "on calls in only (a member calling the BIN number), after the keys prompt",
    cv.EVENT_LANGUAGE,
)
STOP = Key(
    "9",
    "stop receiving these calls: asks to press 9 again (any other key goes back); on "
    "binalert's own call the member stops at once, on a call in binalert calls back to confirm",
    "on every call: after the keys prompt, and once after the thanks of a 1",
    cv.EVENT_STOP,
    astdb_family=cv.STOP_DB_FAMILY,
)
KEYS = {key.digit: key for key in (ACK, REPLAY, TRANSFER, LANGUAGE, STOP)}
INVALID_DIGITS = "05678*#"
"""Keys that are never valid: 'that is not the right key' and the keys again."""
ACKNOWLEDGING = tuple(key for key in KEYS.values() if key.acknowledges)

TRANSFER_DIAL = cv.TRANSFER_DIAL
"""The variable that offers 3: the dispatch line's dial string; unset, 3 is an invalid key."""
TRANSFER_PIECES = {
    cv.TRANSFER_OFFER_AUDIO: "transfer_offer",  # "seen something? to report it: press 3"
    cv.TRANSFERRING_AUDIO: "transferring",
    cv.TRANSFER_FAILED_AUDIO: "transfer_failed",
    cv.TRANSFER_BUSY_AUDIO: "transfer_busy",  # "the police line is busy: call 101" (a cap)
}
"""What a call that offers 3 says about it: variable -> spoken piece (tts.phrases)."""
STOP_PIECES = {
    cv.STOP_OFFER_AUDIO: "stop_offer",  # "to stop receiving these calls: press 9"
    cv.STOP_CONFIRM_AUDIO: "stop_confirm",  # "press 9 again to stop; any other key: back"
    cv.STOPPED_AUDIO: "stopped",  # "you will not be called any more; your coordinator ..."
    cv.STOP_KEPT_AUDIO: "stop_kept",
    cv.KEYS_AUDIO: "prompt",
}
"""What every call says about 9: variable -> spoken piece (tts.phrases)."""


def by_event(name: str | None) -> Key | None:
    """The key whose press the dialplan reports with this UserEvent, if any."""
    for key in ACKNOWLEDGING:
        if key.event == name:
            return key
    return None
