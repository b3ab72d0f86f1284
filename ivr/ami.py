"""The one owner of the AMI socket to one PBX, on top of panoramisk.

Guards that panoramisk does not give (each one was observed against Asterisk 22):
- every action has a timeout: a future sent while Asterisk is down never resolves;
- nothing is re-sent after a reconnect: panoramisk queues unanswered actions and replays
  them on FullyBooted, which would dial a member twice; we fail them instead;
- an exception in an event handler is caught: otherwise it drops the connection;
- after every login we wait for FullyBooted before reporting ready (an Originate sent
  0.1 s after re-login failed with Reason 0);
- the keepalive checks the Pong: a half-open TCP connection is detected and closed; and a
  PBX silent for longer than a ping and a grace (hung, stopped) is not `answering` at once,
  before the Pong's timeout closes the session;
- reconnects back off exponentially with jitter (tenacity), forever, counting them;
- the session asks for the events its owner handles only (an AMI `Filter` per event name):
  a Local-channel call raises 17 events, of which the dialer needs 3 or 4.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message
from tenacity import AsyncRetrying, retry_if_exception_type, wait_random_exponential

from ivr.wire import header_value

log = logging.getLogger(__name__)

EVENT_MASK = "system,call,user"
BOOT_EVENT = "FullyBooted"
SILENCE_GRACE = 3.0  # seconds beyond the ping interval a PBX may stay silent


class AmiError(RuntimeError):
    pass


class NotConnected(AmiError):
    pass


class ConnectionLost(AmiError):
    pass


@dataclass(frozen=True)
class AmiConfig:
    name: str
    host: str
    port: int
    username: str
    secret: str
    action_timeout: float = 10.0
    ping_interval: float = 5.0
    boot_timeout: float = 30.0
    max_backoff: float = 10.0
    # The event names the owner handles; empty: every event of EVENT_MASK. Action responses
    # (CoreShowChannel, DBGetResponse) are never filtered by Asterisk.
    events: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # regexes: matching events are dropped by Asterisk


class _Manager(Manager):  # type: ignore[misc]
    """panoramisk's Manager without its own reconnect loop and replay of actions."""

    def __init__(self, on_lost: Callable[[], None], **config: Any) -> None:
        super().__init__(**config)
        self._on_lost = on_lost

    def connection_lost(self, exc: Any) -> None:
        self._connected = False
        for action in list(self.awaiting_actions):
            if not action.future.done():
                action.future.set_exception(ConnectionLost("AMI connection lost"))
        self.awaiting_actions.clear()
        self._on_lost()


EventHandler = Callable[[Message], None]


class AmiConnection:
    def __init__(self, config: AmiConfig, on_event: EventHandler) -> None:
        self.config = config
        self._on_event = on_event
        self._on_ready: list[Callable[[], Any]] = []
        self.ready = asyncio.Event()
        self.reconnects = 0
        self.connected_since: float | None = None
        self.lost_at: float | None = None  # monotonic time the last ready session ended
        self.last_error: str | None = None
        self.heard_at = 0.0  # monotonic time the PBX last sent anything
        self._manager: _Manager | None = None
        self._lost: asyncio.Event = asyncio.Event()
        self._booted: asyncio.Event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._background: set[asyncio.Task[Any]] = set()
        self._in_flight: set[asyncio.Future[Any]] = set()  # sent, not answered yet
        self._filtering = bool(config.events)  # off for good once the PBX refuses a filter

    def on_ready(self, callback: Callable[[], Any]) -> None:
        """Called (a coroutine function is scheduled) each time a session becomes ready."""
        self._on_ready.append(callback)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"ami-{self.config.name}")

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._drop()

    def silent_for(self) -> float:
        return time.monotonic() - self.heard_at

    @property
    def answering(self) -> bool:
        """Logged in, and the PBX said something (an event, a Pong) within a ping interval
        and a grace: a hung PBX keeps its TCP connection, but not this."""
        return self.ready.is_set() and self.silent_for() <= (
            self.config.ping_interval + SILENCE_GRACE
        )

    def health(self) -> dict[str, object]:
        return {
            "pbx": self.config.name,
            "connected": self.ready.is_set(),
            "answering": self.answering,
            "reconnects": self.reconnects,
            "last_error": self.last_error,
        }

    async def action(self, fields: dict[str, Any], timeout: float | None = None) -> Any:
        """Send one action and wait for its (complete) response, or raise."""
        manager = self._manager
        if manager is None or not self.ready.is_set() or manager.protocol is None:
            raise NotConnected(f"PBX {self.config.name} is not connected")
        for key, value in fields.items():
            for item in value if isinstance(value, list) else [value]:
                header_value(str(key))
                header_value(str(item))
        future = manager.send_action(dict(fields))
        self._in_flight.add(future)
        try:
            async with asyncio.timeout(timeout or self.config.action_timeout):
                response = await asyncio.shield(future)
            self.heard_at = time.monotonic()
            return response
        except TimeoutError as error:
            raise AmiError(f"{fields.get('Action')} timed out on {self.config.name}") from error
        finally:
            self._in_flight.discard(future)

    async def _run(self) -> None:
        retrying = AsyncRetrying(
            wait=wait_random_exponential(multiplier=0.2, max=self.config.max_backoff),
            # Any failure of a session means: reconnect. Only cancellation ends the loop.
            retry=retry_if_exception_type(Exception),
        )
        while not self._closing:
            async for attempt in retrying:
                with attempt:
                    await self._session()

    async def _session(self) -> None:
        """One connection: connect, log in, wait for FullyBooted, serve until it is lost."""
        self._lost = asyncio.Event()
        self._booted = asyncio.Event()
        try:
            await self._connect()
            self._mark_ready()
            await self._watch()
        except Exception as error:
            self.last_error = f"{type(error).__name__}: {error}"
            log.warning("AMI %s: %s", self.config.name, self.last_error)
            raise
        finally:
            if self.ready.is_set():
                self.lost_at = time.monotonic()
            self.ready.clear()
            self._drop()
        raise ConnectionLost(f"AMI connection to {self.config.name} lost")

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        manager = _Manager(
            self._lost.set,
            host=self.config.host,
            port=self.config.port,
            events="off",
            loop=loop,
            ping_delay=10**6,
            forgetable_actions=("ping", "login", "originate"),
        )
        manager.register_event("*", self._dispatch)
        self._manager = manager
        _transport, protocol = await asyncio.wait_for(
            loop.create_connection(AMIProtocol, self.config.host, self.config.port),
            self.config.action_timeout,
        )
        protocol.queue.clear()
        protocol.factory = manager
        protocol.log = manager.log
        protocol.config = manager.config
        protocol.encoding = manager.encoding = "utf8"
        manager.protocol = protocol
        manager.responses = protocol.responses
        manager._connected = True
        await self._login(manager)
        if self._filtering:
            await self._filter_events(manager)
        await asyncio.wait_for(self._booted.wait(), self.config.boot_timeout)

    async def _login(self, manager: _Manager) -> None:
        future = manager.send_action(
            {
                "Action": "Login",
                "Username": self.config.username,
                "Secret": self.config.secret,
                "Events": EVENT_MASK,
            }
        )
        response = await asyncio.wait_for(future, self.config.action_timeout)
        if not response.success:
            raise AmiError(f"AMI login refused by {self.config.name}: {response.get('Message')}")
        manager.authenticated = True

    async def _filter_events(self, manager: _Manager) -> None:
        """One include filter per event name (Asterisk matches names by hash, cheaply).
        Needs the AMI user's `write = system`. If the PBX refuses, the session goes on
        unfiltered; if it took some filters but not all, the next session is unfiltered."""
        names = (BOOT_EVENT, *self.config.events)
        filters = [{"MatchCriteria": f"name({name})"} for name in names]
        filters += [{"Filter": f"!{regex}"} for regex in self.config.excluded]
        futures = [
            manager.send_action({"Action": "Filter", "Operation": "Add"} | header)
            for header in filters
        ]
        replies = await asyncio.wait_for(asyncio.gather(*futures), self.config.action_timeout)
        refused = [f for f, reply in zip(filters, replies, strict=True) if not reply.success]
        if not refused:
            return
        self._filtering = False
        log.warning("AMI %s refused event filters %s: events unfiltered", self.config.name, refused)
        if len(refused) < len(filters):
            raise AmiError(f"AMI {self.config.name} took only some event filters")

    def _mark_ready(self) -> None:
        if self.connected_since is not None:
            self.reconnects += 1
        self.connected_since = time.time()
        self.heard_at = time.monotonic()
        self.last_error = None
        self.ready.set()
        log.info("AMI %s ready", self.config.name)
        for callback in self._on_ready:
            result = callback()
            if asyncio.iscoroutine(result):
                task = asyncio.create_task(result)
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    async def _watch(self) -> None:
        """Ping with a deadline; a missing Pong means a half-open connection."""
        while not self._lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self.config.ping_interval)
                return
            try:
                await self.action({"Action": "Ping"}, timeout=self.config.action_timeout)
            except (AmiError, ConnectionLost) as error:
                raise ConnectionLost(f"no Pong from {self.config.name}") from error

    def _dispatch(self, _manager: Any, message: Message) -> None:
        self.heard_at = time.monotonic()
        try:
            if message.event == "FullyBooted":
                self._booted.set()
            self._on_event(message)
        except Exception:  # one bad handler must not drop the PBX connection
            log.exception("AMI %s: event handler failed on %s", self.config.name, message.event)

    def _drop(self) -> None:
        manager, self._manager = self._manager, None
        if manager is None:
            self._fail_in_flight()
            return
        with contextlib.suppress(Exception):
            manager.close()
        if manager.protocol is not None and not manager.protocol.closed:
            with contextlib.suppress(Exception):
                manager.protocol.transport.abort()
        responses = getattr(manager, "responses", {})  # unset if the connect itself failed
        for action in list(responses.values()) + list(manager.awaiting_actions):
            if not action.future.done():
                action.future.set_exception(ConnectionLost("AMI connection closed"))
        manager.awaiting_actions.clear()
        self._fail_in_flight()

    def _fail_in_flight(self) -> None:
        for future in list(self._in_flight):  # panoramisk forgets dropped Originates silently
            if not future.done():
                future.set_exception(ConnectionLost("AMI connection closed"))
