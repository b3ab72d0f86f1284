"""At most once (#22): a `binalert worker` process SIGKILLed between an SMS's submit and the
SMSC's answer sends no second SMS. The submit was recorded (submitting) and committed before
it went out; the next worker never claims it, takes it as unknown once its lease ran out, and
the SMSC's receipt for that number reconciles it (delivered)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from binalert.deliveries import sms_rules
from binalert.deliveries.sms_rules import SmsConfig
from binalert.models import Delivery, SmsMessage
from lab.smsc import HANDSET, LabSmsc
from store.db import Store
from tests.sms.processes import workers
from tests.sms_alerts import Planned, open_alert

pytestmark = pytest.mark.postgres


def _until(what: str, check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def _sms_status(store: Store) -> str | None:
    with store.session() as s:
        return s.scalar(select(SmsMessage.status))


def test_a_worker_killed_between_submit_and_answer_sends_no_second_sms(
    pg_store: Store, smsc: LabSmsc, tmp_path: Path
) -> None:
    sms_rules.configure(pg_store.session_info, SmsConfig())
    phone = HANDSET.DELIVERED.e164(42)
    to_phone = phone.lstrip("+")
    smsc.hold(60)  # the SMSC takes the submit, and answers only in a minute
    _, [delivery] = open_alert(pg_store, [Planned(phone, call=False)])
    with workers(tmp_path, pg_store.url, smsc) as running:
        running.start("sms-w1")
        _until("the submit at the SMSC", lambda: len(smsc.messages()) == 1)
        assert _sms_status(pg_store) == "submitting"  # recorded before it went out
        running.kill("sms-w1")  # between the submit and the SMSC's answer
        smsc.hold(0)
        running.start("sms-w2")
        _until("reconciled by its receipt", lambda: _sms_status(pg_store) == "delivered")
        _until("the delivery final", lambda: _delivery_status(pg_store, delivery) != "pending")
    assert [m["destination"] for m in smsc.messages()] == [to_phone]  # one SMS, never two
    assert _delivery_status(pg_store, delivery) == "unacknowledged"


def _delivery_status(store: Store, delivery_id: int) -> str:
    with store.session() as s:
        delivery = s.get(Delivery, delivery_id)
        assert delivery is not None
        return delivery.status
