"""Channels when deliveries open (#22): who is called, who is texted and on which number, and
a dialer that never claims a delivery that only texts, on both databases."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Select, insert, select, text
from sqlalchemy.orm import Session

from binalert.deliveries import lifecycle, sms_rules
from binalert.deliveries import repository as repo
from binalert.deliveries.sms_rules import SmsConfig
from binalert.models import Alert, Bin, Delivery, Member
from ivr import wire
from store.db import Store

COUNTRIES = frozenset({"BE", "NL", "FR", "DE", "LU"})
NOW = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    id: int
    phone: str
    second_phone: str | None = None
    urgent_channels: str | None = None
    message_channels: str | None = None
    sms_stopped_at: datetime | None = None


def _opened(
    store: Store, people: list[Person], urgent: bool = True, sms: bool = True, **bin_: object
) -> dict[int, tuple[bool, str | None]]:
    """Each person's delivery's (call, sms_phone), opened for members stored as they are
    (`sms`: in an installation with SMS configured)."""
    if sms:
        sms_rules.configure(store.session_info, SmsConfig(COUNTRIES))
    with store.session() as s:
        found = Bin(name="BIN Sint-Kruis", municipality="Brugge", police_zone="Brugge", **bin_)
        s.add(found)
        s.flush()
        members = [Member(name=f"M{p.id}", language="nl", **asdict(p)) for p in people]
        s.add_all(members)
        s.flush()
        alert = Alert(
            created_by="test",
            incident_ref="PV-1",
            bin_ids=[found.id],
            messages={"nl": "Verdachte wagen."},
            sms_texts={"nl": "Dringend bericht ... Antwoord dan met 1."},
            urgent=urgent,
            valid_from=NOW,
            valid_until=NOW + timedelta(hours=1),
        )
        s.add(alert)
        s.flush()
        planned = [(m, NOW, found.id) for m in members]
        lifecycle.open_deliveries(s, alert, planned)
        rows = s.execute(select(Delivery.member_id, Delivery.call, Delivery.sms_phone)).all()
    return {row.member_id: (row.call, row.sms_phone) for row in rows}


def test_each_member_is_called_texted_or_both_as_they_chose(sqlite_store: Store) -> None:
    people = [
        Person(1, "+3250123440"),  # nothing chosen: the BIN's default, a call
        Person(2, "+3250123441", "+32470123456", urgent_channels="sms"),  # texted on the mobile
        Person(3, "+32470123457", urgent_channels="both"),
        Person(4, "+3250123443", urgent_channels="sms"),  # no mobile: called, never dropped
        Person(5, "+32470123459", urgent_channels="sms", sms_stopped_at=NOW),  # said STOP
        Person(6, "+447400123456", urgent_channels="sms"),  # a mobile of a country not allowed
        Person(7, "+32470123450", urgent_channels="call", message_channels="sms"),
    ]
    assert _opened(sqlite_store, people) == {
        1: (True, None),
        2: (False, "+32470123456"),
        3: (True, "+32470123457"),
        4: (True, None),
        5: (True, None),
        6: (True, None),
        7: (True, None),  # an urgent alert: their urgent choice
    }


def test_the_bins_default_holds_for_members_who_chose_nothing(sqlite_store: Store) -> None:
    people = [Person(1, "+32470123456"), Person(2, "+32470123457", message_channels="call")]
    opened = _opened(sqlite_store, people, urgent=False, message_channels="sms")
    assert opened == {1: (False, "+32470123456"), 2: (True, None)}


def test_without_sms_configured_everyone_is_called(sqlite_store: Store) -> None:
    people = [Person(1, "+32470123456", urgent_channels="sms")]
    assert _opened(sqlite_store, people, sms=False) == {1: (True, None)}


def _deliveries(store: Store, sms_only: int, called: int) -> int:
    """An urgent alert whose `sms_only` first deliveries only text, then `called` to call."""
    with store.session() as s:
        alert = Alert(
            created_by="test",
            incident_ref="PV-2",
            bin_ids=[1],
            messages={"nl": "x"},
            urgent=True,
            valid_from=NOW,
            valid_until=datetime.now(UTC) + timedelta(hours=1),
        )
        s.add(alert)
        s.flush()
        due = datetime.now(UTC) - timedelta(minutes=1)
        rows = [
            {
                "alert_id": alert.id,
                "status": "pending",
                "urgent": True,
                "language": "nl",
                "phones": [f"+324701{i:05d}"],
                "next_attempt_at": due,
                "updated_at": due,
                "call": i >= sms_only,
                "sms_phone": f"+324701{i:05d}" if i < sms_only else None,
            }
            for i in range(sms_only + called)
        ]
        s.execute(insert(Delivery), rows)
        return alert.id


def _plan(session: Session, query: Select[Any], params: dict[str, Any]) -> str:
    """The planner's plan for `query` (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""
    compiled = query.compile(session.get_bind())
    bound = compiled.construct_params(params)
    if session.get_bind().dialect.name == "postgresql":
        rows = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", bound)
    else:
        ordered = tuple(bound[name] for name in compiled.positiontup or ())
        rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", ordered)
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_dialer_never_claims_a_delivery_that_only_texts_and_reads_the_queue_index(
    backend: str, request: pytest.FixtureRequest
) -> None:
    store: Store = request.getfixturevalue(f"{'pg' if backend == 'postgres' else 'sqlite'}_store")
    _deliveries(store, sms_only=2000, called=5)
    if store.is_postgres:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    now = datetime.now(UTC)
    with store.session() as s:
        plan = _plan(s, repo._DUE, {"now": now, "limit": 20, "pbx": "", "avoid_until": now})
        # a partial index of the dialable deliveries (whichever the planner likes for so few)
        assert "ix_deliveries_queue" in plan or "ix_deliveries_next" in plan, plan
        assert not re.search(r"Seq Scan on deliveries|SCAN deliveries$", plan, re.M), plan
        assert repo.next_due_time(s) is not None
        options = lifecycle.ClaimOptions("w1", "pbx1", wire.call_id, 60)
        claimed = lifecycle.claim_due(s, now, 20, options)
        assert len(claimed) == 5
        assert repo.next_due_time(s) is None  # 2,000 SMS-only deliveries wake no dialer
        assert s.scalar(select(Delivery.call).where(Delivery.id == claimed[0].delivery_id))
