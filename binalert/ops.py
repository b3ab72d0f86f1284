"""Readiness and Prometheus metrics, read from the store and the services at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text

from binalert.alerts import repository as alerts_repo
from binalert.models import AlertStatus
from binalert.runtime import Runtime
from binalert.webhooks import repository as webhooks_repo


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


def readiness(runtime: Runtime) -> tuple[bool, dict[str, Any]]:
    db = database_ok(runtime)
    services = service_health(runtime)
    ready = db and all(
        s.get("connected") is True and s.get("healthy", True) is True for s in services
    )
    return ready, {"ready": ready, "database": db, "services": services}


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

    def _service_metrics(self) -> Iterator[Metric]:
        health = service_health(self.runtime)
        in_flight = sum(_number(h.get("calls_in_flight")) for h in health)
        yield GaugeMetricFamily("binalert_calls_in_flight", "calls up now", value=in_flight)
        pbx = [p for h in health for p in _pbxes(h)]
        reconnects = CounterMetricFamily(
            "binalert_ami_reconnects", "AMI reconnects", labels=["pbx"]
        )
        connected = GaugeMetricFamily("binalert_ami_connected", "AMI logged in", labels=["pbx"])
        healthy = GaugeMetricFamily(
            "binalert_pbx_healthy", "the PBX can place calls (1) or not (0)", labels=["pbx"]
        )
        for h in pbx:
            reconnects.add_metric([str(h["pbx"])], _number(h.get("reconnects")))
            connected.add_metric([str(h["pbx"])], 1.0 if h.get("connected") is True else 0.0)
            healthy.add_metric([str(h["pbx"])], 0.0 if h.get("healthy") is False else 1.0)
        yield reconnects
        yield connected
        yield healthy
