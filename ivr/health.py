"""Whether a PBX can place calls, judged from its calls and its own answers (pure, no I/O).

A PBX that places nothing (no channel type, a trunk that refuses us) must not turn every
member into "unreachable" within seconds: it is marked unhealthy, says why, and claims no
more calls (other PBXes take them, or they wait) until a probe call after the back-off gets
through.
"""

from __future__ import annotations

from dataclasses import dataclass

STRIKES = 3  # calls in a row the PBX could not place before it counts as unhealthy
BACKOFF_SECONDS = 30.0  # an unhealthy PBX tries one call again after this


@dataclass
class PbxHealth:
    healthy: bool = True
    reason: str | None = None
    strikes: int = 0
    since: float = 0.0  # when it became unhealthy, or last probed (monotonic seconds)

    def placed(self) -> bool:
        """A call got through to the network (whatever the member did). True if this made
        the PBX healthy again."""
        recovered = not self.healthy
        self.healthy, self.reason, self.strikes = True, None, 0
        return recovered

    def not_placed(self, reason: str, now: float) -> bool:
        """A call the PBX could not place. True if this made the PBX unhealthy."""
        self.strikes += 1
        return self.strikes >= STRIKES and self.fail(reason, now)

    def fail(self, reason: str, now: float) -> bool:
        """The PBX cannot place calls (a check or the trunk says so). True if it was healthy."""
        was_healthy = self.healthy
        self.healthy, self.reason, self.since = False, reason, now
        return was_healthy

    def may_probe(self, now: float) -> bool:
        """Unhealthy, and the back-off is over: one call may try again (once per back-off)."""
        if self.healthy or now - self.since < BACKOFF_SECONDS:
            return False
        self.since = now
        return True


SPEECH_PROBE_SECONDS = 15.0  # a process that cannot speak tries again after this


@dataclass
class SpeechHealth:
    """Whether this process can speak (one speech service per process, shared by its
    dialers). A synthesis that fails (engine missing or broken, sounds folder unwritable)
    makes it unhealthy with the reason: its dialers claim nothing (another worker's can),
    its heartbeat says why, and a check after SPEECH_PROBE_SECONDS finds out when it works
    again. Before, every call was "not placed" every 10 s, and nobody was told."""

    healthy: bool = True
    reason: str | None = None
    since: float = 0.0

    def spoke(self) -> bool:
        """Speech was made. True if this made the process healthy again."""
        recovered = not self.healthy
        self.healthy, self.reason = True, None
        return recovered

    def failed(self, reason: str, now: float) -> bool:
        """Speech failed. True if the process was healthy until now."""
        was_healthy = self.healthy
        self.healthy, self.reason, self.since = False, reason, now
        return was_healthy

    def may_probe(self, now: float) -> bool:
        """Unhealthy, and the wait is over: check once more (once per wait)."""
        if self.healthy or now - self.since < SPEECH_PROBE_SECONDS:
            return False
        self.since = now
        return True
