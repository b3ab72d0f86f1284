"""Whether calls can go out through each PBX, judged from what every dialing process reports
(pure, no I/O).

A dialing process (`binalert worker`, or `binalert serve` with its dispatcher) reports per
PBX whether it is logged in and the PBX places calls, and whether it can speak (its speech
engine works). Calls go out through a PBX when at least one live dialer there can do both.
A report older than STALE_BEATS of its own intervals is a dead process's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

STALE_BEATS = 3  # a heartbeat not renewed for this many intervals: the worker is dead

# Why calls are held, most telling first (the page says each in the police's language).
HELD_NO_WORKER = "no_worker"  # no live process dials through the PBX
HELD_PBX = "pbx_unreachable"  # every dialer there has lost the PBX, or it places nothing
HELD_SPEECH = "speech_failing"  # the PBX is fine, but no dialer there can speak
HELD_KINDS = (HELD_PBX, HELD_SPEECH, HELD_NO_WORKER)

SMS_LINK = "sms:link"
"""The heartbeat of an SMS worker's link to the SMSC (#22) is kept beside the PBXes' under
this name (no PBX can have it: a PBX name has no colon); `pbx_healthy` says it is bound and
answering. It is judged apart (judge_sms), never as a PBX."""


@dataclass(frozen=True)
class DialerReport:
    """One dialing process about one PBX, at `last_seen`."""

    worker_id: str
    pbx: str
    pbx_healthy: bool
    speech_healthy: bool
    reason: str | None
    last_seen: datetime
    interval_seconds: float

    def alive(self, now: datetime) -> bool:
        return now - self.last_seen <= timedelta(seconds=self.interval_seconds * STALE_BEATS)

    @property
    def can_call(self) -> bool:
        return self.pbx_healthy and self.speech_healthy


@dataclass(frozen=True)
class PbxVerdict:
    """Whether calls go out through one PBX now, and if not, why."""

    pbx: str
    healthy: bool
    held: str | None  # one of HELD_KINDS when not healthy
    reason: str | None
    dialers: list[DialerReport] = field(default_factory=list)  # the live ones
    dead: list[DialerReport] = field(default_factory=list)  # stale heartbeats

    @property
    def speech_healthy(self) -> bool:
        return any(d.speech_healthy for d in self.dialers)

    def as_dict(self, now: datetime) -> dict[str, object]:
        return {
            "pbx": self.pbx,
            "healthy": self.healthy,
            "held": self.held,
            "reason": self.reason,
            "workers": [_worker(d, now, True) for d in self.dialers]
            + [_worker(d, now, False) for d in self.dead],
        }


def _worker(report: DialerReport, now: datetime, alive: bool) -> dict[str, object]:
    return {
        "worker": report.worker_id,
        "alive": alive,
        "pbx_healthy": report.pbx_healthy,
        "speech_healthy": report.speech_healthy,
        "reason": report.reason,
        "seconds_since_heartbeat": round((now - report.last_seen).total_seconds(), 1),
    }


def report_of(
    worker_id: str,
    pbx: str,
    *,
    connected: bool,
    placing: bool,
    speaking: bool,
    problems: tuple[str | None, str | None, str | None],
    now: datetime,
    interval_seconds: float,
) -> DialerReport:
    """A dialer's report, with one reason in plain words: `problems` are the AMI session's
    last error, why the PBX places nothing, and why speech fails (each None if unknown)."""
    lost, refused, mute = problems
    reason = None
    if not connected:
        reason = f"the phone system is unreachable ({lost or 'not connected'})"
    elif not placing:
        reason = f"the phone system places no calls ({refused or 'unknown cause'})"
    elif not speaking:
        reason = f"speech engine failing ({mute or 'unknown cause'})"
    healthy = connected and placing
    return DialerReport(worker_id, pbx, healthy, speaking, reason, now, interval_seconds)


def judge(pbxes: Iterable[str], reports: Iterable[DialerReport], now: datetime) -> list[PbxVerdict]:
    """A verdict for each configured PBX and each PBX a live dialer reports on. `reports`
    may hold one worker's report twice (its own, fresher, and its heartbeat): the newest wins."""
    newest = _newest(r for r in reports if r.pbx != SMS_LINK)
    live = [r for r in newest.values() if r.alive(now)]
    names = list(dict.fromkeys([*pbxes, *(r.pbx for r in live)]))
    return [
        _verdict(
            name,
            [r for r in live if r.pbx == name],
            [r for r in newest.values() if r.pbx == name and not r.alive(now)],
        )
        for name in names
    ]


def _newest(reports: Iterable[DialerReport]) -> dict[tuple[str, str], DialerReport]:
    newest: dict[tuple[str, str], DialerReport] = {}
    for report in reports:
        key = (report.worker_id, report.pbx)
        if key not in newest or newest[key].last_seen < report.last_seen:
            newest[key] = report
    return newest


def _verdict(pbx: str, live: list[DialerReport], dead: list[DialerReport]) -> PbxVerdict:
    if any(r.can_call for r in live):
        return PbxVerdict(pbx, True, None, None, live, dead)
    if not live:
        gone = f" (last heartbeat from {', '.join(sorted(r.worker_id for r in dead))})"
        reason = f"no worker is dialling through PBX {pbx}" + (gone if dead else "")
        return PbxVerdict(pbx, False, HELD_NO_WORKER, reason, live, dead)
    reached = [r for r in live if r.pbx_healthy]
    held = HELD_SPEECH if reached else HELD_PBX
    why = "; ".join(sorted({f"{r.worker_id}: {r.reason or held}" for r in reached or live}))
    return PbxVerdict(pbx, False, held, why, live, dead)


def calls_held(verdicts: list[PbxVerdict]) -> list[str]:
    """Why no call can go out at all (every PBX held), as HELD_KINDS in their order; empty
    when at least one PBX places calls."""
    if not verdicts or any(v.healthy for v in verdicts):
        return []
    found = {v.held for v in verdicts}
    return [kind for kind in HELD_KINDS if kind in found]


@dataclass(frozen=True)
class SmsVerdict:
    """Whether SMS go out now (#22): a live SMS worker is bound to the SMSC."""

    healthy: bool
    reason: str | None
    workers: list[DialerReport] = field(default_factory=list)  # the live ones
    dead: list[DialerReport] = field(default_factory=list)

    def as_dict(self, now: datetime) -> dict[str, object]:
        return {
            "healthy": self.healthy,
            "reason": self.reason,
            "workers": [
                {
                    "worker": r.worker_id,
                    "alive": alive,
                    "bound": r.pbx_healthy,
                    "reason": r.reason,
                    "seconds_since_heartbeat": round((now - r.last_seen).total_seconds(), 1),
                }
                for rows, alive in ((self.workers, True), (self.dead, False))
                for r in rows
            ],
        }


def sms_report(
    worker_id: str, bound: bool, problem: str | None, now: datetime, interval_seconds: float
) -> DialerReport:
    """An SMS worker's report on its link (kept as a heartbeat under SMS_LINK)."""
    reason = None if bound else f"the SMSC is unreachable ({problem or 'not bound'})"
    return DialerReport(worker_id, SMS_LINK, bound, True, reason, now, interval_seconds)


def judge_sms(reports: Iterable[DialerReport], now: datetime) -> SmsVerdict:
    """SMS go out when a live SMS worker is bound; else why not (no worker, or none bound)."""
    newest = _newest(r for r in reports if r.pbx == SMS_LINK)
    live = [r for r in newest.values() if r.alive(now)]
    dead = [r for r in newest.values() if not r.alive(now)]
    if any(r.pbx_healthy for r in live):
        return SmsVerdict(True, None, live, dead)
    if not live:
        return SmsVerdict(False, "no worker is sending SMS", live, dead)
    why = "; ".join(sorted(f"{r.worker_id}: {r.reason}" for r in live))
    return SmsVerdict(False, why, live, dead)
