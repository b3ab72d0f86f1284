"""The SMPP link: binalert as an ESME, bound as a transceiver to one SMSC (sms/__init__.py says
how to use it). asyncio framing around smpplib's PDU classes: smpplib builds and parses every
PDU, this module owns the socket, the window, the pace and the reconnects.

Why not smpplib's blocking Client: it reads in the calling thread and answers a deliver_sm
only after its handler returns, with one outstanding submit at a time unless the caller adds
threads and locks around one socket; here many submits wait for their answers at once (the
window) on one connection while receipts and replies are handled (docs/decisions.md).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import inspect
import itertools
import logging
import random
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import smpplib.consts as c
from smpplib import smpp
from smpplib.client import SimpleSequenceGenerator

from binalert.settings import SmscSettings
from sms.pdus import (
    PduInputError,
    Reassembly,
    Receipt,
    destination_digits,
    encode_text,
    is_receipt,
    read_message,
    read_receipt,
)

log = logging.getLogger(__name__)

TEMPORARY = frozenset({c.SMPP_ESME_RTHROTTLED, c.SMPP_ESME_RMSGQFUL, c.SMPP_ESME_RSYSERR})
"""Answers to a submit that mean "not now": the part is offered again after a pause."""
MAX_PDU = 64 * 1024
PACE_MARGIN = 1.02
"""Submits are spaced 2 % wider than 1/mps: the SMSC counts them as they arrive, and two
that left exactly 1/mps apart can arrive closer."""


@dataclass(frozen=True)
class IncomingMessage:
    """A message from a handset: its sender as the network gave it (E.164; a claim, not a
    proof) and the decoded text, the parts of a concatenated message put together."""

    source: str
    text: str


@dataclass(frozen=True)
class Submitted:
    """Every part accepted: the SMSC's message ids, one a part, in order (receipts name them)."""

    message_ids: tuple[str, ...]
    encoding: str


@dataclass(frozen=True)
class Throttled:
    """Nothing went out (link down, or the SMSC kept saying "not now"): try again later."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """The SMSC refused it for good (an invalid number, ...) or the input was not sendable:
    never send it again. message_ids: parts accepted before the refusal, if any."""

    code: int
    reason: str
    message_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unconfirmed:
    """A part went out but its answer was lost with the connection (or never came): it may
    have been accepted. Not sent again (at most once); message_ids: the parts confirmed."""

    reason: str
    message_ids: tuple[str, ...] = ()


SubmitResult = Submitted | Throttled | Refused | Unconfirmed
Handler = Callable[[Any], Awaitable[None] | None]


class _NotSent(Exception):
    pass


class _Lost(Exception):
    pass


class Pacer:
    """The provider's messages-per-second limit, as the SMSC counts it: at most `rate` submits
    in any second. Slots are 1/rate apart on a grid (PACE_MARGIN wider), so a wake-up a
    little late does not push every later slot back; and no slot comes sooner than a second
    (PACE_MARGIN longer) after the one `rate` slots before it, so catching up never puts more
    than `rate` into a second. After an idle spell the grid starts again from now (no burst
    of saved-up slots). FIFO, however many tasks wait; a throttling answer pauses it."""

    def __init__(self, rate: float) -> None:
        self.interval = PACE_MARGIN / rate
        self._next = 0.0
        self._recent: collections.deque[float] = collections.deque(maxlen=max(1, int(rate)))
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if now >= self._next + self.interval:
                self._next = now
            slot = self._next
            if len(self._recent) == self._recent.maxlen:
                slot = max(slot, self._recent[0] + PACE_MARGIN)
            if slot > now:
                await asyncio.sleep(slot - now)
            self._recent.append(time.monotonic())
            self._next = slot + self.interval

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, time.monotonic() + seconds)


def _retrieved(future: asyncio.Future[Any]) -> None:
    """An answer nobody waits for any more (its waiter gave up or was cancelled) ends with
    the connection's exception: read it, so asyncio does not report it as lost."""
    if not future.cancelled():
        future.exception()


class _Connection:
    """One TCP connection to the SMSC: writes PDUs, matches answers to their requests."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.closed = False
        self.last_heard = time.monotonic()

    async def request(self, pdu: Any) -> asyncio.Future[Any]:
        """Write a request; its answer arrives in the returned future."""
        if self.closed:
            raise _NotSent("not connected")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieved)
        self.pending[pdu.sequence] = future
        try:
            self.writer.write(pdu.generate())
            await self.writer.drain()
        except (ConnectionError, OSError) as error:  # it may have gone out, or not
            self.close()
            raise _Lost(f"the connection failed while writing: {error}") from error
        return future

    def reply(self, pdu: Any) -> None:
        if not self.closed:
            self.writer.write(pdu.generate())

    async def read(self, sequences: SimpleSequenceGenerator) -> Any:
        header = await self.reader.readexactly(4)
        (length,) = struct.unpack(">L", header)
        if not 16 <= length <= MAX_PDU:
            raise ConnectionError(f"a PDU of {length} bytes")
        raw = header + await self.reader.readexactly(length - 4)
        self.last_heard = time.monotonic()
        return smpp.parse_pdu(raw, client=sequences, allow_unknown_opt_params=True)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for future in self.pending.values():
            if not future.done():
                future.set_exception(_Lost("the connection closed before the answer"))
        self.pending.clear()
        self.writer.close()


class SmppLink:
    """binalert's one SMPP link to its SMSC (see the package's docstring for the contract)."""

    def __init__(
        self,
        settings: SmscSettings,
        on_receipt: Handler,
        on_message: Handler,
        *,
        submit_wait: float = 30.0,
        response_timeout: float = 30.0,
        reconnect_max: float = 30.0,
        throttle_pause: float = 0.5,
    ) -> None:
        self.settings = settings
        self._on_receipt, self._on_message = on_receipt, on_message
        self.submit_wait, self.response_timeout = submit_wait, response_timeout
        self.reconnect_max, self.throttle_pause = reconnect_max, throttle_pause
        self._sequences = SimpleSequenceGenerator()
        self._pacer = Pacer(settings.mps)
        self._window: asyncio.Semaphore | None = None
        self._connection: _Connection | None = None
        self._bound: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._reassembly = Reassembly()
        self._references = itertools.cycle(range(256))  # concatenated messages' references
        self._source = destination_digits(settings.source)
        self.binds = 0
        """How many times it bound (a reconnect adds one)."""

    # -- the contract -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and keep connected (reconnecting with back-off) until close()."""
        if self._task is None:
            self._window = asyncio.Semaphore(self.settings.window)
            self._bound = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="smpp-link")

    async def wait_bound(self, timeout: float) -> bool:
        assert self._bound is not None, "start() first"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._bound.wait(), timeout)
        return self._bound.is_set()

    @property
    def healthy(self) -> bool:
        """Bound now, and the SMSC answered within two keep-alive intervals."""
        connection = self._connection
        return (
            self._bound is not None
            and self._bound.is_set()
            and connection is not None
            and not connection.closed
            and time.monotonic() - connection.last_heard < 2 * self.settings.enquire_seconds + 5
        )

    async def submit(self, destination: str, text: str) -> SubmitResult:
        """Send `text` to `destination` (E.164) as one message of one or more parts."""
        try:
            digits = destination_digits(destination)
            encoded = encode_text(text, next(self._references))
        except PduInputError as error:
            return Refused(c.SMPP_ESME_RINVPARLEN, str(error))
        ids: list[str] = []
        for part in encoded.parts:
            fields = {
                "source_addr_ton": c.SMPP_TON_INTL,
                "source_addr_npi": c.SMPP_NPI_ISDN,
                "source_addr": self._source,
                "dest_addr_ton": c.SMPP_TON_INTL,
                "dest_addr_npi": c.SMPP_NPI_ISDN,
                "destination_addr": digits,
                "short_message": part,
                "data_coding": encoded.data_coding,
                "esm_class": encoded.esm_class,
                "registered_delivery": 1,  # a receipt for the final outcome of each part
                "service_type": "",
            }
            # Before the first part nothing is out: give up after submit_wait. Once a part
            # is accepted, the rest must follow, or the member gets half a message.
            wait = self.submit_wait if not ids else 20 * self.submit_wait
            try:
                status, message_id = await self._submit_part(fields, wait)
            except _NotSent as error:
                if not ids:
                    return Throttled(str(error))
                return Unconfirmed(f"{len(ids)} of {len(encoded.parts)} parts: {error}", tuple(ids))
            except _Lost as error:
                return Unconfirmed(str(error), tuple(ids))
            if status != c.SMPP_ESME_ROK:
                return Refused(
                    status, c.DESCRIPTIONS.get(status, f"status {status:#x}"), tuple(ids)
                )
            ids.append(message_id)
        return Submitted(tuple(ids), encoded.encoding)

    async def close(self, timeout: float = 5.0) -> None:
        """Unbind politely (answers still awaited get `timeout`), then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        connection = self._connection
        if connection is not None and not connection.closed:
            with contextlib.suppress(Exception):
                unbind = smpp.make_pdu("unbind", client=self._sequences)
                answer = await connection.request(unbind)
                await asyncio.wait_for(answer, timeout)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for handler in list(self._handlers):
            handler.cancel()
        if connection is not None:
            connection.close()

    async def __aenter__(self) -> SmppLink:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # -- submits ----------------------------------------------------------------------------

    async def _submit_part(self, fields: dict[str, Any], wait: float) -> tuple[int, str]:
        """(status, message id) of one part; temporary refusals and a link down are waited
        out until `wait` has passed (_NotSent); a part out whose answer is lost: _Lost."""
        assert self._window is not None and self._bound is not None
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not await self.wait_bound(left):
                raise _NotSent("the SMSC did not take it in time (link down or throttled)")
            async with self._window:
                # the pace is taken last, just before the write: a task that waited for the
                # window must not leave right behind one that took its turn long before
                await self._pacer.take()
                connection = self._connection
                if connection is None or connection.closed:
                    continue
                pdu = smpp.make_pdu("submit_sm", client=self._sequences, **fields)
                try:
                    answer = await connection.request(pdu)
                except _NotSent:  # closed in between: nothing went out, wait for the rebind
                    continue
                try:
                    response = await asyncio.wait_for(answer, self.response_timeout)
                except TimeoutError as error:
                    connection.close()  # an SMSC that does not answer is reconnected to
                    raise _Lost("no answer to the submit") from error
            if response.status in TEMPORARY:
                self._pacer.pause(self.throttle_pause)
                continue
            if response.command == "generic_nack":
                return int(response.status or c.SMPP_ESME_RSYSERR), ""
            message_id = response.message_id
            if isinstance(message_id, bytes):
                message_id = message_id.decode("ascii", errors="replace")
            return int(response.status), str(message_id or "")

    # -- the connection -------------------------------------------------------------------------

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._session()
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a failed connect or bind: try again, later each time
                log.warning("SMPP link to %s: %s", self.settings.host, error)
            assert self._bound is not None
            self._bound.clear()
            await asyncio.sleep(
                delay * random.uniform(0.8, 1.2)
            )  # jitter: links of many workers do not all come back at once
            delay = min(delay * 2, self.reconnect_max)

    async def _session(self) -> None:
        """Connect, bind, then serve the connection until it closes."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.settings.host, self.settings.port), 10
        )
        connection = _Connection(reader, writer)
        reading = asyncio.create_task(self._read_loop(connection))
        try:
            await self._bind(connection)
            self._connection = connection
            self.binds += 1
            assert self._bound is not None
            self._bound.set()
            log.info("SMPP link bound to %s:%s", self.settings.host, self.settings.port)
            keepalive = asyncio.create_task(self._keepalive(connection))
            try:
                await reading
            finally:
                keepalive.cancel()
        finally:
            reading.cancel()
            connection.close()
            if self._connection is connection:
                self._connection = None

    async def _bind(self, connection: _Connection) -> None:
        pdu = smpp.make_pdu(
            "bind_transceiver",
            client=self._sequences,
            system_id=self.settings.system_id,
            password=self.settings.password.get_secret_value(),
            system_type=self.settings.system_type,
            interface_version=0x34,
            addr_ton=c.SMPP_TON_INTL,
            addr_npi=c.SMPP_NPI_ISDN,
            address_range="",
        )
        answer = await connection.request(pdu)
        response = await asyncio.wait_for(answer, 10)
        if response.status != c.SMPP_ESME_ROK:
            description = c.DESCRIPTIONS.get(response.status, "refused")
            raise ConnectionError(f"bind refused: {description} ({response.status:#x})")

    async def _read_loop(self, connection: _Connection) -> None:
        try:
            while True:
                pdu = await connection.read(self._sequences)
                if pdu is None:
                    continue
                if pdu.is_response() or pdu.command == "generic_nack":
                    future = connection.pending.pop(pdu.sequence, None)
                    if future is not None and not future.done():
                        future.set_result(pdu)
                elif pdu.command == "deliver_sm":
                    task = asyncio.create_task(self._deliver(connection, pdu))
                    self._handlers.add(task)
                    task.add_done_callback(self._handlers.discard)
                elif pdu.command == "enquire_link":
                    connection.reply(self._answer("enquire_link_resp", pdu))
                elif pdu.command == "unbind":
                    connection.reply(self._answer("unbind_resp", pdu))
                    return
                else:
                    nack = self._answer("generic_nack", pdu, c.SMPP_ESME_RINVCMDID)
                    connection.reply(nack)
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as error:
            if self._task is not None:  # not closing
                log.warning("SMPP link to %s lost: %s", self.settings.host, error or "closed")
        finally:
            connection.close()

    def _answer(self, command: str, request: Any, status: int = c.SMPP_ESME_ROK) -> Any:
        answer = smpp.make_pdu(command, client=self._sequences, status=status)
        answer.sequence = request.sequence
        return answer

    async def _keepalive(self, connection: _Connection) -> None:
        """enquire_link after enquire_seconds of silence; no answer within as long: the
        connection is dead (a cut cable sends nothing), close it and reconnect."""
        interval = self.settings.enquire_seconds
        while not connection.closed:
            await asyncio.sleep(max(0.1, interval - (time.monotonic() - connection.last_heard)))
            if time.monotonic() - connection.last_heard < interval:
                continue
            try:
                answer = await connection.request(
                    smpp.make_pdu("enquire_link", client=self._sequences)
                )
                await asyncio.wait_for(answer, interval)
            except (TimeoutError, _Lost, _NotSent, ConnectionError):
                log.warning("SMPP link to %s: no answer to enquire_link", self.settings.host)
                connection.close()
                return

    # -- what the SMSC delivers -----------------------------------------------------------------

    async def _deliver(self, connection: _Connection, pdu: Any) -> None:
        """A receipt or a member's message, handed to its handler; answered only once the
        handler returned (stored): a handler that raises gets the SMSC a temporary error, and
        the SMSC offers it again later."""
        status = c.SMPP_ESME_ROK
        try:
            if is_receipt(pdu):
                receipt: Receipt = read_receipt(pdu)
                await _call(self._on_receipt, receipt)
            else:
                part = read_message(pdu)
                text = self._reassembly.add(part)
                if text is not None:
                    await _call(self._on_message, IncomingMessage(part.source, text))
                    self._reassembly.forget(part)
        except PduInputError as error:
            log.warning("SMPP: unreadable deliver_sm refused for good: %s", error)
            status = c.SMPP_ESME_RX_P_APPN
        except Exception as error:  # the store away, a receipt before its submit's answer...
            log.warning("SMPP: not handled now, the SMSC will offer it again: %r", error)
            status = c.SMPP_ESME_RX_T_APPN
        connection.reply(self._answer("deliver_sm_resp", pdu, status))


async def _call(handler: Handler, value: object) -> None:
    """Await an async handler; run a plain function in a thread (it may block on the DB)."""
    if inspect.iscoroutinefunction(handler):
        await handler(value)
    else:
        await asyncio.to_thread(handler, value)
