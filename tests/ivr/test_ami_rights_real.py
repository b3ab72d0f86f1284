"""binalert's AMI user cannot take over the PBX (#21 point 9), on the real lab Asterisk with
the rights and event filters of docker/asterisk/manager.conf: no `system` write right, so
no Originate Application=System, ModuleLoad, DialplanExtensionAdd, DBDel or Filter; the
events binalert reads only; a stored key press is forgotten through the dialplan."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from panoramisk.message import Message

from ivr import channelvars as cv
from ivr.ami import AmiConfig, AmiConnection
from ivr.originate import forget_action
from ivr.recovery import acknowledged_in_astdb, acknowledgements_in_astdb, live_channels
from lab.harness import lab_settings
from lab.pbx import LabPbx
from store.db import Store

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(60)]
CALL_ID = "ba0000000000004242"


@pytest.fixture
async def session(pbx: LabPbx, sqlite_store: Store) -> AsyncIterator[tuple[AmiConnection, list]]:
    """A session of binalert's AMI user, as the dispatcher opens it (no Filter of its own)."""
    settings = lab_settings(pbx, sqlite_store).pbxes[0]
    seen: list[Message] = []
    ami = AmiConnection(
        AmiConfig(
            "rights",
            "127.0.0.1",
            settings.ami_port,
            settings.ami_username,
            settings.ami_secret.get_secret_value(),
        ),
        seen.append,
    )
    ami.start()
    try:
        await asyncio.wait_for(ami.ready.wait(), 10)
        yield ami, seen
    finally:
        await ami.close()


def _reply(response: Any) -> Any:
    return response[0] if isinstance(response, list) else response


def _in_chroot(pbx: LabPbx, name: str) -> Path:
    return Path(pbx.root) / "tmp" / name


async def test_the_ami_user_cannot_run_a_shell_or_change_the_pbx(
    pbx: LabPbx, session: tuple[AmiConnection, list]
) -> None:
    ami, _seen = session
    marker = f"binalert-rights-{uuid.uuid4().hex}"
    shell = f"touch /tmp/{marker}"
    attempts = [
        {"Action": "Originate", "Channel": "Local/s@binalert-forget", "Application": "System",
         "Data": shell, "Async": "true"},
        {"Action": "Originate", "Channel": "Local/s@binalert-forget", "Application": "Exec",
         "Data": f"System({shell})", "Async": "true"},
        {"Action": "ModuleLoad", "Module": "app_system.so", "LoadType": "load"},
        {"Action": "DialplanExtensionAdd", "Context": "binalert-alert", "Extension": "666",
         "Priority": "1", "Application": "System", "ApplicationData": shell},
        {"Action": "DBPut", "Family": cv.ACK_DB_FAMILY, "Key": CALL_ID, "Val": "1"},
        {"Action": "DBDel", "Family": cv.ACK_DB_FAMILY, "Key": CALL_ID},
        {"Action": "Filter", "Operation": "Add", "Filter": "Event: Newchannel"},
        {"Action": "Command", "Command": "core show channels"},
        {"Action": "Getvar", "Variable": f"SHELL({shell})"},
    ]  # fmt: skip
    for action in attempts:
        reply = _reply(await ami.action(action))
        assert reply.get("Response") == "Error", (action["Action"], dict(reply))
    await asyncio.sleep(1.0)
    assert not _in_chroot(pbx, marker).exists(), "a shell command ran on the PBX"
    assert "666" not in pbx.rx("dialplan show binalert-alert")
    assert pbx.active_channels() == 0


async def test_a_stored_key_press_is_forgotten_through_the_dialplan(
    pbx: LabPbx, session: tuple[AmiConnection, list]
) -> None:
    ami, seen = session
    for family in (cv.ACK_DB_FAMILY, cv.TRANSFER_DB_FAMILY):
        pbx.rx(f"database put {family} {CALL_ID} 1765000000")
        assert "1765000000" in pbx.rx(f"database get {family} {CALL_ID}")
        await ami.action(forget_action(family, CALL_ID))
        for _ in range(50):
            if "not found" in pbx.rx(f"database get {family} {CALL_ID}").lower():
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"{family}/{CALL_ID} is still in AstDB")
    for _ in range(50):
        if pbx.active_channels() == 0:
            break
        await asyncio.sleep(0.1)
    assert pbx.active_channels() == 0
    # the PBX sends this user only the events binalert reads (manager.conf eventfilter)
    names = {m.event for m in seen}
    assert names <= {"FullyBooted", "OriginateResponse", "Hangup", "UserEvent"}, names
    assert "Hangup" in names


async def test_the_reads_binalert_needs_pass_with_the_reporting_right(
    pbx: LabPbx, session: tuple[AmiConnection, list]
) -> None:
    """Recovery reads the live channels and AstDB; those actions need `system` or
    `reporting`, and the user has only the latter."""
    ami, _seen = session
    pbx.rx(f"database put {cv.ACK_DB_FAMILY} {CALL_ID} 1765000000")
    try:
        assert await acknowledged_in_astdb(ami, CALL_ID)
        assert await acknowledgements_in_astdb(ami) == [CALL_ID]
        assert await live_channels(ami) == {}
    finally:
        pbx.rx(f"database del {cv.ACK_DB_FAMILY} {CALL_ID}")
