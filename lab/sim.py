"""The lab's simulated members by name: which number to dial for which behaviour.

The dialplan is the truth: `dialplans/lab/sim-members.conf` (context binalert-sim-members)
decides what a member does from the first digits of the national number it is called on;
the last digits only make members distinct. Each name here says what that member does, so a
test, a bench or the demo reads as what happens (SIM.BUSY_THEN_PRESS_1) rather than as a
number to look up (050800001). A behaviour changed in the dialplan is changed here too.

    SIM.PRESS_1.number(7)              "050100007"
    SIM.NO_ANSWER.numbers(3)           ["050300000", "050300001", "050300002"]
    SIM.hangs_up_after(5).number(1)    "059050001"  (answers, hangs up after 5 s)
    SIM.refused_with(17).number(1)     "058170001"  (refused: Q.850 cause 17, user busy)
    SIM.PRESS_1.e164(7)                "+3250100007"
    SIM.of("050400012")                SIM.BUSY
"""

from __future__ import annotations

from dataclasses import dataclass

from binalert.phones import parse_phone
from lab.network import CALL_BACK_CONTEXT

NATIONAL_DIGITS = 9
"""A Belgian landline as dialled at home: 0 + zone + subscriber, nine digits."""


@dataclass(frozen=True)
class SimMember:
    """The simulated members whose numbers start with `prefix`; `does` is what they do."""

    prefix: str
    does: str

    @property
    def capacity(self) -> int:
        """How many distinct members of this behaviour there are."""
        return 10 ** (NATIONAL_DIGITS - len(self.prefix))

    def number(self, n: int) -> str:
        """The national number of the n-th member of this behaviour (n from 0)."""
        if not 0 <= n < self.capacity:
            raise ValueError(f"member {n} out of range for {self.prefix} (0..{self.capacity - 1})")
        return f"{self.prefix}{n:0{NATIONAL_DIGITS - len(self.prefix)}d}"

    def numbers(self, count: int, start: int = 0) -> list[str]:
        """`count` distinct members of this behaviour, from the `start`-th on."""
        return [self.number(n) for n in range(start, start + count)]

    def e164(self, n: int) -> str:
        """The n-th member's number as it is stored (E.164)."""
        return parse_phone(self.number(n)).e164


class SIM:
    """The named behaviours of dialplans/lab/sim-members.conf (a namespace, never made)."""

    PRESS_1 = SimMember("0501", "answers, says hello, presses 1 while the message still plays")
    PRESS_2_THEN_1 = SimMember("0502", "answers, presses 2 after the prompt, then 1 on the replay")
    NO_ANSWER = SimMember("0503", "never answers: rings until the originate timeout")
    BUSY = SimMember("0504", "is busy, every time")
    CONGESTION = SimMember("0505", "congestion (a network failure), every time")
    HANGS_UP = SimMember("0506", "answers, says hello, hangs up after a few seconds without a key")
    MACHINE = SimMember("0507", "an answering machine: long greeting, beep, 90 s of silence")
    BUSY_THEN_PRESS_1 = SimMember("0508", "busy on the first call, then answers and presses 1")
    INVALID_KEY_THEN_1 = SimMember("0509", "answers, presses 7 (an invalid key), then 1")
    LISTENS_ONLY = SimMember("0510", "answers and listens to everything, never presses a key")
    SILENT_PRESS_1 = SimMember("0511", "answers without a word, presses 1 two seconds in")
    SILENT_PRESS_2_THEN_1 = SimMember(
        "0512", "answers without a word, presses 2 after the prompt, then 1 on the replay"
    )
    LONG_GREETING_PRESS_1 = SimMember(
        "0513", "answers with a long personal greeting, listens, presses 1 when told how"
    )
    SILENT_INVALID_KEY_THEN_1 = SimMember(
        "0514", "answers without a word, presses 7 (an invalid key), then 1"
    )
    SILENT_LISTENS_ONLY = SimMember("0515", "answers without a word, listens, never presses")
    BUSY_THEN_SILENT_PRESS_1 = SimMember(
        "0516", "busy on the first call, then answers without a word and presses 1"
    )
    HELLO_TWICE_PRESS_1_LATE = SimMember(
        "0517", "says hallo twice, waits, presses 1 late (after the prompt)"
    )
    NOT_IN_SERVICE = SimMember(
        "0520", "not in service: an announcement as early media, never answered (cause 1)"
    )
    DISPATCH_LINE = SimMember(
        "0521", "a police dispatch line: answers, notes who was put through, hangs up after 20 s"
    )
    PRESS_3 = SimMember("0522", "answers, listens to the end, presses 3, talks for 15 s")
    PRESS_3_THEN_1 = SimMember("0523", "answers, listens to the end, presses 3, then 1")
    PRESS_3_TALKS = SimMember(
        "0524", "answers, listens to the end, presses 3, talks (a 600 Hz tone) for 15 s"
    )
    DISPATCH_LINE_TALKS = SimMember(
        "0525", "a police dispatch line: answers, talks (a 1500 Hz tone) for 25 s, hangs up"
    )
    PRESS_9_TWICE = SimMember(
        "0526", "answers, listens to the end, presses 9, then 9 again when asked to confirm"
    )
    PRESS_9_THEN_1 = SimMember(
        "0527", "answers, listens to the end, presses 9, then 1 (goes back), then 1 (confirms)"
    )

    NAMED = (
        PRESS_1,
        PRESS_2_THEN_1,
        NO_ANSWER,
        BUSY,
        CONGESTION,
        HANGS_UP,
        MACHINE,
        BUSY_THEN_PRESS_1,
        INVALID_KEY_THEN_1,
        LISTENS_ONLY,
        SILENT_PRESS_1,
        SILENT_PRESS_2_THEN_1,
        LONG_GREETING_PRESS_1,
        SILENT_INVALID_KEY_THEN_1,
        SILENT_LISTENS_ONLY,
        BUSY_THEN_SILENT_PRESS_1,
        HELLO_TWICE_PRESS_1_LATE,
        NOT_IN_SERVICE,
        DISPATCH_LINE,
        PRESS_3,
        PRESS_3_THEN_1,
        PRESS_3_TALKS,
        DISPATCH_LINE_TALKS,
        PRESS_9_TWICE,
        PRESS_9_THEN_1,
    )

    @staticmethod
    def hangs_up_after(seconds: int) -> SimMember:
        """Members 059TTxxxx: answer (no greeting) and hang up after TT seconds, so calls of
        a known length."""
        if not 0 <= seconds <= 99:
            raise ValueError(f"a simulated call lasts 0..99 s, not {seconds}")
        return SimMember(f"059{seconds:02d}", f"answers and hangs up after {seconds} s")

    @staticmethod
    def talks_for(seconds: int) -> SimMember:
        """Members 057TTxxxx: answer and echo what they hear for TT seconds (audio both
        ways), then hang up: calls for measuring capacity."""
        if not 1 <= seconds <= 99:
            raise ValueError(f"a simulated call lasts 1..99 s, not {seconds}")
        return SimMember(f"057{seconds:02d}", f"answers and talks back for {seconds} s")

    @staticmethod
    def refused_with(cause: int) -> SimMember:
        """Members 058CCxxxx: the network refuses the call with Q.850 cause CC before it
        rings (e.g. 17 user busy, 21 call rejected, 34 no circuit)."""
        if not 0 <= cause <= 99:
            raise ValueError(f"a Q.850 cause here is 0..99, not {cause}")
        return SimMember(f"058{cause:02d}", f"refused by the network with Q.850 cause {cause}")

    @staticmethod
    def of(number: str) -> SimMember:
        """The behaviour of a simulated member's national number."""
        if len(number) == NATIONAL_DIGITS and number.isdigit():
            if number.startswith("059"):
                return SIM.hangs_up_after(int(number[3:5]))
            if number.startswith("058"):
                return SIM.refused_with(int(number[3:5]))
            if number.startswith("057"):
                return SIM.talks_for(int(number[3:5]))
            for member in SIM.NAMED:
                if number.startswith(member.prefix):
                    return member
        raise ValueError(f"{number!r} is not a simulated member's number")


CALLERS_CONTEXT = "binalert-sim-callers"
"""dialplans/lab/sim-callers.conf: what a member calling the BIN number back does."""


@dataclass(frozen=True)
class SimCaller:
    """A simulated member who calls the BIN number back from their number, over the lab's
    carrier (lab.network: lab-calls-binalert), and does what `extension` says."""

    extension: str
    does: str

    def command(self, national: str, via: str = CALL_BACK_CONTEXT) -> str:
        """The carrier's CLI command that places the call from `national` (a number of nine
        or ten digits, as dialled at home). `via`: how the network presents it (lab.network:
        asserted by default; UNASSERTED_CALL_BACK_CONTEXT, FORGED_CALL_BACK_CONTEXT)."""
        if not (national.isdigit() and national.startswith("0") and 9 <= len(national) <= 10):
            raise ValueError(f"{national!r} is not a national number")
        return (
            f"channel originate Local/{national}@{via}/n "
            f"extension {self.extension}@{CALLERS_CONTEXT}"
        )


class CALLERS:
    """The named behaviours of dialplans/lab/sim-callers.conf (a namespace, never made)."""

    LISTENS = SimCaller("listen", "listens to everything, presses nothing")
    HANGS_UP_AFTER_10S = SimCaller("hear-10", "listens for 10 s after the answer, hangs up")
    PRESS_1 = SimCaller("press-1", "listens until the keys were said, then presses 1")
    CHOOSE_ENGLISH = SimCaller(
        "choose-4", "listens to the end, presses 4 (another language), then 4 (English)"
    )
    STOP = SimCaller("stop-9", "listens to the end, presses 9, then 9 again to confirm")
