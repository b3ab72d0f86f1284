"""In-process wake-ups: "something changed, go and read the store".

The store holds the facts (alerts, deliveries, delivery_events); the bus only wakes up
whoever waits for them (the dispatcher for new alerts, SSE streams for new events).
Services never publish here themselves: they announce() in their transaction
(store.announce), and the Runtime publishes after the commit. publish() may be called
from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = (
            defaultdict(set)
        )

    def publish(self, topic: str) -> None:
        """Wake every subscriber of `topic`. A subscriber already woken but not yet reading
        is skipped (Subscription.wait clears its flag before the caller reads the store);
        each other loop is woken once, its own loop without a thread hand-off."""
        with self._lock:
            waiters = list(self._waiters[topic])
        pending: dict[asyncio.AbstractEventLoop, list[asyncio.Event]] = defaultdict(list)
        for loop, event in waiters:
            if not event.is_set():
                pending[loop].append(event)
        running = _running_loop()
        for loop, events in pending.items():
            if loop is running:
                _set_all(events)
            elif not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(_set_all, events)

    def subscribe(self, topic: str) -> Subscription:
        return Subscription(self, topic)

    def _add(self, topic: str, item: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters[topic].add(item)

    def _remove(self, topic: str, item: tuple[asyncio.AbstractEventLoop, asyncio.Event]) -> None:
        with self._lock:
            self._waiters[topic].discard(item)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _set_all(events: list[asyncio.Event]) -> None:
    for event in events:
        event.set()


class Subscription:
    """Use as `async with bus.subscribe(topic) as sub: await sub.wait(timeout)`."""

    def __init__(self, bus: EventBus, topic: str) -> None:
        self._bus = bus
        self._topic = topic
        self._item: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    async def __aenter__(self) -> Subscription:
        self._item = (asyncio.get_running_loop(), asyncio.Event())
        self._bus._add(self._topic, self._item)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._item is not None:
            self._bus._remove(self._topic, self._item)

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait for a publish (or the timeout); True if one arrived. Clears the flag."""
        assert self._item is not None, "use the subscription as an async context manager"
        event = self._item[1]
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        event.clear()
        return True
