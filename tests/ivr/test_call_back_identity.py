"""Who calls the BIN number back, through the lab carrier over SIP (#20): only a number the
trunk asserts (P-Asserted-Identity, trusted on the trunk's endpoint) is taken for a member's.
A From header is whatever the caller's equipment wrote: a stranger who writes a member's
number in the display name, or a From with the member's number that the network does not
vouch for, never yields a delivery that stops calls: after their call and a pressed 1 the
member's delivery is not acknowledged and the member is still called."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest

from lab.harness import lab_settings, running_dispatcher
from lab.network import FORGED_CALL_BACK_CONTEXT, UNASSERTED_CALL_BACK_CONTEXT
from lab.pbx import LabPbx, temporary_network
from lab.seed import seed_alert
from lab.sim import CALLERS, SIM
from store.db import Store
from tests.ivr.harness import attempts, channels_left, deliveries

pytestmark = [pytest.mark.pbx]
Network = tuple[LabPbx, LabPbx]


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}i") as pair:
        yield pair
        leaked = channels_left(pair)
        assert not leaked, f"channels left behind: {leaked}"


async def _until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):  # type: ignore[arg-type]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.25)


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("via", "n"),
    [(FORGED_CALL_BACK_CONTEXT, 51), (UNASSERTED_CALL_BACK_CONTEXT, 52)],
    ids=["display-name-trick", "from-not-asserted"],
)
async def test_a_call_back_the_trunk_does_not_assert_never_acknowledges(
    network: Network, sqlite_store: Store, via: str, n: int
) -> None:
    pbx, carrier = network
    member = SIM.NO_ANSWER.number(n)  # binalert's calls to them are never answered
    alert_id = seed_alert(sqlite_store, [member])
    settings = lab_settings(pbx, sqlite_store, ring_timeout=5, retry_delays="20", max_attempts=3)
    async with running_dispatcher(settings, sqlite_store) as service:
        [row] = deliveries(sqlite_store, alert_id)
        await _until(lambda: len(attempts(sqlite_store, row.id)) == 1, 30, "the first call")
        await _until(
            lambda: deliveries(sqlite_store, alert_id)[0].status == "waiting_retry",
            40,
            "the unanswered first call",
        )
        called_back_at = time.monotonic()
        # "The member" rings back and presses 1 once the keys were said.
        carrier.rx(CALLERS.PRESS_1.command(member, via=via))
        await _until(lambda: "!Up!" in pbx.rx("core show channels concise"), 15, "the answer")
        await _until(lambda: pbx.active_channels() == 0, 90, "the call back's end")
        assert time.monotonic() - called_back_at > 5  # it was answered, and it lasted
        # The member is still called: the retry comes as if nobody had rung.
        await _until(
            lambda: sum(a.direction == "outbound" for a in attempts(sqlite_store, row.id)) >= 2,
            60,
            "the next call to the member",
        )
        answered = dict(service.call_backs[0].answered)
    [row] = deliveries(sqlite_store, alert_id)
    assert row.status != "acknowledged" and row.acknowledged_at is None and row.digit is None
    assert all(a.digit is None for a in attempts(sqlite_store, row.id))
    assert answered["alert"] == 0, answered  # never taken for the member


@pytest.mark.timeout(120)
async def test_a_number_the_trunk_asserts_is_the_members(
    network: Network, sqlite_store: Store
) -> None:
    """The control: the same member, asserted by the network, is recognised (the lab's
    carrier asserts its subscribers' numbers, as a real one does)."""
    pbx, carrier = network
    member = SIM.NO_ANSWER.number(53)
    seed_alert(sqlite_store, [member])
    settings = lab_settings(pbx, sqlite_store, ring_timeout=5, retry_delays="600")
    async with running_dispatcher(settings, sqlite_store) as service:
        await _until(lambda: all(d.ready for d in service.dialers), 10, "the dispatcher ready")
        carrier.rx(CALLERS.HANGS_UP_AFTER_10S.command(member))
        await _until(lambda: service.call_backs[0].answered["alert"] == 1, 30, "recognised")
        await _until(lambda: pbx.active_channels() == 0, 40, "the call back's end")
