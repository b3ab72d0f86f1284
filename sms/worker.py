"""The SMS worker (#22): the glue between the delivery lifecycle and the SMPP link, a
background service of `binalert worker` (and `binalert serve` where it dials) when an SMSC is
configured (BINALERT_SMSC_*).

- Sending: it claims due SMS (lifecycle.claim_sms: recorded as submitting, with this
  worker's lease, and COMMITTED before anything goes out) and submits each; then it records
  the answer: sent with the message ids, queued again (throttled, the link down: nothing
  went out), failed (refused for good), or unknown (a part went out and its answer was
  lost: never sent again). At most the link's window and as many again wait for the SMSC's
  answer (`claim_ahead`): a claim takes a batch while the window is still full, so the
  window never waits on the store, and one claim serves many SMS. Woken by SMS_QUEUED, else
  it looks once a second (a retry falling due).
- Receipts and replies come from the link; each handler returns only once the store has it
  (the link then answers the SMSC; a handler that raises makes it answer a temporary error,
  and the SMSC offers the PDU again: a reply received while the store is down is not lost).
  A reply is stored first and acted on in a transaction of its own after (a reply whose
  handling failed is taken up again by the sweep).
- The sweep (every few seconds): submits whose worker died become unknown, SMS without a
  receipt in time no_receipt, SMS-only deliveries end after their reply window.
- A heartbeat under workers.health.SMS_LINK says whether this worker is bound: /ready and
  /metrics tell when no live worker can send SMS.

Store work runs on one thread of its own (the link's event loop never waits on the store),
through a StoreWriter: what comes while a transaction runs goes into the next one, and the
answers and receipts of a batch are recorded in a few statements for them all
(lifecycle.sms_sent_many, record_receipts), answers first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from binalert.clock import utcnow
from binalert.deliveries import lifecycle, sms_rules
from binalert.deliveries.lifecycle import Receipt as Stored
from binalert.deliveries.lifecycle import SmsReceipt
from binalert.runtime import Runtime
from binalert.workers import repository as heartbeats
from binalert.workers.health import SMS_LINK, STALE_BEATS, sms_report
from sms.link import (
    IncomingMessage,
    Refused,
    SmppLink,
    SubmitResult,
    Submitted,
    Throttled,
    Unconfirmed,
)
from sms.pdus import Receipt
from store.announce import SMS_QUEUED
from store.writer import StoreWriter

log = logging.getLogger(__name__)
T = TypeVar("T")

RECEIPT_STATES = {
    "delivered": "DELIVRD",
    "expired": "EXPIRED",
    "undeliverable": "UNDELIV",
    "rejected": "REJECTD",
    "deleted": "DELETED",
    "unknown": "UNKNOWN",
}
"""The link's receipt states -> the receipt's stat (sms_rules.RECEIPT_STATES); accepted and
enroute are not final."""


class ReceiptTooEarly(Exception):
    """A receipt for an SMS whose submit's answer is not stored yet: the link answers the
    SMSC with a temporary error, and it offers the receipt again."""


@dataclass(frozen=True)
class SmsTimings:
    idle_seconds: float = 1.0  # how often to look for due SMS without a wake-up
    sweep_seconds: float = 5.0
    lease_seconds: float = sms_rules.SUBMIT_LEASE_SECONDS
    receipt_timeout: float = sms_rules.RECEIPT_TIMEOUT_SECONDS
    reply_window: float = sms_rules.REPLY_WINDOW_SECONDS
    reply_grace_seconds: float = 10.0  # a stored reply not handled after this: the sweep does


class SmsWorker:
    def __init__(
        self, runtime: Runtime, link: SmppLink | None = None, timings: SmsTimings | None = None
    ) -> None:
        """`link`: made from the settings (BINALERT_SMSC_*) unless given (tests)."""
        self.runtime = runtime
        settings = runtime.settings.smsc()
        if link is None:
            if settings is None:
                raise ValueError("the SMS worker needs an SMSC (BINALERT_SMSC_HOST)")
            link = SmppLink(settings, self.on_receipt, self.on_message)
        self.link = link
        self.window = settings.window if settings is not None else 10
        lease = runtime.settings.sms_submit_lease
        self.timings = timings or SmsTimings(
            sweep_seconds=max(0.2, min(5.0, lease / 2)),  # a dead worker's SMS soon unknown
            lease_seconds=lease,
            receipt_timeout=float(settings.receipt_timeout)
            if settings is not None
            else sms_rules.RECEIPT_TIMEOUT_SECONDS,
            reply_window=runtime.settings.sms_reply_window,
        )
        mps = settings.mps if settings is not None else 10.0
        # Claimed ahead of the window: up to a window's worth, and no more than a quarter of
        # the lease's worth at the provider's pace (a claimed SMS must go well within it).
        self.claim_ahead = max(0, min(self.window, int(mps * self.timings.lease_seconds / 4)))
        self.worker_id = runtime.settings.worker_id
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="binalert-sms-db")
        # Answers, receipts and replies that come while a transaction runs go into the next
        # one together: one transaction for many SMS at the provider's rate (store.writer).
        self._writer = StoreWriter(runtime.store, self._pool)
        self._tasks: list[asyncio.Task[None]] = []
        self._submits: set[asyncio.Task[None]] = set()
        self._replies: set[asyncio.Task[None]] = set()  # acted on after they were stored
        self._unanswered = 0  # claimed, the SMSC's answer not here yet
        self._answered = asyncio.Event()
        self.sent = self.failed = self.retried = self.unconfirmed = 0
        self._store_ok = True

    # -- the service ------------------------------------------------------------------------

    async def start(self) -> None:
        await self.link.start()
        self._tasks = [
            asyncio.create_task(self._send_loop(), name="sms-send"),
            asyncio.create_task(self._sweep_loop(), name="sms-sweep"),
            asyncio.create_task(self._heartbeat_loop(), name="sms-heartbeat"),
        ]
        log.info("SMS worker %s started", self.worker_id)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._submits or self._replies:  # answers awaited: recorded before we go (else
            # the lease says); replies stored are acted on (else the next sweep does)
            await asyncio.wait(self._submits | self._replies, timeout=10.0)
        await self._writer.flush()
        await self.link.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._db(self._forget), 5.0)
        self._pool.shutdown(wait=True)
        log.info("SMS worker stopped: %d sent, %d failed", self.sent, self.failed)

    def health(self) -> dict[str, object]:
        bound = self.link.healthy
        return {
            "service": "sms",
            "connected": bound,
            "healthy": bound,
            "sms_sent": self.sent,
            "sms_failed": self.failed,
            "sms_in_flight": len(self._submits),
        }

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(session, *args) in one transaction on the store thread."""

        def run() -> T:
            with self.runtime.store.session() as session:
                return fn(session, *args)

        return await asyncio.get_running_loop().run_in_executor(self._pool, run)

    # -- sending ------------------------------------------------------------------------------

    async def _send_loop(self) -> None:
        async with self.runtime.bus.subscribe(SMS_QUEUED) as wake:
            while True:
                try:
                    claimed = await self._claim()
                except Exception as error:  # the store away: look again shortly
                    self._store_trouble(error)
                    claimed = 0
                if claimed == 0:
                    await wake.wait(self.timings.idle_seconds)

    async def _claim(self) -> int:
        if not self.link.healthy:
            return 0  # nothing is claimed that cannot go now (it would wait as submitting)
        room = self.window + self.claim_ahead - self._unanswered
        if room < max(1, self.claim_ahead):  # the window full, the next batch still there
            self._answered.clear()
            await self._answered.wait()
            return 1
        rows = await self._writer.run(
            lifecycle.claim_sms, utcnow(), room, self.worker_id, self.timings.lease_seconds
        )
        self._store_recovered()
        for row in rows:  # each committed as submitting before it is submitted
            self._unanswered += 1
            task = asyncio.create_task(self._submit(row), name=f"sms-{row.id}")
            self._submits.add(task)
            task.add_done_callback(self._submits.discard)
        return len(rows)

    async def _submit(self, row: Any) -> None:
        try:
            result = await self._answer(row)
        finally:
            self._unanswered -= 1
            self._answered.set()
        await self._record(_Answer(row.id, result, utcnow()))

    async def _answer(self, row: Any) -> SubmitResult | Exception:
        """The SMSC's answer to the submit (the exception where the submit failed: whether
        it went out is not known)."""
        if row.phone is None:  # its member was erased meanwhile: failed, never sent
            return Refused(0, "no number any more")
        try:
            return await self.link.submit(row.phone, row.text)
        except Exception as error:
            log.exception("SMS %d: the submit failed", row.id)
            return error

    async def _record(self, answer: _Answer) -> None:
        """Store what the SMSC answered, trying again while the store is away (until the
        lease runs out: then the sweep says unknown, and a receipt reconciles it)."""
        self._count(answer.result)
        deadline = asyncio.get_running_loop().time() + self.timings.lease_seconds
        delay = 0.2
        while True:
            try:
                await self._writer.run_many(_store_news, answer)
                return
            except Exception as error:
                self._store_trouble(error)
                if asyncio.get_running_loop().time() + delay > deadline:
                    log.error("SMS %s: the SMSC's answer could not be stored", answer.sms_id)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _count(self, result: SubmitResult | Exception) -> None:
        match result:
            case Submitted():
                self.sent += 1
            case Throttled():
                self.retried += 1
            case Refused():
                self.failed += 1
            case _:
                self.unconfirmed += 1

    # -- what the SMSC delivers ---------------------------------------------------------------

    async def on_receipt(self, receipt: Receipt) -> None:
        """Returns once stored (the link then answers the SMSC); raises to have it offered
        again (the store away, or a receipt for an SMS whose answer is not stored yet)."""
        state = RECEIPT_STATES.get(receipt.state)
        if state is None:
            return  # accepted, enroute: not final
        news = SmsReceipt(receipt.message_id, state, receipt.source, receipt.error)
        stored = await self._writer.run_many(_store_news, news)
        if stored is Stored.EARLY:
            raise ReceiptTooEarly(receipt.message_id)
        if stored is Stored.UNMATCHED:
            log.warning("a receipt for an unknown message id (%s) was dropped", state)

    async def on_message(self, message: IncomingMessage) -> None:
        """A member's reply: stored, then this returns (the SMSC is answered); acted on in a
        transaction of its own after. Raises while the store is away: the SMSC offers it
        again, nothing is lost."""
        reply_id: int = await self._writer.run(
            lifecycle.store_reply, message.source, message.text, utcnow()
        )
        task = asyncio.create_task(self._handle(reply_id), name=f"sms-reply-{reply_id}")
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)

    async def _handle(self, reply_id: int) -> None:
        try:
            await self._writer.run(_handle_reply, reply_id)
        except Exception as error:  # the sweep takes it up again
            log.warning("reply %d not handled yet: %s", reply_id, type(error).__name__)

    # -- the sweep and the heartbeat ----------------------------------------------------------

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.timings.sweep_seconds)
            try:
                await self._db(self._sweep)
                self._store_recovered()
            except Exception as error:
                self._store_trouble(error)

    def _sweep(self, session: Session) -> None:
        now = utcnow()
        lifecycle.sweep_sms(session, now, self.timings.receipt_timeout, self.timings.reply_window)
        before = now - timedelta(seconds=self.timings.reply_grace_seconds)
        for reply_id in lifecycle.unhandled_replies(session, before):
            lifecycle.handle_stored_reply(session, reply_id, now)

    async def _heartbeat_loop(self) -> None:
        interval = self.runtime.settings.heartbeat_seconds
        while True:
            report = sms_report(self.worker_id, self.link.healthy, None, utcnow(), interval)
            try:
                await asyncio.wait_for(self._db(heartbeats.beat, [report]), interval * STALE_BEATS)
            except Exception as error:
                self._store_trouble(error)
            await asyncio.sleep(interval)

    def _forget(self, session: Session) -> None:
        heartbeats.forget(session, self.worker_id, SMS_LINK)

    def _store_trouble(self, error: Exception) -> None:
        if self._store_ok:
            log.warning("SMS worker: the store is away (%s: %s)", type(error).__name__, error)
        self._store_ok = False

    def _store_recovered(self) -> None:
        if not self._store_ok:
            log.warning("SMS worker: the store is back")
        self._store_ok = True


@dataclass(frozen=True)
class _Answer:
    """What the SMSC answered to one SMS's submit (or the exception the submit raised)."""

    sms_id: int
    result: SubmitResult | Exception
    at: datetime


def _store_news(session: Session, news: list[_Answer | SmsReceipt]) -> list[Any]:
    """The submits' answers and the receipts that came together (StoreWriter.run_many): the
    answers first (a receipt may name a part whose answer is among them), the SMS sent all in
    one step, then the receipts all in one; a result per item, in their order."""
    results: list[Any] = [None] * len(news)
    sent: list[tuple[int, int, Submitted]] = []  # (place, SMS id, answer)
    for index, item in enumerate(news):
        if isinstance(item, _Answer):
            if isinstance(item.result, Submitted):
                sent.append((index, item.sms_id, item.result))
            else:
                results[index] = _store_answer(session, item)
    if sent:
        answers = [(sms_id, list(result.message_ids)) for _, sms_id, result in sent]
        moved = lifecycle.sms_sent_many(session, answers, utcnow())
        for (index, _, _), was_moved in zip(sent, moved, strict=True):
            results[index] = was_moved
    receipts = [(i, item) for i, item in enumerate(news) if isinstance(item, SmsReceipt)]
    if receipts:
        recorded = lifecycle.record_receipts(session, [r for _, r in receipts], utcnow())
        for (index, _), stored in zip(receipts, recorded, strict=True):
            results[index] = stored
    return results


def _store_answer(session: Session, answer: _Answer) -> bool:
    """An answer other than sent: queued again, failed, or unknown."""
    sms_id, now = answer.sms_id, answer.at
    match answer.result:
        case Throttled(reason=why):
            return lifecycle.sms_retry(session, sms_id, now, why)
        case Refused(reason=why, message_ids=ids):
            return lifecycle.sms_failed(session, sms_id, now, why, list(ids))
        case Unconfirmed(reason=why, message_ids=ids):
            return lifecycle.sms_unconfirmed(session, sms_id, list(ids), now, why)
        case error:  # the submit raised: whether it went out is not known, never again
            return lifecycle.sms_unconfirmed(session, sms_id, [], now, repr(error))


def _handle_reply(session: Session, reply_id: int) -> str | None:
    return lifecycle.handle_stored_reply(session, reply_id, utcnow())
