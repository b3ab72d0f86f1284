"""The retention purge on SQLite and PostgreSQL: aggregates first, then details gone."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import delete, func, inspect, select
from typer.testing import CliRunner

from binalert import migrate
from binalert.clock import utcnow
from binalert.models import (
    Alert,
    AlertStats,
    Base,
    CallAttempt,
    Delivery,
    DeliveryEvent,
    Member,
    SmsMessage,
    SmsPart,
    SmsReply,
    WebSession,
)
from binalert.retention import cutoff, purge_call_details, purge_sounds
from boot.cli import app as binalert_app
from store.db import Store

NOW = datetime.now(UTC)
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
LAST_OUTCOME = {"acknowledged": "answered", "unreachable": "busy", "unacknowledged": "machine"}


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session, dropped afterwards."""
    name = f"binalert_test_retention_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    migrate.upgrade(url)
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'retention.db'}"
        migrate.upgrade(url)
    else:
        url = request.getfixturevalue("postgres_url")
    store = Store(url)
    yield store
    with store.session() as session:  # leave the shared database empty
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    store.dispose()


@dataclass
class Seeded:
    old: int
    recent: int
    active: int
    open_old: int


def _alert(session, status: str, ended_days_ago: float, created_offset: float = 600) -> Alert:
    ended = NOW - timedelta(days=ended_days_ago)
    alert = Alert(
        created_by="dispatch",
        created_at=ended - timedelta(seconds=created_offset),
        incident_ref="PV-1",
        bin_ids=[1],
        messages={"nl": "Inbraak bezig"},
        valid_until=ended,
        status=status,
        completed_at=None if status == "active" else ended,
    )
    session.add(alert)
    session.flush()
    return alert


def _delivery(session, alert: Alert, status: str, language: str = "nl", ack: float | None = None):
    member = Member(name="Lid", phone="+3250123456")
    session.add(member)
    session.flush()
    delivery = Delivery(
        alert_id=alert.id,
        member_id=member.id,
        status=status,
        last_outcome=LAST_OUTCOME.get(status),
        language=language,
        phones=["+3250123456"],
        acknowledged_at=alert.created_at + timedelta(seconds=ack) if ack is not None else None,
    )
    session.add(delivery)
    session.flush()
    session.add(DeliveryEvent(alert_id=alert.id, delivery_id=delivery.id, kind=status, data={}))
    return delivery


def _attempts(session, delivery: Delivery, *outcomes: str | None) -> None:
    for number, outcome in enumerate(outcomes, start=1):
        session.add(
            CallAttempt(
                delivery_id=delivery.id,
                number=number,
                channel_id=f"bin-{delivery.id:08d}-{number:02d}",
                pbx="pbx1",
                deadline=NOW,
                outcome=outcome,
            )
        )


def _seed_old_alert(session) -> int:
    alert = _alert(session, "completed", ended_days_ago=100)
    first = _delivery(session, alert, "acknowledged", ack=30)
    _attempts(session, first, "answered")
    second = _delivery(session, alert, "acknowledged", language="fr", ack=90)
    _attempts(session, second, "no_answer", "answered")
    third = _delivery(session, alert, "unreachable")
    _attempts(session, third, "busy", "no_answer", None)
    fourth = _delivery(session, alert, "unacknowledged", language="de")
    _attempts(session, fourth, "answered")
    return alert.id


def _seed(store: Store) -> Seeded:
    with store.session() as session:
        old = _seed_old_alert(session)
        recent = _alert(session, "completed", ended_days_ago=5)
        _attempts(session, _delivery(session, recent, "acknowledged", ack=10), "answered")
        active = _alert(session, "active", ended_days_ago=120)
        _delivery(session, active, "unreachable")
        open_old = _alert(session, "cancelled", ended_days_ago=200)
        _delivery(session, open_old, "calling")
        return Seeded(old, recent.id, active.id, open_old.id)


def _details(store: Store, alert_id: int) -> tuple[int, int, int]:
    with store.session() as session:
        deliveries = select(Delivery.id).where(Delivery.alert_id == alert_id)
        return (
            session.scalar(select(func.count()).where(Delivery.alert_id == alert_id)) or 0,
            session.scalar(select(func.count()).where(CallAttempt.delivery_id.in_(deliveries)))
            or 0,
            session.scalar(select(func.count()).where(DeliveryEvent.alert_id == alert_id)) or 0,
        )


def _purge(store: Store, days: int = 90):
    with store.session() as session:
        return purge_call_details(session, cutoff(days))


def test_old_finished_alert_is_summarised_then_purged(store: Store) -> None:
    seeded = _seed(store)
    result = _purge(store)
    assert result.alert_ids == [seeded.old]
    assert (result.deliveries, result.call_attempts, result.delivery_events) == (4, 7, 4)
    assert (result.summarised, result.skipped_open) == (1, 1)
    assert _details(store, seeded.old) == (0, 0, 0)
    with store.session() as session:
        assert session.get(Alert, seeded.old) is not None
        stats = session.get(AlertStats, seeded.old)
        assert stats is not None
        assert (stats.deliveries, stats.acknowledged, stats.call_attempts) == (4, 2, 7)
        assert stats.status_counts == {"acknowledged": 2, "unreachable": 1, "unacknowledged": 1}
        assert stats.outcome_counts == {"answered": 3, "no_answer": 2, "busy": 1, "none": 1}
        assert stats.last_outcome_counts == {"answered": 2, "busy": 1, "machine": 1}
        assert stats.language_counts == {"nl": 2, "fr": 1, "de": 1}
        assert stats.seconds_to_first_ack == pytest.approx(30.0)
        assert stats.median_seconds_to_ack == pytest.approx(60.0)
        assert stats.p90_seconds_to_ack == pytest.approx(90.0)


def _sms(session, alert_id: int | None, days_ago: float, status: str = "delivered") -> int:
    sms = SmsMessage(
        kind="alert" if alert_id else "cannot_read",
        alert_id=alert_id,
        phone="+32470123456",
        language="nl",
        text="Inbraak bezig",
        encoding="gsm7",
        parts=1,
        status=status,
        created_at=NOW - timedelta(days=days_ago),
    )
    session.add(sms)
    session.flush()
    session.add(SmsPart(sms_id=sms.id, part=1, message_id=f"m{sms.id}", status=status))
    return sms.id


def test_the_purge_takes_old_sms_and_replies_with_their_numbers_and_keeps_recent_ones(
    store: Store,
) -> None:
    seeded = _seed(store)
    with store.session() as session:
        gone = [_sms(session, seeded.old, 100), _sms(session, None, 100)]
        kept = [
            _sms(session, seeded.recent, 5),
            _sms(session, None, 5),
            _sms(session, None, 100, status="queued"),  # not sent yet: never purged
        ]
        session.add(
            SmsReply(from_phone="+32470123456", text="ja", received_at=NOW - timedelta(days=100))
        )
        session.add(
            SmsReply(from_phone="+32470123456", text="1", received_at=NOW - timedelta(days=5))
        )
    result = _purge(store)
    assert (result.sms, result.sms_replies) == (2, 1)
    with store.session() as session:
        left = set(session.scalars(select(SmsMessage.id)))
        assert left == set(kept) and not left & set(gone)
        assert session.scalar(select(func.count()).select_from(SmsPart)) == len(kept)
        assert list(session.scalars(select(SmsReply.text))) == ["1"]


def test_recent_active_and_open_alerts_keep_their_details(store: Store) -> None:
    seeded = _seed(store)
    _purge(store)
    assert _details(store, seeded.recent) == (1, 1, 1)
    assert _details(store, seeded.active) == (1, 0, 1)
    assert _details(store, seeded.open_old) == (1, 0, 1)
    with store.session() as session:
        kept = [seeded.recent, seeded.active, seeded.open_old]
        assert session.scalars(select(AlertStats).where(AlertStats.alert_id.in_(kept))).all() == []


def test_a_second_purge_changes_nothing(store: Store) -> None:
    seeded = _seed(store)
    _purge(store)
    again = _purge(store)
    assert (again.alerts, again.summarised, again.deliveries) == (0, 0, 0)
    with store.session() as session:
        stats = session.get(AlertStats, seeded.old)
        assert stats is not None and stats.deliveries == 4


def test_a_shorter_retention_reaches_recent_alerts(store: Store) -> None:
    seeded = _seed(store)
    result = _purge(store, days=1)
    assert sorted(result.alert_ids) == sorted([seeded.old, seeded.recent])


def test_cutoff_needs_at_least_one_day() -> None:
    with pytest.raises(ValueError):
        cutoff(0)
    assert cutoff(90, now=NOW) == NOW - timedelta(days=90)


def test_cli_purges_with_days_and_with_the_setting(store: Store, monkeypatch) -> None:
    seeded = _seed(store)
    monkeypatch.setenv("BINALERT_DATABASE_URL", store.url)
    monkeypatch.setenv("BINALERT_RETENTION_DAYS", "150")
    by_setting = CliRunner().invoke(binalert_app, ["purge"])
    assert by_setting.exit_code == 0, by_setting.output
    assert "purged 0 alert(s)" in by_setting.output
    by_option = CliRunner().invoke(binalert_app, ["purge", "--days", "90"])
    assert by_option.exit_code == 0, by_option.output
    assert "purged 1 alert(s)" in by_option.output
    assert _details(store, seeded.old) == (0, 0, 0)
    assert CliRunner().invoke(binalert_app, ["purge", "--days", "0"]).exit_code != 0


def test_cli_refuses_an_old_schema(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0001")
    monkeypatch.setenv("BINALERT_DATABASE_URL", url)
    result = CliRunner().invoke(binalert_app, ["purge"])
    assert isinstance(result.exception, migrate.SchemaOutOfDate)


def test_migration_0002_downgrades_and_upgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mig.db'}"
    migrate.upgrade(url, "0002")
    command.downgrade(migrate.alembic_config(url), "0001")
    store = Store(url)
    assert "alert_stats" not in inspect(store.engine).get_table_names()
    migrate.upgrade(url, "0002")
    assert "alert_stats" in inspect(store.engine).get_table_names()
    store.dispose()


def _sounds(folder: Path, **ages_in_days: float) -> None:
    """A cached sound (its .wav and .sln16) per name, last used that many days ago."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, days in ages_in_days.items():
        used = time.time() - days * 86400
        for suffix in (".wav", ".sln16"):
            path = folder / f"{name}{suffix}"
            path.write_bytes(b"RIFF....WAVE")
            os.utime(path, (used, used))


def _left(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_the_purge_deletes_sounds_unused_for_the_retention(tmp_path: Path) -> None:
    folder = tmp_path / "sounds"
    _sounds(folder, plate=100, yesterday=1, now=0)
    assert purge_sounds(folder, cutoff(90)) == 1
    assert _left(folder) == {f"{n}{s}" for n in ("yesterday", "now") for s in (".wav", ".sln16")}
    assert purge_sounds(folder, cutoff(90)) == 0
    assert purge_sounds(tmp_path / "none", cutoff(90)) == 0


def test_cli_purge_deletes_old_sounds_and_keeps_fresh_ones(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'sounds.db'}"
    migrate.upgrade(url)
    folder = tmp_path / "sounds"
    _sounds(folder, plate=100, fresh=10)
    store = Store(url)
    with store.session() as s:  # a page session that expired long ago, and a live one
        long_ago = utcnow() - timedelta(days=100)
        s.add(WebSession(id="old", created_at=long_ago, last_seen_at=long_ago, expires_at=long_ago))
        s.add(WebSession(id="live", expires_at=utcnow() + timedelta(hours=1)))
    monkeypatch.setenv("BINALERT_DATABASE_URL", url)
    monkeypatch.setenv("BINALERT_SOUNDS_DIR", str(folder))
    monkeypatch.setenv("BINALERT_RETENTION_DAYS", "90")
    result = CliRunner().invoke(binalert_app, ["purge"])
    assert result.exit_code == 0, result.output
    assert "1 cached sound(s)" in result.output
    assert "1 ended page session(s) deleted" in result.output
    with store.session() as s:
        assert [row.id for row in s.query(WebSession)] == ["live"]
    store.dispose()
    assert _left(folder) == {"fresh.wav", "fresh.sln16"}
    shorter = CliRunner().invoke(binalert_app, ["purge", "--days", "5"])
    assert shorter.exit_code == 0, shorter.output
    assert _left(folder) == set()
