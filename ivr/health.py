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
