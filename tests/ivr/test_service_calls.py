"""Service calls (#24) through the lab Asterisk: a short call that says one text and listens
for a 1, counted against the PBX's channels from its first ring; and the sign-up page's
limits measured where they matter, on the phone network: a flood of sign-ups for strangers'
numbers from one address rings at most the limit's number of phones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from binalert import service_calls
from binalert.clock import utcnow
from binalert.models import Bin, ServiceCall, Signup, SignupPage, SignupStatus
from binalert.phones import parse_phone
from binalert.runtime import Runtime
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.sim import SIM
from store.db import Store

pytestmark = [pytest.mark.pbx]


async def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.2)


def _queue(store: Store, national: str, wait_for_key: bool = True) -> int:
    with store.session() as s:
        return service_calls.queue(
            s,
            purpose="test",
            phone=parse_phone(national).e164,
            language="nl",
            text="Dit is een test. Druk op 1.",
            wait_for_key=wait_for_key,
            now=utcnow(),
        )


def _outcome(store: Store, call_id: int) -> str | None:
    with store.session() as s:
        row = s.get(ServiceCall, call_id)
        assert row is not None
        return row.outcome


@pytest.mark.timeout(60)
async def test_a_ringing_service_call_holds_a_line_until_the_network_ends_it(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    """While it rings the call is in no GROUP on the PBX (an Originate cannot set one), yet
    every claim counts its line (from the store); it ends as no_answer. (A 1 on a service
    call: tests/web/test_signup.py.)"""
    settings = lab_settings(pbx, sqlite_store, ring_timeout=5)
    async with running_dispatcher(settings, sqlite_store) as service:
        dialer = service.dialer
        assert dialer is not None
        ringing = _queue(sqlite_store, SIM.NO_ANSWER.number(901))
        await _until(lambda: pbx.active_channels() > 0, 10, "the call rings")
        assert await dialer.service_lines() == 1
        group = pbx.rx("group show channels")
        assert "0 active channels" in group  # not in service@binalert while it rings
        await _until(lambda: _outcome(sqlite_store, ringing) is not None, 15, "no answer")
        assert _outcome(sqlite_store, ringing) == "no_answer"
        assert await dialer.service_lines() == 0


def _signup_bin(store: Store) -> str:
    with store.session() as s:
        found = Bin(name="BIN Sint-Kruis", municipality="Brugge", police_zone="Brugge")
        s.add(found)
        s.flush()
        s.add(SignupPage(bin_id=found.id, token="t" * 32, languages="nl,fr"))
    return "t" * 32


def _calls_on_the_network(pbx: LabPbx) -> int:
    """The simulated phones that rang (dialplans/lab/sim-members.conf counts each call to a
    0508 number in AstDB, sim_calls/<number>)."""
    out = pbx.rx("database show sim_calls")
    return sum(1 for line in out.splitlines() if line.startswith("/sim_calls/"))


@pytest.mark.timeout(60)
async def test_a_flood_of_sign_ups_from_one_address_rings_at_most_the_limit(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    """100 sign-ups from one address, each for a stranger's number (busy on a first call, so
    each call is short): the lab network is rung 5 times (BINALERT_SIGNUP_PER_CLIENT_HOUR),
    the rest are refused (429) before anything is stored."""
    token = _signup_bin(sqlite_store)
    settings = lab_settings(pbx, sqlite_store)
    strangers = SIM.BUSY_THEN_PRESS_1.numbers(100, start=500)
    async with running_dispatcher(settings, sqlite_store):
        app = create_app(Runtime(settings=settings, store=sqlite_store))

        def flood() -> list[int]:
            with TestClient(app) as client:
                page = client.get(f"/join/{token}").text
                token_field = page.split('name="csrf_token" value="')[1].split('"')[0]
                statuses = []
                for number in strangers:
                    form = {
                        "csrf_token": token_field,
                        "name": "Iemand",
                        "phone": number,
                        "language": "nl",
                        "channels": "call",
                        "consent": "yes",
                    }
                    statuses.append(client.post(f"/join/{token}", data=form).status_code)
                return statuses

        statuses = await asyncio.to_thread(flood)
        assert statuses.count(200) == 5 and statuses.count(429) == 95, statuses
        await _until(lambda: _calls_on_the_network(pbx) >= 5, 20, "the five calls")
        await asyncio.sleep(3)  # nothing more comes
        assert _calls_on_the_network(pbx) == 5
    with sqlite_store.session() as s:
        assert len(list(s.scalars(select(Signup)))) == 5
        assert len(list(s.scalars(select(ServiceCall)))) == 5
        assert all(r.status == SignupStatus.UNCONFIRMED for r in s.scalars(select(Signup)))
