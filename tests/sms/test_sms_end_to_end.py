"""An urgent alert to a member called only, one texted only and one called and texted,
through the lab network (binalert's PBX with the shipped configuration, the carrier's
simulated members) and the lab SMSC, by one real `binalert worker` (#22): the called member's
1 acknowledges; the texted member's STOP opts them out with one confirmation; the member
both called and texted replies 1 by SMS while their call rings: acknowledged by SMS, never
called again; the receipts reach the delivery events; the alert completes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from binalert.deliveries import sms_rules
from binalert.deliveries.sms_rules import SmsConfig
from binalert.models import Alert, CallAttempt, Delivery, DeliveryEvent, Member
from lab.cli import lab_environment
from lab.pbx import LabPbx, temporary_network
from lab.sim import SIM
from lab.smsc import HANDSET, LabSmsc
from store.db import Store
from tests.sms.processes import workers
from tests.sms_alerts import Planned, open_alert
from tts.sms_phrases import sms_phrase

pytestmark = [pytest.mark.pbx, pytest.mark.postgres]

CALLS = {
    "BINALERT_RING_TIMEOUT": "6",
    "BINALERT_RETRY_DELAYS": "1",
    "BINALERT_MAX_ATTEMPTS": "3",
    "BINALERT_AMD_ENABLED": "false",
    "BINALERT_CALL_DEADLINE": "60",
}


FINAL = ("acknowledged", "unacknowledged", "unreachable", "cancelled", "expired")


@pytest.fixture(scope="module")
def network() -> Iterator[tuple[LabPbx, LabPbx]]:
    with temporary_network(f"test{os.getpid()}s") as pair:
        yield pair


def _until(what: str, check: Callable[[], bool], timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.2)


def _deliveries(store: Store, ids: list[int]) -> list[Delivery]:
    with store.session() as s:
        found = {d.id: d for d in s.scalars(select(Delivery).where(Delivery.id.in_(ids)))}
    return [found[i] for i in ids]


def _received(smsc: LabSmsc, phone: str) -> list[str]:
    return [m["text"] for m in smsc.messages() if m["destination"] == phone.lstrip("+")]


def test_an_urgent_alert_reaches_members_called_texted_or_both(
    pg_store: Store, smsc: LabSmsc, network: tuple[LabPbx, LabPbx], tmp_path: Path
) -> None:
    pbx, _carrier = network
    sms_rules.configure(pg_store.session_info, SmsConfig())
    called = SIM.PRESS_1.numbers(1)[0]  # national numbers (050...): stored as E.164
    texted = HANDSET.REPLIES_STOP.e164(5)
    # never answers the call; replies 1 to the SMS a few seconds later, while it rings
    both_phone, both_mobile = SIM.NO_ANSWER.numbers(1)[0], HANDSET.REPLIES_LATE.e164(5)
    alert_id, ids = open_alert(
        pg_store,
        [
            Planned(called, sms=False),
            Planned(texted, call=False),
            Planned(both_phone, second_phone=both_mobile, texted_on=both_mobile),
        ],
    )
    with workers(tmp_path, pg_store.url, smsc, lab_environment(pbx) | CALLS) as running:
        running.start("sms-e2e")
        _until(
            "every delivery final",
            lambda: all(d.status in FINAL for d in _deliveries(pg_store, ids)),
        )
        _until("STOP confirmed", lambda: len(_received(smsc, texted)) == 2)
    statuses = [d.status for d in _deliveries(pg_store, ids)]
    assert statuses == ["acknowledged", "unacknowledged", "acknowledged"]
    with pg_store.session() as s:
        attempts = {
            d: list(s.scalars(select(CallAttempt).where(CallAttempt.delivery_id == d))) for d in ids
        }
        events = {
            d: [
                (e.kind, e.data.get("channel"))
                for e in s.scalars(
                    select(DeliveryEvent)
                    .where(DeliveryEvent.delivery_id == d)
                    .order_by(DeliveryEvent.id)
                )
            ]
            for d in ids
        }
        stopped = s.scalar(select(Member.sms_stopped_at).where(Member.phone == texted))
        alert = s.get(Alert, alert_id)
        assert alert is not None
        alert_status = alert.status
    assert not attempts[ids[1]]  # the member texted only is never called
    acknowledged_at = _deliveries(pg_store, ids)[2].acknowledged_at
    assert acknowledged_at is not None
    calls = [(a.started_at, a.outcome) for a in attempts[ids[2]]]
    assert len(calls) <= 1 and all(started < acknowledged_at for started, _ in calls), calls
    assert ("acknowledged", None) in events[ids[0]]  # by their 1 on the call
    assert ("acknowledged", "sms") in events[ids[2]]  # by their 1 by SMS, while it rang
    assert ("sms_delivered", None) in events[ids[1]] and ("sms_delivered", None) in events[ids[2]]
    assert stopped is not None
    assert _received(smsc, texted)[1] == sms_phrase("stop_confirmation", "nl")
    assert len(_received(smsc, both_mobile)) == 1
    assert alert_status == "completed"
