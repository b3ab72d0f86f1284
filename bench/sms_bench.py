"""SMS over SMPP against the lab SMSC (a real SMPP server, lab/smsc): submits per second.

client      smpplib's own blocking Client (one submit, then its answer: a window of 1)
            beside binalert's link (sms/link.py) with a window of 1 and of 10, the
            provider's limit set far above (the client is what is measured). The SMSC
            answers each submit after LATENCY_MS, as a provider across a network does;
            on the loopback with no latency every client looks alike.
limit       the link at the provider limit of `make run` and a typical aggregator's:
            submits per second printed beside the limit, and whether the SMSC ever
            answered "throttled" (it must not: the link keeps under the limit).
10,000      an alert to 10,000 SMS members: every submit answered within the time the
            provider's limit allows (10,000 / mps), printed beside the time it took. With
            the SMS worker (sms/worker.py, when it is there) from queued rows in the
            store to sent; else the link alone, and the line says so.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import Callable

import smpplib.client
import smpplib.consts as c
import smpplib.gsm

from lab.smsc import HANDSET, LAB_PASSWORD, LAB_SOURCE, LAB_SYSTEM_ID, LabSmsc, running_smsc
from sms import SmppLink, Submitted
from sms.link import PACE_MARGIN

LATENCY_MS = 5
CLIENT_MESSAGES = 1_000
LIMITS = (20, 100)  # make run's lab SMSC, and an aggregator's account
LIMIT_MESSAGES = 300
ALERT_MEMBERS = 10_000
ALERT_MPS = 200
TEXT = "Inbraak gemeld in de Kerkstraat. Sluit deuren en ramen. Bel 101, of 112 bij nood."


def _numbers(count: int) -> list[str]:
    return [HANDSET.DELIVERED.e164(n % 10_000) for n in range(count)]


def _smpplib_blocking(smsc: LabSmsc, count: int) -> float:
    """smpplib's Client as its README uses it: send_message, then read_once for the answer."""
    client = smpplib.client.Client("127.0.0.1", smsc.port, allow_unknown_opt_params=True)
    answered: list[int] = []
    client.set_message_sent_handler(lambda pdu: answered.append(pdu.status))
    client.set_message_received_handler(lambda pdu: None)
    client.connect()
    client.bind_transceiver(system_id=LAB_SYSTEM_ID, password=LAB_PASSWORD)
    parts, coding, esm_class = smpplib.gsm.make_parts(TEXT)
    started = time.perf_counter()
    for number in _numbers(count):
        client.send_message(
            source_addr_ton=c.SMPP_TON_INTL,
            source_addr_npi=c.SMPP_NPI_ISDN,
            source_addr=LAB_SOURCE.lstrip("+"),
            dest_addr_ton=c.SMPP_TON_INTL,
            dest_addr_npi=c.SMPP_NPI_ISDN,
            destination_addr=number.lstrip("+"),
            short_message=parts[0],
            data_coding=coding,
            esm_class=esm_class,
            registered_delivery=0,
        )
        before = len(answered)
        while len(answered) == before:  # a deliver_sm may come first: read until the answer
            client.read_once()
    elapsed = time.perf_counter() - started
    client.unbind()
    client.disconnect()
    return count / elapsed


async def _ignore(_: object) -> None:
    return None


async def _link_rate(smsc: LabSmsc, count: int, *, window: int, mps: float) -> tuple[float, int]:
    """(submits a second, how many were not Submitted) for `count` concurrent submits."""
    link = SmppLink(smsc.smsc_settings(window=window, mps=mps), _ignore, _ignore)
    await link.start()
    try:
        if not await link.wait_bound(10):
            raise RuntimeError("the link did not bind to the lab SMSC")
        started = time.perf_counter()
        results = await asyncio.gather(*(link.submit(n, TEXT) for n in _numbers(count)))
        elapsed = time.perf_counter() - started
    finally:
        await link.close()
    return count / elapsed, sum(not isinstance(r, Submitted) for r in results)


def _clients(say: Callable[[str], None]) -> None:
    with running_smsc(mps=0, latency_ms=LATENCY_MS, receipt_delay_ms=50) as smsc:
        say(f"client (SMSC answers after {LATENCY_MS} ms, {CLIENT_MESSAGES} single-part SMS):")
        rate = _smpplib_blocking(smsc, CLIENT_MESSAGES)
        say(f"{'    smpplib Client, blocking (window 1)':<42}{rate:7.0f} SMS/s")
        for window in (1, 10, 50):
            smsc.reset()
            rate, failed = asyncio.run(_link_rate(smsc, CLIENT_MESSAGES, window=window, mps=1e3))
            line = f"    binalert link, window {window}"
            say(f"{line:<42}{rate:7.0f} SMS/s  ({failed} not sent)")


def _limits(say: Callable[[str], None]) -> None:
    for limit in LIMITS:
        with running_smsc(mps=limit, latency_ms=LATENCY_MS, receipt_delay_ms=50) as smsc:
            rate, failed = asyncio.run(_link_rate(smsc, LIMIT_MESSAGES, window=10, mps=limit))
            throttled = smsc.status()["answers"].get("0x58", 0)
            say(
                f"limit {limit:4d} SMS/s (window 10, {LIMIT_MESSAGES} SMS): {rate:6.1f} SMS/s "
                f"submitted, {throttled} answered throttled, {failed} not sent"
            )


def _alert(say: Callable[[str], None]) -> None:
    allowed = ALERT_MEMBERS / ALERT_MPS
    paced = allowed * PACE_MARGIN  # the link keeps 2 % under the limit
    with running_smsc(mps=ALERT_MPS, latency_ms=LATENCY_MS, receipt_delay_ms=50) as smsc:
        started = time.perf_counter()
        rate, failed = asyncio.run(_link_rate(smsc, ALERT_MEMBERS, window=10, mps=ALERT_MPS))
        took = time.perf_counter() - started
        status = smsc.status()
    worker = importlib.util.find_spec("sms.worker") is not None
    how = "the link alone" + ("" if worker else "; no SMS worker on this branch yet")
    verdict = "within it" if took <= paced + 1 else "OVER it"
    say(
        f"alert to {ALERT_MEMBERS:,} SMS members at {ALERT_MPS} SMS/s ({how}): the limit "
        f"allows {allowed:.1f} s ({paced:.1f} s at the link's pace), took {took:.1f} s "
        f"({rate:.0f} SMS/s), {verdict}; the SMSC received {status['messages']:,}, answered "
        f"{status['answers'].get('0x58', 0)} throttled; {failed} not sent"
    )


def main() -> None:
    _clients(print)
    _limits(print)
    _alert(print)


if __name__ == "__main__":
    main()
