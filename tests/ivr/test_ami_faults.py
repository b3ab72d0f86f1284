"""AmiConnection under faults a real PBX cannot produce on demand (a fake AMI server)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from panoramisk.message import Message

from ivr.ami import AmiConfig, AmiConnection, AmiError, NotConnected
from lab.sim import SIM
from tests.ivr.fake_ami import FULLY_BOOTED, FakeAmi

pytestmark = [pytest.mark.timeout(20)]

ORIGINATE = {
    "Action": "Originate",
    "Channel": f"Local/{SIM.hangs_up_after(5).number(1)}@binalert-sim-members",
    "Context": "binalert-alert",
    "Exten": "s",
    "Priority": "1",
    "Async": "true",
    "ChannelId": "ba0000000000000001",
    "OtherChannelId": "bb0000000000000001",
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmi]:
    server = await FakeAmi().start()
    try:
        yield server
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def connection(
    fake: FakeAmi, on_event: Callable[[Message], None] = lambda m: None, **overrides: Any
) -> AsyncIterator[AmiConnection]:
    config: dict[str, Any] = {
        "name": "fake",
        "host": "127.0.0.1",
        "port": fake.port,
        "username": "binalert",
        "secret": "s",
        "action_timeout": 0.5,
        "ping_interval": 0.2,
        "boot_timeout": 5.0,
        "max_backoff": 0.3,
    } | overrides
    ami = AmiConnection(AmiConfig(**config), on_event)
    ami.start()
    try:
        yield ami
    finally:
        await ami.close()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_an_exception_in_an_event_handler_keeps_the_connection(fake: FakeAmi) -> None:
    seen: list[str] = []

    def handler(message: Message) -> None:
        seen.append(message.event)
        if message.event == "Boom":
            raise RuntimeError("handler bug")

    async with connection(fake, handler, ping_interval=60) as ami:
        await asyncio.wait_for(ami.ready.wait(), 2)
        fake.push({"Event": "Boom"})
        fake.push({"Event": "After"})
        await until(lambda: "After" in seen)
        assert ami.ready.is_set() and ami.reconnects == 0 and fake.logins == 1
        assert len(fake.clients) == 1


@pytest.mark.parametrize("refused", ["all", "some"])
async def test_a_pbx_that_refuses_event_filters_gets_an_unfiltered_session(
    fake: FakeAmi, refused: str
) -> None:
    """Refused filters never leave a session with only part of its events: all refused, it
    goes on unfiltered; some taken, it reconnects once and asks for none."""
    fake.refused_filters = (
        {"name(FullyBooted)", "name(Hangup)", "!Uniqueid: bb"}
        if refused == "all"
        else {"name(Hangup)"}
    )
    if refused == "all":
        fake.refused_filters.add("name(UserEvent)")
    seen: list[str] = []
    filters = {"events": ("Hangup",), "excluded": ("Uniqueid: bb",), "ping_interval": 60}
    async with connection(fake, lambda m: seen.append(m.event), **filters) as ami:
        await until(lambda: ami.ready.is_set())
        fake.push({"Event": "Newchannel"})  # the fake never filters: we see what it sends
        await until(lambda: "Newchannel" in seen)
        assert fake.logins == (1 if refused == "all" else 2)
        assert fake.actions["Filter"] == 3  # FullyBooted, Hangup, the exclusion; once


async def test_a_half_open_connection_is_detected_and_replaced(fake: FakeAmi) -> None:
    async with connection(fake) as ami:
        await asyncio.wait_for(ami.ready.wait(), 2)
        [first] = fake.clients
        fake.silence_pings()  # the socket stays open, the Pongs stop
        await until(lambda: ami.reconnects >= 1 and ami.ready.is_set())
        assert fake.logins == 2
        await asyncio.wait_for(first.closed_by_peer.wait(), 2)  # we closed the dead one


@pytest.mark.parametrize("mode", ["drop", "queue_then_drop"])
async def test_an_originate_in_flight_is_never_resent_after_a_reconnect(
    fake: FakeAmi, mode: str
) -> None:
    fake.originate = mode
    async with connection(fake) as ami:
        await asyncio.wait_for(ami.ready.wait(), 2)
        with pytest.raises(AmiError):
            await ami.action(dict(ORIGINATE), timeout=2)
        await until(lambda: ami.reconnects >= 1 and ami.ready.is_set())
        await asyncio.sleep(0.3)  # FullyBooted came again: panoramisk would replay now
        assert fake.actions["Originate"] == 1


async def test_an_originate_in_flight_fails_as_soon_as_the_connection_drops(
    fake: FakeAmi,
) -> None:
    async with connection(fake) as ami:
        await asyncio.wait_for(ami.ready.wait(), 2)
        start = time.monotonic()
        with pytest.raises(AmiError):
            await ami.action(dict(ORIGINATE), timeout=3)
        assert time.monotonic() - start < 1.0


async def test_an_action_while_disconnected_raises_not_connected_at_once(
    fake: FakeAmi,
) -> None:
    await fake.close()  # nobody listens any more
    async with connection(fake) as ami:
        await asyncio.sleep(0.2)
        start = time.monotonic()
        with pytest.raises(NotConnected):
            await ami.action({"Action": "Ping"})
        assert time.monotonic() - start < 0.1
        assert ami.health()["connected"] is False
        assert "Error" in str(ami.health()["last_error"])


async def test_a_refused_login_is_retried_with_backoff_and_reported(fake: FakeAmi) -> None:
    fake.accept_login = False
    async with connection(fake, max_backoff=0.4) as ami:
        await until(lambda: fake.logins >= 3)
        assert not ami.ready.is_set()
        assert "login refused" in str(ami.health()["last_error"])
        await asyncio.sleep(1.0)
        assert fake.logins <= 25, "retries without backoff"
        fake.accept_login = True
        await asyncio.wait_for(ami.ready.wait(), 3)
        assert ami.health()["last_error"] is None and ami.health()["connected"] is True


async def test_ready_only_after_fully_booted(fake: FakeAmi) -> None:
    fake.boot_on_login = False
    async with connection(fake) as ami:
        await until(lambda: fake.logins == 1)
        await asyncio.sleep(0.3)
        assert not ami.ready.is_set()
        with pytest.raises(NotConnected):
            await ami.action(dict(ORIGINATE))
        fake.push(FULLY_BOOTED)
        await asyncio.wait_for(ami.ready.wait(), 2)
    assert fake.actions["Originate"] == 0
