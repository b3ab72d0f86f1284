"""SMS in the delivery lifecycle (#22), in the store on SQLite and PostgreSQL: the alert's SMS
queued as deliveries open, a claim recorded before the submit (a worker that dies after it
never sends twice; a later receipt for that number reconciles it), receipts per part, the
receipt timeout, SMS-only deliveries' final states after the reply window, replies (1 and its
words, STOP, anything else, strangers), the BIN's fallback SMS, and cancel/erase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from binalert.deliveries import lifecycle, sms_rules
from binalert.deliveries.lifecycle import Receipt
from binalert.deliveries.policy import RetryPolicy
from binalert.deliveries.sms_rules import ReplyAction, SmsConfig
from binalert.errors import Invalid
from binalert.models import (
    Alert,
    AlertStatus,
    CallOutcome,
    Delivery,
    DeliveryEvent,
    Member,
    MemberRecord,
    SmsKind,
    SmsMessage,
    SmsPart,
    SmsReply,
)
from ivr import wire
from lab.smsc import HANDSET
from store.db import Store
from tests.sms_alerts import Planned, open_alert

PBX = "pbx1"
MOBILE = HANDSET.DELIVERED.e164(1)
LANDLINE = "+3250100042"


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def sms_store(store: Store) -> Store:
    sms_rules.configure(store.session_info, SmsConfig(frozenset({"BE"}), 4))
    return store


def _status(store: Store, delivery_id: int) -> str:
    with store.session() as s:
        delivery = s.get(Delivery, delivery_id)
        assert delivery is not None
        return delivery.status


def _sms(store: Store, **where: object) -> list[SmsMessage]:
    with store.session() as s:
        query = select(SmsMessage).filter_by(**where).order_by(SmsMessage.id)
        return list(s.scalars(query))


def _events(store: Store, delivery_id: int) -> list[tuple[str, dict[str, object]]]:
    with store.session() as s:
        rows = s.scalars(
            select(DeliveryEvent)
            .where(DeliveryEvent.delivery_id == delivery_id)
            .order_by(DeliveryEvent.id)
        )
        return [(e.kind, e.data) for e in rows]


def _claim(store: Store, now: datetime, limit: int = 10, worker: str = "w1") -> list[int]:
    with store.session() as s:
        return [row.id for row in lifecycle.claim_sms(s, now, limit, worker)]


def _send(store: Store, sms_id: int, *message_ids: str, now: datetime) -> None:
    with store.session() as s:
        assert lifecycle.sms_sent(s, sms_id, list(message_ids), now)


def _receipt(
    store: Store, message_id: str, state: str, now: datetime, phone: str | None = None
) -> Receipt:
    with store.session() as s:
        return lifecycle.record_receipt(s, message_id, state, now, phone=phone)


def _reply(store: Store, phone: str, text: str, now: datetime) -> str:
    with store.session() as s:
        return lifecycle.handle_reply(s, phone, text, now)


def _sweep(store: Store, now: datetime) -> int:
    with store.session() as s:
        return lifecycle.sweep_sms(s, now)


def test_an_sms_only_delivery_is_texted_once_and_ends_after_the_reply_window(
    sms_store: Store,
) -> None:
    alert_id, [delivery] = open_alert(sms_store, [Planned(MOBILE, call=False)])
    [queued] = _sms(sms_store, delivery_id=delivery)
    assert (queued.kind, queued.status, queued.phone) == ("alert", "queued", MOBILE)
    assert (queued.parts, queued.encoding) == (1, "gsm7")
    assert queued.text == "Dringend: let op. Antwoord 1."
    start = _now()
    assert _claim(sms_store, start) == [queued.id]
    assert _claim(sms_store, start) == []  # recorded as submitting: never claimed twice
    _send(sms_store, queued.id, "m-1", now=start)
    assert _receipt(sms_store, "m-1", "DELIVRD", start) is Receipt.RECORDED
    assert _receipt(sms_store, "m-1", "DELIVRD", start) is Receipt.RECORDED  # offered again
    _sweep(sms_store, start + timedelta(seconds=sms_rules.REPLY_WINDOW_SECONDS - 1))
    assert _status(sms_store, delivery) == "pending"  # the member may still reply 1
    _sweep(sms_store, start + timedelta(seconds=sms_rules.REPLY_WINDOW_SECONDS))
    with sms_store.session() as s:
        done = s.get(Delivery, delivery)
        alert = s.get(Alert, alert_id)
        assert done is not None and alert is not None
        assert (done.status, done.reached, alert.status) == ("unacknowledged", True, "completed")
    kinds = [kind for kind, _ in _events(sms_store, delivery)]
    assert kinds == ["sms_queued", "sms_sent", "sms_delivered", "delivery_final"]
    final = _events(sms_store, delivery)[-1][1]
    assert final["channel"] == "sms"


def test_the_dialer_never_calls_an_sms_only_delivery_and_the_alert_waits_for_it(
    sms_store: Store,
) -> None:
    alert_id, [sms_only, called] = open_alert(
        sms_store, [Planned(MOBILE, call=False), Planned(LANDLINE, sms=False)]
    )
    options = lifecycle.ClaimOptions("w1", PBX, wire.call_id, 60)
    now = _now() + timedelta(seconds=1)
    with sms_store.session() as s:
        claimed = lifecycle.claim_due(s, now, 10, options)
    assert [c.delivery_id for c in claimed] == [called]
    with sms_store.session() as s:
        lifecycle.finish_call(
            s, claimed[0].channel_id, CallOutcome.NO_ANSWER, now, RetryPolicy(1, (60,))
        )
    with sms_store.session() as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None and alert.status == AlertStatus.ACTIVE.value
    assert _status(sms_store, called) == "unreachable"
    assert _status(sms_store, sms_only) == "pending"  # its SMS still to go: the alert waits


def test_a_reply_1_acknowledges_and_stops_the_calls_of_a_member_called_and_texted(
    sms_store: Store,
) -> None:
    _, [delivery] = open_alert(sms_store, [Planned(MOBILE)])
    options = lifecycle.ClaimOptions("w1", PBX, wire.call_id, 60)
    now = _now() + timedelta(seconds=1)
    with sms_store.session() as s:
        [call] = lifecycle.claim_due(s, now, 10, options)
    assert _reply(sms_store, MOBILE, " Ja. ", now) == ReplyAction.ACK.value
    assert _status(sms_store, delivery) == "acknowledged"
    with sms_store.session() as s:  # the call ringing then ends: no retry
        lifecycle.finish_call(s, call.channel_id, CallOutcome.NO_ANSWER, now, RetryPolicy())
        assert lifecycle.claim_due(s, now + timedelta(hours=1), 10, options) == []
    assert _status(sms_store, delivery) == "acknowledged"
    acknowledged = [d for k, d in _events(sms_store, delivery) if k == "acknowledged"]
    assert len(acknowledged) == 1 and acknowledged[0]["channel"] == "sms"
    with sms_store.session() as s:
        reply = s.scalars(select(SmsReply)).one()
        assert (reply.action, reply.delivery_id) == ("ack", delivery)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("1", ReplyAction.ACK),
        (" 1 ", ReplyAction.ACK),
        ("1.", ReplyAction.ACK),
        ("Ja.", ReplyAction.ACK),
        ("JA", ReplyAction.ACK),
        ("oui !", ReplyAction.ACK),
        ("Yes", ReplyAction.ACK),
        ("OK!", ReplyAction.ACK),
        ("STOP", ReplyAction.STOP),
        ("stop", ReplyAction.STOP),
        ("Stop.", ReplyAction.STOP),
        ("Arrêt", ReplyAction.STOP),
        ("Stopp", ReplyAction.STOP),
        ("11", ReplyAction.OTHER),
        ("ja, maar wat moet ik doen?", ReplyAction.OTHER),
        ("stop met bellen aub", ReplyAction.OTHER),
        ("", ReplyAction.OTHER),
    ],
)
def test_replies_are_read_whatever_their_case_spacing_and_punctuation(
    text: str, action: ReplyAction
) -> None:
    assert sms_rules.classify(text) is action


def test_stop_opts_the_member_out_with_one_confirmation(sms_store: Store) -> None:
    _, [delivery] = open_alert(sms_store, [Planned(MOBILE, call=False, language="fr")])
    now = _now()
    assert _reply(sms_store, MOBILE, "Stop.", now) == ReplyAction.STOP.value
    assert _reply(sms_store, MOBILE, "STOP", now) == ReplyAction.STOP.value  # changes nothing
    [confirmation] = _sms(sms_store, kind=SmsKind.STOP_CONFIRMATION.value)
    assert confirmation.language == "fr" and "SMS" in confirmation.text
    with sms_store.session() as s:
        member = s.scalars(select(Member)).one()
        assert member.sms_stopped_at is not None
        records = s.scalars(select(MemberRecord)).all()
        assert [(r.kind, r.channel, r.member_id) for r in records] == [
            ("sms_stop", "sms", member.id)
        ]
        # the alert's SMS not sent yet is cancelled; its SMS-only delivery is unreachable
        assert (
            lifecycle.queue_sms(
                s, kind="alert", phone=MOBILE, language="fr", text="x", member_id=member.id, now=now
            )
            is None
        )
    [alert_sms] = _sms(sms_store, kind=SmsKind.ALERT.value)
    assert alert_sms.status == "cancelled"
    assert _status(sms_store, delivery) == "unreachable"


def test_anything_else_gets_one_polite_answer_a_day(sms_store: Store) -> None:
    open_alert(sms_store, [Planned(MOBILE, language="de")])
    now = _now()
    for text in ("Wer ist da?", "Hallo?", "Automatische Antwort: ich bin im Urlaub"):
        assert _reply(sms_store, MOBILE, text, now) == ReplyAction.OTHER.value
    [answer] = _sms(sms_store, kind=SmsKind.CANNOT_READ.value)
    assert "112" in answer.text and answer.language == "de"
    _reply(sms_store, MOBILE, "Hallo?", now + timedelta(hours=25))
    assert len(_sms(sms_store, kind=SmsKind.CANNOT_READ.value)) == 2


def test_a_sender_who_is_no_member_changes_nothing_and_gets_nothing(sms_store: Store) -> None:
    _, [delivery] = open_alert(sms_store, [Planned(MOBILE, call=False)])
    stranger = HANDSET.DELIVERED.e164(999)
    now = _now()
    for text in ("1", "STOP", "hello"):
        assert _reply(sms_store, stranger, text, now) == ReplyAction.STRANGER.value
    assert _reply(sms_store, "not a number", "1", now) == ReplyAction.STRANGER.value
    assert _status(sms_store, delivery) == "pending"
    assert len(_sms(sms_store)) == 1  # the alert's only
    with sms_store.session() as s:
        assert s.scalar(select(func.count()).select_from(SmsReply)) == 4
        assert s.scalars(select(Member.sms_stopped_at)).one() is None


def test_a_submit_whose_worker_died_is_never_sent_again_and_a_later_receipt_reconciles_it(
    sms_store: Store,
) -> None:
    _, [delivery] = open_alert(sms_store, [Planned(MOBILE, call=False)])
    start = _now()
    [sms_id] = _claim(sms_store, start)
    # the worker dies before the SMSC's answer is stored; a receipt now would be early
    assert _receipt(sms_store, "lost-1", "DELIVRD", start, phone=MOBILE) is Receipt.EARLY
    later = start + timedelta(seconds=sms_rules.SUBMIT_LEASE_SECONDS + 1)
    _sweep(sms_store, later)
    assert [m.status for m in _sms(sms_store)] == ["unknown"]
    assert _claim(sms_store, later + timedelta(hours=1)) == []  # never sent again
    # the SMSC's receipt names a message id we never heard of, for that number
    assert _receipt(sms_store, "lost-1", "DELIVRD", later, phone="32" + MOBILE[3:]) is (
        Receipt.RECORDED
    )
    assert [m.status for m in _sms(sms_store)] == ["delivered"]
    with sms_store.session() as s:
        part = s.scalars(select(SmsPart)).one()
        assert (part.sms_id, part.message_id, part.status) == (sms_id, "lost-1", "delivered")
    # and a receipt for another number or no number matches nothing
    assert _receipt(sms_store, "other", "DELIVRD", later, phone=LANDLINE) is Receipt.UNMATCHED
    assert _receipt(sms_store, "other", "DELIVRD", later) is Receipt.UNMATCHED
    _sweep(sms_store, later + timedelta(seconds=sms_rules.REPLY_WINDOW_SECONDS))
    assert _status(sms_store, delivery) == "unacknowledged"


def test_a_worker_hearing_the_answer_after_its_lease_still_records_it_as_sent(
    sms_store: Store,
) -> None:
    open_alert(sms_store, [Planned(MOBILE, call=False)])
    start = _now()
    [sms_id] = _claim(sms_store, start)
    _sweep(sms_store, start + timedelta(seconds=sms_rules.SUBMIT_LEASE_SECONDS + 1))
    _send(sms_store, sms_id, "late-1", now=start)
    assert [m.status for m in _sms(sms_store)] == ["sent"]


def test_throttled_goes_back_to_the_queue_and_a_permanent_error_fails(sms_store: Store) -> None:
    _, [first, second] = open_alert(
        sms_store, [Planned(MOBILE, call=False), Planned(HANDSET.REJECTED.e164(1), call=False)]
    )
    start = _now()
    throttled, rejected = _claim(sms_store, start)
    with sms_store.session() as s:
        assert lifecycle.sms_retry(s, throttled, start, "ESME_RTHROTTLED")
        assert lifecycle.sms_failed(s, rejected, start, "ESME_RINVDSTADR")
    assert _claim(sms_store, start) == []
    assert _claim(sms_store, start + timedelta(seconds=sms_rules.RETRY_SECONDS[0])) == [throttled]
    assert (_status(sms_store, first), _status(sms_store, second)) == ("pending", "unreachable")
    failed = [d for k, d in _events(sms_store, second) if k == "sms_failed"]
    assert failed[0]["sms_status"] == "failed"


def test_an_sms_is_delivered_only_when_every_part_is(sms_store: Store) -> None:
    now = _now()
    long_text = "Lange tekst. " * 30  # about 390 characters: 3 parts
    with sms_store.session() as s:
        ids = [
            lifecycle.queue_sms(s, kind="service", phone=p, language="nl", text=long_text, now=now)
            for p in (MOBILE, HANDSET.EXPIRED.e164(1))
        ]
    assert [m.parts for m in _sms(sms_store)] == [3, 3]
    whole, broken = _claim(sms_store, now)
    _send(sms_store, whole, "a1", "a2", "a3", now=now)
    _send(sms_store, broken, "b1", "b2", "b3", now=now)
    for message_id in ("a1", "a3", "b1"):
        _receipt(sms_store, message_id, "DELIVRD", now)
    assert [m.status for m in _sms(sms_store)] == ["sent", "sent"]
    _receipt(sms_store, "a2", "DELIVRD", now)
    _receipt(sms_store, "b2", "EXPIRED", now)
    _receipt(sms_store, "b3", "DELIVRD", now)
    assert [m.status for m in _sms(sms_store)] == ["delivered", "expired"]
    assert ids == [whole, broken]


def test_answers_and_receipts_that_came_together_are_recorded_as_each_alone_would_be(
    sms_store: Store,
) -> None:
    """The worker records what came together in one step each (sms_sent_many,
    record_receipts): guarded as alone, every receipt answered as alone, events as alone."""
    phones = [HANDSET.DELIVERED.e164(n) for n in range(1, 5)]
    _, deliveries = open_alert(sms_store, [Planned(p, call=False) for p in phones])
    now = _now()
    _claim(sms_store, now)
    sms_of = {m.delivery_id: m.id for m in _sms(sms_store)}
    a, b, c, d = (sms_of[delivery] for delivery in deliveries)
    with sms_store.session() as s:
        assert lifecycle.sms_sent_many(s, [(a, ["m-a"]), (b, ["m-b"]), (c, ["m-c"])], now) == [
            True,
            True,
            True,
        ]
        assert lifecycle.sms_sent_many(s, [(a, ["again"]), (d, ["m-d"])], now) == [False, True]
    came = lifecycle.SmsReceipt
    with sms_store.session() as s:
        stored = lifecycle.record_receipts(
            s,
            [
                came("m-a", "DELIVRD"),
                came("m-b", "UNDELIV", error="001"),
                came("m-a", "DELIVRD"),  # offered again
                came("m-c", "ENROUTE"),  # not final
                came("nobody", "DELIVRD", LANDLINE),
                came("m-d", "DELIVRD"),
            ],
            now,
        )
    assert stored == [Receipt.RECORDED] * 4 + [Receipt.UNMATCHED, Receipt.RECORDED]
    status = {m.id: m.status for m in _sms(sms_store)}
    assert [status[i] for i in (a, b, c, d)] == ["delivered", "undeliverable", "sent", "delivered"]
    with sms_store.session() as s:
        parts = {p.message_id: p.sms_id for p in s.scalars(select(SmsPart))}
    assert parts == {"m-a": a, "m-b": b, "m-c": c, "m-d": d}
    kinds = [k for k, _ in _events(sms_store, deliveries[0]) if k.startswith("sms_")]
    assert kinds == ["sms_queued", "sms_sent", "sms_delivered"]
    failed = [data for k, data in _events(sms_store, deliveries[1]) if k == "sms_failed"]
    assert [f["sms_status"] for f in failed] == ["undeliverable"]
    assert _status(sms_store, deliveries[1]) == "unreachable"  # nobody can have read it


def test_no_receipt_after_the_timeout_is_never_delivered(sms_store: Store) -> None:
    _, [delivery] = open_alert(sms_store, [Planned(HANDSET.NO_RECEIPT.e164(1), call=False)])
    start = _now()
    [sms_id] = _claim(sms_store, start)
    _send(sms_store, sms_id, "n-1", now=start)
    _sweep(sms_store, start + timedelta(seconds=sms_rules.RECEIPT_TIMEOUT_SECONDS - 1))
    assert [m.status for m in _sms(sms_store)] == ["sent"]
    _sweep(sms_store, start + timedelta(seconds=sms_rules.RECEIPT_TIMEOUT_SECONDS + 1))
    assert [m.status for m in _sms(sms_store)] == ["no_receipt"]
    with sms_store.session() as s:
        done = s.get(Delivery, delivery)
        assert done is not None and (done.status, done.reached) == ("unacknowledged", False)


def test_the_bins_fallback_texts_once_a_member_the_calls_did_not_reach(sms_store: Store) -> None:
    _, [unreached, texted] = open_alert(
        sms_store,
        [
            Planned(LANDLINE, sms=False, second_phone=HANDSET.REPLIES_1.e164(1)),
            Planned(MOBILE),  # called and texted: its SMS went already
        ],
        fallback=True,
    )
    options = lifecycle.ClaimOptions("w1", PBX, wire.call_id, 60)
    now = _now() + timedelta(seconds=1)
    while True:  # one round: each number once, unanswered
        with sms_store.session() as s:
            calls = lifecycle.claim_due(s, now, 10, options)
        if not calls:
            break
        for call in calls:
            with sms_store.session() as s:
                policy = RetryPolicy(1, (60,))
                lifecycle.finish_call(s, call.channel_id, CallOutcome.NO_ANSWER, now, policy)
    assert (_status(sms_store, unreached), _status(sms_store, texted)) == ("unreachable",) * 2
    [fallback] = _sms(sms_store, kind=SmsKind.FALLBACK.value)
    assert (fallback.delivery_id, fallback.phone) == (unreached, HANDSET.REPLIES_1.e164(1))
    assert fallback.text.startswith("We konden u niet bereiken per telefoon.")
    assert len(_sms(sms_store, delivery_id=texted)) == 1
    assert _reply(sms_store, HANDSET.REPLIES_1.e164(1), "1", now) == "ack"
    assert _status(sms_store, unreached) == "acknowledged"


def test_cancel_and_erase_cancel_queued_sms_and_forget_numbers(sms_store: Store) -> None:
    alert_id, [kept, erased] = open_alert(
        sms_store, [Planned(MOBILE, call=False), Planned(HANDSET.DELIVERED.e164(2))]
    )
    now = _now()
    _reply(sms_store, HANDSET.DELIVERED.e164(2), "hallo", now)
    with sms_store.session() as s:
        member_id = s.scalar(select(Delivery.member_id).where(Delivery.id == erased))
        assert member_id is not None
        lifecycle.forget_member(s, member_id)
    with sms_store.session() as s:
        phones = select(SmsMessage.phone).where(SmsMessage.delivery_id == erased)
        assert s.scalars(phones).all() == [None]
        assert s.scalars(select(SmsReply.from_phone)).all() == [None]
        delivery = s.get(Delivery, erased)
        assert delivery is not None and delivery.sms_phone is None
        lifecycle.cancel_alert(s, alert_id, now, "police")
    assert [m.status for m in _sms(sms_store, kind=SmsKind.ALERT.value)] == [
        "cancelled",
        "cancelled",
    ]
    assert _status(sms_store, kept) == "cancelled"


def test_numbers_that_may_not_be_texted_are_not(sms_store: Store, store: Store) -> None:
    now = _now()
    with sms_store.session() as s:
        for phone in (LANDLINE, "+32900123456", "+31612345678", "1789", None):
            assert (
                lifecycle.queue_sms(
                    s, kind="service", phone=phone, language="nl", text="x", now=now
                )
                is None
            ), phone
        with pytest.raises(Invalid):
            lifecycle.queue_sms(
                s, kind="service", phone=MOBILE, language="nl", text="a\x07b", now=now
            )
        with pytest.raises(Invalid):
            lifecycle.queue_sms(
                s, kind="service", phone=MOBILE, language="nl", text="x" * 800, now=now
            )
    store.session_info.pop(sms_rules.SMS_CONFIG)  # no SMSC configured: nothing is texted
    with store.session() as s:
        assert (
            lifecycle.queue_sms(s, kind="service", phone=MOBILE, language="nl", text="x", now=now)
            is None
        )


@pytest.mark.postgres
def test_two_workers_never_claim_the_same_sms(pg_store: Store) -> None:
    sms_rules.configure(pg_store.session_info, SmsConfig())
    now = _now()
    with pg_store.session() as s:
        for n in range(6):
            lifecycle.queue_sms(
                s, kind="service", phone=HANDSET.DELIVERED.e164(n), language="nl", text="x", now=now
            )
    with pg_store.session() as first:
        mine = lifecycle.claim_sms(first, now, 4, "w1")
        theirs = _claim(pg_store, now, 10, "w2")  # while the first claim is not committed
    assert len(mine) == 4 and len(theirs) == 2
    assert not {row.id for row in mine} & set(theirs)


def test_an_answer_lost_with_the_connection_is_unknown_and_its_receipts_reconcile_it(
    sms_store: Store,
) -> None:
    now = _now()
    with sms_store.session() as s:
        lifecycle.queue_sms(
            s, kind="service", phone=MOBILE, language="nl", text="Lang. " * 50, now=now
        )
    [sms_id] = _claim(sms_store, now)
    with sms_store.session() as s:  # part 1 confirmed, part 2 out, its answer lost
        assert lifecycle.sms_unconfirmed(s, sms_id, ["u1"], now, "connection closed")
    assert [m.status for m in _sms(sms_store)] == ["unknown"]
    assert _claim(sms_store, now + timedelta(hours=1)) == []  # never sent again
    _receipt(sms_store, "u1", "DELIVRD", now)
    assert [m.status for m in _sms(sms_store)] == ["unknown"]  # part 2 unknown yet
    _receipt(sms_store, "u2", "DELIVRD", now, phone=MOBILE)
    assert [m.status for m in _sms(sms_store)] == ["delivered"]


def test_a_reply_stored_but_not_acted_on_is_taken_up_once(sms_store: Store) -> None:
    _, [delivery] = open_alert(sms_store, [Planned(MOBILE, call=False)])
    now = _now()
    with sms_store.session() as s:  # stored; the worker died before acting on it
        lifecycle.store_reply(s, "0032" + MOBILE[3:], "Ja", now)
    later = now + timedelta(seconds=30)
    with sms_store.session() as s:
        [reply_id] = lifecycle.unhandled_replies(s, later)
        assert lifecycle.handle_stored_reply(s, reply_id, later) == "ack"
        assert lifecycle.handle_stored_reply(s, reply_id, later) is None
        assert lifecycle.unhandled_replies(s, later) == []
    assert _status(sms_store, delivery) == "acknowledged"


def test_a_members_own_sms_go_to_one_number_at_most_five_times_an_hour(sms_store: Store) -> None:
    now = _now()
    with sms_store.session() as s:
        queued = [
            lifecycle.queue_sms(
                s, kind="service", phone=MOBILE, language="nl", text=f"Code {n}", now=now
            )
            for n in range(7)
        ]
        later = lifecycle.queue_sms(
            s,
            kind="service",
            phone=MOBILE,
            language="nl",
            text="Code 8",
            now=now + timedelta(minutes=61),
        )
    assert [q is not None for q in queued] == [True] * 5 + [False] * 2
    assert later is not None
