"""Readiness and Prometheus metrics, read from the store and the services at scrape time.

Whether calls go out is judged the same way wherever the dialers run (binalert.workers): from
the heartbeats every dialing process writes to the store, and from this process's own
dialers if it has any. A PBX no live process dials through is not healthy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from binalert.alerts import repository as alerts_repo
from binalert.clock import utcnow
from binalert.deliveries import sms as sms_repo
from binalert.deliveries import sms_rules
from binalert.models import AlertStatus
from binalert.runtime import Runtime
from binalert.webhooks import repository as webhooks_repo
from binalert.workers import health
from binalert.workers import repository as workers_repo
from binalert.workers.health import HELD_NO_WORKER as NO_WORKER
from binalert.workers.health import DialerReport, PbxVerdict, SmsVerdict

Health = list[dict[str, object]]  # what each background service says (service_health)


def database_ok(runtime: Runtime) -> bool:
    try:
        with runtime.store.session() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def service_health(runtime: Runtime) -> list[dict[str, object]]:
    out = []
    for service in runtime.services:
        try:
            out.append(dict(service.health()))
        except Exception as error:
            out.append({"service": type(service).__name__, "connected": False, "error": str(error)})
    return out


def local_reports(runtime: Runtime, services: Health, now: datetime) -> list[DialerReport]:
    """What this process's own dialers say, as of now (fresher than their heartbeats)."""
    interval = runtime.settings.heartbeat_seconds
    reports = []
    for pbx in (p for s in services for p in _pbxes(s)):
        silent = pbx.get("connected") is True and pbx.get("answering") is False
        problems = (
            "no answer" if silent else _text(pbx.get("last_error")),
            _text(pbx.get("why")),
            _text(pbx.get("speech_why")),
        )
        report = health.report_of(
            str(pbx.get("worker") or runtime.settings.worker_id),
            str(pbx["pbx"]),
            connected=pbx.get("connected") is True and pbx.get("answering") is not False,
            placing=pbx.get("healthy") is not False,
            speaking=pbx.get("speech_healthy") is not False,
            problems=problems,
            now=now,
            interval_seconds=interval,
        )
        reports.append(report)
    return reports


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def dialing(runtime: Runtime, services: Health, now: datetime) -> list[PbxVerdict]:
    """Whether calls go out through each PBX (the configured ones, and any a live worker
    reports on), from every dialing process's heartbeat and this process's own dialers."""
    try:
        with runtime.store.session() as session:
            stored = workers_repo.reports(session)
    except Exception:  # the store is away: only what this process sees itself
        stored = []
    configured = [pbx.name for pbx in runtime.settings.pbxes]
    return health.judge(configured, [*stored, *local_reports(runtime, services, now)], now)


def sms_configured(runtime: Runtime) -> bool:
    """An SMSC is configured here (#22): SMS are queued, and some worker must send them."""
    return sms_rules.config_of(runtime.store.session_info) is not None


def sending_sms(runtime: Runtime, now: datetime) -> SmsVerdict:
    """Whether SMS go out: a live SMS worker (any process) is bound to the SMSC."""
    try:
        with runtime.store.session() as session:
            stored = workers_repo.reports(session)
    except Exception:
        stored = []
    return health.judge_sms(stored, now)


def calls_held(runtime: Runtime) -> list[str]:
    """Why no call can go out now (binalert.workers.health.HELD_KINDS); empty if they can."""
    return health.calls_held(dialing(runtime, service_health(runtime), utcnow()))


def readiness(runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    db = database_ok(runtime)
    services = service_health(runtime)
    now = utcnow()
    verdicts = dialing(runtime, services, now)
    local = all(s.get("connected") is True and s.get("healthy", True) is True for s in services)
    ready = db and local and all(v.healthy for v in verdicts)
    why = [f"PBX {v.pbx}: {v.reason}" for v in verdicts if not v.healthy]
    if not db:  # the heartbeats are in it: "no worker" would be a guess
        held = [f"PBX {v.pbx}: {v.reason}" for v in verdicts if v.held not in (None, NO_WORKER)]
        why = ["the database is unreachable (the workers' heartbeats are in it)", *held]
    if not local:
        why.append("a service of this process is not connected or not healthy (see services)")
    body = {
        "ready": ready,
        "database": db,
        "why": why,
        "pbxes": [v.as_dict(now) for v in verdicts],
        "services": services,
    }
    if sms_configured(runtime):  # an SMS link that is down holds SMS as a PBX holds calls
        sms = sending_sms(runtime, now)
        body["sms"] = sms.as_dict(now)
        if not sms.healthy:
            body["ready"] = ready = False
            why.append(f"SMS: {sms.reason}")
    return ready, body


def _pbxes(service: dict[str, object]) -> list[dict[str, object]]:
    """The per-PBX health a dispatcher reports (other services have none)."""
    pbxes = service.get("pbxes")
    return [p for p in pbxes if isinstance(p, dict)] if isinstance(pbxes, list) else []


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


class RuntimeCollector(Collector):
    """binalert_* metrics; `synthesis` is a callable giving (count, seconds) of syntheses."""

    def __init__(self, runtime: Runtime, synthesis: Any = None) -> None:
        self.runtime = runtime
        self.synthesis = synthesis

    def collect(self) -> Iterator[Metric]:
        yield from self._store_metrics()
        yield from self._service_metrics()
        if self.synthesis is not None:
            count, seconds = self.synthesis()
            yield CounterMetricFamily(
                "binalert_synthesis", "speech syntheses made by this process", value=count
            )
            yield CounterMetricFamily(
                "binalert_synthesis_seconds", "time spent synthesising speech", value=seconds
            )

    def _store_metrics(self) -> Iterator[Metric]:
        try:
            with self.runtime.store.session() as session:
                alerts = alerts_repo.status_counts(session)
                outcomes = alerts_repo.outcome_counts(session)
                jobs = webhooks_repo.job_status_counts(session)
        except Exception:
            yield GaugeMetricFamily("binalert_database_up", "store reachable", value=0)
            return
        yield GaugeMetricFamily("binalert_database_up", "store reachable", value=1)
        family = GaugeMetricFamily("binalert_alerts", "alerts by status", labels=["status"])
        for status in AlertStatus:
            family.add_metric([status.value], alerts.get(status.value, 0))
        yield family
        calls = CounterMetricFamily(
            "binalert_calls", "call attempts by outcome", labels=["outcome"]
        )
        for outcome, n in sorted(outcomes.items()):
            calls.add_metric([outcome], n)
        yield calls
        hooks = GaugeMetricFamily("binalert_webhook_jobs", "webhook jobs", labels=["status"])
        for job_status, n in sorted(jobs.items()):
            hooks.add_metric([job_status], n)
        yield hooks
        if sms_configured(self.runtime):
            yield from self._sms_metrics()

    def _sms_metrics(self) -> Iterator[Metric]:
        try:
            with self.runtime.store.session() as session:
                counts = sms_repo.count_by_status(session)
        except Exception:
            return
        family = GaugeMetricFamily("binalert_sms", "SMS by status", labels=["status"])
        for status, n in sorted(counts.items()):
            family.add_metric([status], n)
        yield family
        verdict = sending_sms(self.runtime, utcnow())
        yield GaugeMetricFamily(
            "binalert_sms_link_healthy",
            "SMS go out (1): a live SMS worker is bound to the SMSC; else 0",
            value=1.0 if verdict.healthy else 0.0,
        )
        yield GaugeMetricFamily(
            "binalert_sms_workers_alive", "processes sending SMS", value=float(len(verdict.workers))
        )

    def _service_metrics(self) -> Iterator[Metric]:
        services = service_health(self.runtime)
        in_flight = sum(_number(h.get("calls_in_flight")) for h in services)
        yield GaugeMetricFamily("binalert_calls_in_flight", "calls up now", value=in_flight)
        yield from _dialing_metrics(dialing(self.runtime, services, utcnow()))
        pbx = [p for h in services for p in _pbxes(h)]
        reconnects = CounterMetricFamily(
            "binalert_ami_reconnects", "AMI reconnects", labels=["pbx"]
        )
        connected = GaugeMetricFamily(
            "binalert_ami_connected", "this process's AMI session logged in", labels=["pbx"]
        )
        for h in pbx:
            reconnects.add_metric([str(h["pbx"])], _number(h.get("reconnects")))
            connected.add_metric([str(h["pbx"])], 1.0 if h.get("connected") is True else 0.0)
        yield reconnects
        yield connected


def _dialing_metrics(verdicts: list[PbxVerdict]) -> Iterator[Metric]:
    healthy = GaugeMetricFamily(
        "binalert_pbx_healthy",
        "calls go out through the PBX (1): a live worker is logged in, it places calls, and "
        "the worker can speak; else 0",
        labels=["pbx"],
    )
    speech = GaugeMetricFamily(
        "binalert_speech_healthy", "a live worker on the PBX can speak", labels=["pbx"]
    )
    workers = GaugeMetricFamily(
        "binalert_dialers_alive", "processes dialling through the PBX", labels=["pbx"]
    )
    for verdict in verdicts:
        healthy.add_metric([verdict.pbx], 1.0 if verdict.healthy else 0.0)
        speech.add_metric([verdict.pbx], 1.0 if verdict.speech_healthy else 0.0)
        workers.add_metric([verdict.pbx], float(len(verdict.dialers)))
    yield healthy
    yield speech
    yield workers
