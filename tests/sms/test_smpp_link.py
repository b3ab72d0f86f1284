"""binalert's SMPP link against the lab SMSC, a real SMPP server (lab/smsc): what the SMSC
received is what the library on its side decoded and put together, not what we sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import smpplib.consts as c

from lab.smsc import HANDSET, LAB_SOURCE, LabSmsc
from sms import IncomingMessage, Receipt, Refused, SmppLink, Submitted, Unconfirmed


class Inbox:
    """What the link handed its handlers."""

    def __init__(self) -> None:
        self.receipts: list[Receipt] = []
        self.messages: list[IncomingMessage] = []

    async def on_receipt(self, receipt: Receipt) -> None:
        self.receipts.append(receipt)

    async def on_message(self, message: IncomingMessage) -> None:
        self.messages.append(message)

    async def wait(self, what: Callable[[], bool], timeout: float = 5.0) -> None:
        await until(what, timeout)


async def until(what: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


@asynccontextmanager
async def bound_link(
    smsc: LabSmsc,
    inbox: Inbox,
    *,
    on_message: Any = None,
    response_timeout: float = 30,
    throttle_pause: float = 0.5,
    **settings: Any,
) -> AsyncIterator[SmppLink]:
    link = SmppLink(
        smsc.smsc_settings(**settings),
        inbox.on_receipt,
        on_message or inbox.on_message,
        submit_wait=10,
        response_timeout=response_timeout,
        throttle_pause=throttle_pause,
    )
    await link.start()
    try:
        assert await link.wait_bound(5), "the link did not bind"
        yield link
    finally:
        await link.close()


def received_by(smsc: LabSmsc, destination: str) -> list[dict[str, Any]]:
    return [m for m in smsc.messages() if m["destination"] == destination.lstrip("+")]


async def test_a_text_goes_out_and_each_handset_s_receipt_or_refusal_comes_back(
    smsc: LabSmsc,
) -> None:
    inbox = Inbox()
    async with bound_link(smsc, inbox, enquire_seconds=0.5) as link:
        outcomes = {
            handset: await link.submit(handset.e164(1), "Inbraak gemeld in uw straat. Bel 101.")
            for handset in (
                HANDSET.DELIVERED,
                HANDSET.EXPIRED,
                HANDSET.UNDELIVERABLE,
                HANDSET.NO_RECEIPT,
                HANDSET.REJECTED,
            )
        }
        refused = outcomes.pop(HANDSET.REJECTED)
        assert isinstance(refused, Refused) and refused.code == c.SMPP_ESME_RINVDSTADR
        assert all(isinstance(o, Submitted) and len(o.message_ids) == 1 for o in outcomes.values())
        ids = {h: o.message_ids[0] for h, o in outcomes.items() if isinstance(o, Submitted)}
        await inbox.wait(lambda: len(inbox.receipts) == 3)
        await asyncio.sleep(1.2)  # two keep-alive intervals: still bound, no stray receipt
        assert link.healthy and link.binds == 1
    states = {r.message_id: r.state for r in inbox.receipts}
    assert states == {
        ids[HANDSET.DELIVERED]: "delivered",
        ids[HANDSET.EXPIRED]: "expired",
        ids[HANDSET.UNDELIVERABLE]: "undeliverable",
    }
    [message] = received_by(smsc, HANDSET.DELIVERED.e164(1))
    assert message["text"] == "Inbraak gemeld in uw straat. Bel 101."
    assert message["source"] == LAB_SOURCE.lstrip("+") and message["data_coding"] == [0]


async def test_a_french_text_with_e_circumflex_and_c_cedilla_goes_as_ucs2_and_arrives_intact(
    smsc: LabSmsc,
) -> None:
    text = "Vol signalé près de la forêt, rue du Garçon. Fermez à clé. Appelez le 101."
    async with bound_link(smsc, Inbox()) as link:
        result = await link.submit(HANDSET.DELIVERED.e164(2), text)
    assert isinstance(result, Submitted) and result.encoding == "ucs2"
    [message] = received_by(smsc, HANDSET.DELIVERED.e164(2))
    assert message["text"] == text
    assert message["parts"] == 2  # 74 characters: UCS-2 holds 70 in one SMS, 67 a part
    assert message["data_coding"] == [c.SMPP_ENCODING_ISO10646] * 2


async def test_a_400_character_dutch_text_arrives_as_one_message_in_3_parts(
    smsc: LabSmsc,
) -> None:
    sentence = "Verdacht voertuig gezien in de Kerkstraat, nummerplaat 1-ABC-234, grijze Golf. "
    text = (sentence * 6)[:399] + "."
    assert len(text) == 400
    inbox = Inbox()
    async with bound_link(smsc, inbox) as link:
        result = await link.submit(HANDSET.DELIVERED.e164(3), text)
        assert isinstance(result, Submitted) and result.encoding == "gsm7"
        await inbox.wait(lambda: len(inbox.receipts) >= 3)
    [message] = received_by(smsc, HANDSET.DELIVERED.e164(3))
    assert message["parts"] == 3 and message["ids"] == list(result.message_ids)
    assert message["text"] == text
    assert {r.message_id for r in inbox.receipts} == set(result.message_ids)


async def test_throttling_answers_are_waited_out_and_the_provider_limit_is_held(
    smsc: LabSmsc,
) -> None:
    numbers = HANDSET.DELIVERED.numbers(30, start=100)
    smsc.configure(mps=20)
    async with bound_link(smsc, Inbox(), mps=60, window=10) as link:
        results = await asyncio.gather(*(link.submit(n, "Test") for n in numbers))
    assert all(isinstance(r, Submitted) for r in results)
    assert {m["destination"] for m in smsc.messages()} == {n.lstrip("+") for n in numbers}
    assert smsc.status()["answers"].get("0x58", 0) > 0, "the SMSC never throttled"

    smsc.reset()
    smsc.configure(mps=20)
    started = time.monotonic()
    async with bound_link(smsc, Inbox(), mps=20, window=10) as link:
        results = await asyncio.gather(*(link.submit(n, "Test") for n in numbers))
    elapsed = time.monotonic() - started
    assert all(isinstance(r, Submitted) for r in results)
    assert smsc.status()["answers"] == {"0x0": 30}, "kept under the limit: never throttled"
    assert elapsed >= 29 / 20


async def test_a_full_smsc_queue_is_waited_out_and_an_unanswered_submit_is_not_sent_twice(
    smsc: LabSmsc,
) -> None:
    numbers = HANDSET.DELIVERED.numbers(12, start=300)
    smsc.configure(window=2, latency_ms=50)  # the SMSC holds 2 unanswered submits a bind
    async with bound_link(smsc, Inbox(), window=6, mps=100, throttle_pause=0.1) as link:
        results = await asyncio.gather(*(link.submit(n, "Test") for n in numbers))
    assert all(isinstance(r, Submitted) for r in results)
    assert smsc.status()["answers"].get("0x14", 0) > 0, "the SMSC never said its queue was full"
    assert len(smsc.messages()) == 12

    smsc.reset()
    smsc.configure(window=0, latency_ms=0)
    async with bound_link(smsc, Inbox(), response_timeout=1.0) as link:
        held_until = time.monotonic() + 2.5
        smsc.hold(2.5)  # accepted, but answered only after the link gave up waiting
        result = await link.submit(HANDSET.DELIVERED.e164(399), "Test")
        assert isinstance(result, Unconfirmed) and result.message_ids == ()
        await until(lambda: link.binds == 2)  # an SMSC that does not answer: bound again
        # the SMSC answers again once its hold is over (a submit before that would be held
        # too: under load, its answer could come after the link's 1 s)
        await asyncio.sleep(max(0.0, held_until - time.monotonic()) + 0.2)
        assert isinstance(await link.submit(HANDSET.DELIVERED.e164(398), "Test"), Submitted)
    assert [m["destination"] for m in smsc.messages()] == ["32470010399", "32470010398"]


async def test_a_bind_dropped_mid_stream_is_bound_again_and_nothing_is_lost(
    smsc: LabSmsc,
) -> None:
    numbers = HANDSET.DELIVERED.numbers(60, start=200)
    inbox = Inbox()
    async with bound_link(smsc, inbox, mps=100, window=5) as link:
        sending = asyncio.gather(*(link.submit(n, "Nieuws van uw BIN") for n in numbers))
        while len(smsc.messages()) < 20:
            await asyncio.sleep(0.01)
        assert smsc.drop_binds() == 1
        results = await sending
        assert link.binds == 2
        submitted = [r for r in results if isinstance(r, Submitted)]
        unconfirmed = [r for r in results if isinstance(r, Unconfirmed)]
        assert len(submitted) + len(unconfirmed) == 60 and len(unconfirmed) <= 5
        # receipts held while the bind was down come on the new bind (store and forward)
        ids = {i for r in submitted for i in r.message_ids}
        await inbox.wait(lambda: ids <= {r.message_id for r in inbox.receipts})
    received = [m["destination"] for m in smsc.messages()]
    assert len(received) == len(set(received)), "a message went out twice"
    sent_ok = {numbers[i].lstrip("+") for i, r in enumerate(results) if isinstance(r, Submitted)}
    assert sent_ok <= set(received)


async def test_a_reply_whose_handler_fails_is_offered_again_and_handled_later(
    smsc: LabSmsc,
) -> None:
    inbox = Inbox()
    database_down = True

    async def store_reply(message: IncomingMessage) -> None:
        if database_down:
            raise ConnectionError("database down")
        inbox.messages.append(message)

    async with bound_link(smsc, inbox, on_message=store_reply) as link:
        assert isinstance(await link.submit(HANDSET.REPLIES_FRENCH.e164(4), "Alerte"), Submitted)
        smsc.send_mo(HANDSET.REPLIES_JA.e164(4), "ja")
        await inbox.wait(lambda: len(offered_mo(smsc)) >= 2)
        first_offers = [d for d in offered_mo(smsc) if d["attempt"] == 1]
        assert [d["status"] for d in first_offers] == [c.SMPP_ESME_RX_T_APPN] * 2
        assert inbox.messages == []
        database_down = False
        await inbox.wait(lambda: len(inbox.messages) == 2)
    assert sorted(inbox.messages, key=lambda m: m.source) == [
        IncomingMessage("+32470030004", "ja"),
        IncomingMessage("+32470120004", "Reçu, ça va, merci"),
    ]
    answered = [d for d in offered_mo(smsc) if d["status"] == 0]
    assert len(answered) == 2 and all(d["attempt"] >= 2 for d in answered)


def offered_mo(smsc: LabSmsc) -> list[dict[str, Any]]:
    return [d for d in smsc.deliveries() if d["kind"] == "mo"]
