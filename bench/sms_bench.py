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
import contextlib
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import smpplib.client
import smpplib.consts as c
import smpplib.gsm
from sqlalchemy import func, select

from bench.backends import on_each_backend
from binalert.clock import utcnow
from binalert.deliveries import lifecycle
from binalert.models import SmsKind, SmsMessage, SmsStatus
from binalert.runtime import Runtime
from binalert.settings import Settings
from lab.pbx import free_port
from lab.smsc import HANDSET, LAB_PASSWORD, LAB_SOURCE, LAB_SYSTEM_ID, LabSmsc, running_smsc
from sms import SmppLink, Submitted
from sms.link import PACE_MARGIN
from sms.worker import SmsWorker
from store.db import Store

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
    _kannel(say)


KANNEL = Path("/usr/sbin/bearerbox"), Path("/usr/sbin/smsbox")
KANNEL_CONF = """
group = core
admin-port = {admin}
admin-password = labadmin
admin-allow-ip = 127.0.0.1
smsbox-port = {box}
box-allow-ip = 127.0.0.1
log-level = 3
log-file = "{tmp}/bearerbox.log"
dlr-storage = internal

group = smsc
smsc = smpp
smsc-id = lab
host = 127.0.0.1
port = {smsc_port}
transceiver-mode = true
smsc-username = {system_id}
smsc-password = {password}
system-type = "VMA"
max-pending-submits = 10
source-addr-ton = 1
source-addr-npi = 1
dest-addr-ton = 1
dest-addr-npi = 1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {send}
sendsms-interface = 127.0.0.1
global-sender = {source}
log-level = 3
log-file = "{tmp}/smsbox.log"

group = sendsms-user
username = binalert
password = labsend
"""


def _kannel(say: Callable[[str], None]) -> None:
    """Kannel (Debian's) as a gateway in between: binalert would post each SMS to smsbox's
    sendsms over HTTP, bearerbox binds to the SMSC (window 10). Only where Kannel is
    installed (`apt-get install kannel`; make does not)."""
    if not all(path.exists() for path in KANNEL):
        say("    Kannel as a gateway: skipped (bearerbox not installed)")
        return
    with (
        running_smsc(mps=0, latency_ms=LATENCY_MS, receipt_delay_ms=50) as smsc,
        tempfile.TemporaryDirectory(prefix="binalert-kannel-") as tmp,
    ):
        admin, box, send = free_port(), free_port(), free_port()
        conf = Path(tmp) / "kannel.conf"
        conf.write_text(
            KANNEL_CONF.format(
                admin=admin,
                box=box,
                send=send,
                tmp=tmp,
                smsc_port=smsc.port,
                system_id=LAB_SYSTEM_ID,
                password=LAB_PASSWORD,
                source=LAB_SOURCE.lstrip("+"),
            )
        )
        bearerbox = _start(KANNEL[0], conf)
        smsbox = None
        try:
            _wait_kannel_online(admin)
            smsbox = _start(KANNEL[1], conf)
            rate = asyncio.run(_post_to_kannel(send, smsc, CLIENT_MESSAGES))
        finally:
            for process in (smsbox, bearerbox):
                if process is not None:
                    process.terminate()
                    process.wait(10)
    line = "    Kannel between (HTTP sendsms, window 10)"
    say(f"{line:<42}{rate:7.0f} SMS/s")


def _start(program: Path, conf: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(program), str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_kannel_online(admin: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            status = httpx.get(f"http://127.0.0.1:{admin}/status.txt?password=labadmin").text
            if "(online" in status:
                return
        time.sleep(0.2)
    raise RuntimeError("Kannel's bearerbox did not bind to the lab SMSC")


async def _post_to_kannel(port: int, smsc: LabSmsc, count: int) -> float:
    """count SMS posted 20 at a time; the rate at which the SMSC received them."""
    started = time.perf_counter()
    gate = asyncio.Semaphore(20)
    async with httpx.AsyncClient(timeout=30) as client:

        async def post(number: str) -> None:
            query = {"username": "binalert", "password": "labsend", "text": TEXT}
            for _ in range(100):  # smsbox may still be connecting to bearerbox
                async with gate:
                    with contextlib.suppress(httpx.TransportError):
                        answer = await client.get(
                            f"http://127.0.0.1:{port}/cgi-bin/sendsms",
                            params=query | {"to": number.lstrip("+")},
                        )
                        if answer.status_code == 202:
                            return
                await asyncio.sleep(0.1)
            raise RuntimeError("Kannel did not take an SMS")

        await asyncio.gather(*(post(n) for n in _numbers(count)))
    while len(smsc.messages()) < count and time.perf_counter() - started < 120:
        await asyncio.sleep(0.05)
    return len(smsc.messages()) / (time.perf_counter() - started)


def _limits(say: Callable[[str], None]) -> None:
    for limit in LIMITS:
        with running_smsc(mps=limit, latency_ms=LATENCY_MS, receipt_delay_ms=50) as smsc:
            rate, failed = asyncio.run(_link_rate(smsc, LIMIT_MESSAGES, window=10, mps=limit))
            throttled = smsc.status()["answers"].get("0x58", 0)
            say(
                f"limit {limit:4d} SMS/s (window 10, {LIMIT_MESSAGES} SMS): {rate:6.1f} SMS/s "
                f"submitted, {throttled} answered throttled, {failed} not sent"
            )


def _alert_link_only(say: Callable[[str], None]) -> None:
    allowed = ALERT_MEMBERS / ALERT_MPS
    paced = allowed * PACE_MARGIN  # the link keeps 2 % under the limit
    with running_smsc(mps=ALERT_MPS, latency_ms=LATENCY_MS, receipt_delay_ms=50) as smsc:
        started = time.perf_counter()
        rate, failed = asyncio.run(_link_rate(smsc, ALERT_MEMBERS, window=10, mps=ALERT_MPS))
        took = time.perf_counter() - started
        status = smsc.status()
    verdict = "within it" if took <= paced + 1 else "OVER it"
    say(
        f"alert to {ALERT_MEMBERS:,} SMS members at {ALERT_MPS} SMS/s (the link alone): the "
        f"limit allows {allowed:.1f} s ({paced:.1f} s at the link's pace), took {took:.1f} s "
        f"({rate:.0f} SMS/s), {verdict}; the SMSC received {status['messages']:,}, answered "
        f"{status['answers'].get('0x58', 0)} throttled; {failed} not sent"
    )


def _alert_through_the_worker(say: Callable[[str], None]) -> None:
    """From 10,000 SMS queued in the store (lifecycle.queue_sms) to every one recorded as
    sent by the SMS worker, each claimed (recorded as submitting) before its submit."""
    with running_smsc(mps=ALERT_MPS, latency_ms=LATENCY_MS, receipt_delay_ms=50) as smsc:
        on_each_backend("sms", lambda name, store, say_: _worker_alert(name, store, say_, smsc))


def _worker_alert(name: str, store: Store, say: Callable[[str], None], smsc: LabSmsc) -> None:
    smsc.reset()
    with tempfile.TemporaryDirectory(prefix="binalert-sms-bench-") as tmp:
        settings = Settings(
            database_url=store.url,
            environment="test",
            sounds_dir=Path(tmp) / "sounds",
            **{k.removeprefix("BINALERT_").lower(): v for k, v in smsc.settings().items()},
            smsc_mps=ALERT_MPS,
            smsc_window=10,
        )
        runtime = Runtime(settings, store)
        now = utcnow()
        with store.session() as session:
            for number in _numbers(ALERT_MEMBERS):
                lifecycle.queue_sms(
                    session, kind=SmsKind.ALERT, phone=number, language="nl", text=TEXT, now=now
                )

        def waiting() -> int:
            open_ = (SmsStatus.QUEUED.value, SmsStatus.SUBMITTING.value)
            with store.session() as session:
                query = select(func.count()).where(SmsMessage.status.in_(open_))
                return int(session.scalar(query) or 0)

        async def send_all() -> float:
            worker = SmsWorker(runtime)
            started = time.perf_counter()
            await worker.start()
            try:
                while await asyncio.to_thread(waiting):
                    await asyncio.sleep(0.2)
                return time.perf_counter() - started
            finally:
                await worker.stop()

        took = asyncio.run(send_all())
    allowed = ALERT_MEMBERS / ALERT_MPS
    paced = allowed * PACE_MARGIN
    with store.session() as session:
        grouped = select(SmsMessage.status, func.count()).group_by(SmsMessage.status)
        counts = {status: count for status, count in session.execute(grouped)}
    verdict = "within it" if took <= paced + 2 else "OVER it"
    say(
        f"    {name}: through the SMS worker from the store: took {took:.1f} s "
        f"({ALERT_MEMBERS / took:.0f} SMS/s) against {allowed:.1f} s allowed ({paced:.1f} s at "
        f"the link's pace), {verdict}; SMSC received {smsc.status()['messages']:,}; {counts}"
    )


def main() -> None:
    _clients(print)
    _limits(print)
    _alert_link_only(print)
    _alert_through_the_worker(print)


if __name__ == "__main__":
    main()
