"""Real AMI bytes and the real lab Asterisk: what reaches the wire, and how it is read back.

The captured messages were recorded once from the lab Asterisk 22 (an Originate to
050100007, who presses 1, and one to 050400008, who is busy)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from sqlalchemy import func, select, update

from binalert.deliveries.repository import ClaimedCall
from binalert.models import CallAttempt, CallOutcome, Delivery
from binalert.phones import InvalidPhone
from binalert.settings import Settings
from ivr.ami import AmiConfig, AmiConnection
from ivr.calls import LiveCall, outcome_of_failed_originate
from ivr.dialer import AMI_EVENTS, AMI_EXCLUDED, Dialer
from ivr.originate import originate_action
from ivr.recovery import missing_channel_type
from ivr.wire import UnsafeValue
from lab.harness import LabSoundsAudio, lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.seed import seed_alert
from lab.sim import SIM
from store.bus import EventBus
from store.db import Store
from tests.ivr.harness import wait_until_final

QUEUED_7 = b"Response: Success\r\nActionID: o7\r\nMessage: Originate successfully queued\r\n\r\n"
ANSWERED_7 = (
    b"Event: OriginateResponse\r\nPrivilege: call,all\r\nSystemName: cap7012\r\nActionID: o7\r\n"
    b"Response: Success\r\nChannel: Local/050100007@binalert-sim-members-00000000;1\r\n"
    b"Context: binalert-alert\r\nExten: s\r\nReason: 4\r\nUniqueid: ba0000000000000007\r\n"
    b"CallerIDNum: +3250000000\r\nCallerIDName: BIN\r\n"
    b"ChanVariable(Local/050100007@binalert-sim-members-00000000;1): "
    b"BINALERT_CALL_ID=ba0000000000000007\r\n\r\n"
)
BUSY_8 = (
    b"Response: Success\r\nActionID: o8\r\nMessage: Originate successfully queued\r\n\r\n"
    b"Event: OriginateResponse\r\nPrivilege: call,all\r\nSystemName: cap7012\r\nActionID: o8\r\n"
    b"Response: Failure\r\nChannel: Local/050400008@binalert-sim-members\r\n"
    b"Context: binalert-alert\r\nExten: s\r\nReason: 5\r\nUniqueid: ba0000000000000008\r\n"
    b"CallerIDNum: +3250000000\r\nCallerIDName: BIN\r\n\r\n"
)
ACK_7 = (
    b"Event: UserEvent\r\nPrivilege: user,all\r\nSystemName: cap7012\r\n"
    b"Channel: Local/050100007@binalert-sim-members-00000000;1\r\nChannelState: 6\r\n"
    b"ChannelStateDesc: Up\r\nCallerIDNum: +3250000000\r\nCallerIDName: BIN\r\n"
    b"ConnectedLineNum: +3250000000\r\nConnectedLineName: BIN\r\nLanguage: en\r\n"
    b"AccountCode: \r\nContext: binalert-alert\r\nExten: s\r\nPriority: 31\r\n"
    b"Uniqueid: ba0000000000000007\r\nLinkedid: ba0000000000000007\r\n"
    b"ChanVariable: BINALERT_CALL_ID=ba0000000000000007\r\nUserEvent: BinalertAck\r\n"
    b"CallId: ba0000000000000007\r\nDigit: 1\r\n\r\n"
)
HANGUP_7 = (
    b"Event: Hangup\r\nPrivilege: call,all\r\nSystemName: cap7012\r\n"
    b"Channel: Local/050100007@binalert-sim-members-00000000;1\r\nChannelState: 6\r\n"
    b"ChannelStateDesc: Up\r\nCallerIDNum: +3250000000\r\nCallerIDName: BIN\r\n"
    b"ConnectedLineNum: +3250000000\r\nConnectedLineName: BIN\r\nLanguage: en\r\n"
    b"AccountCode: \r\nContext: binalert-alert\r\nExten: s\r\nPriority: 34\r\n"
    b"Uniqueid: ba0000000000000007\r\nLinkedid: ba0000000000000007\r\n"
    b"ChanVariable: BINALERT_CALL_ID=ba0000000000000007\r\nCause: 16\r\n"
    b"Cause-txt: Normal Clearing\r\n\r\n"
)
SMUGGLED = (
    f"\r\nAction: Originate\r\nChannel: Local/{SIM.hangs_up_after(1).number(2)}"
    "@binalert-sim-members"
)


class _Transport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass


def _protocol(dialer: Dialer) -> AMIProtocol:
    """panoramisk's reading path, with the dialer as the event handler (as in production)."""
    manager = Manager(loop=asyncio.get_running_loop(), events="off")
    manager.register_event("*", lambda _manager, message: dialer.on_event(message))
    protocol = AMIProtocol()
    protocol.connection_made(_Transport())
    protocol.factory = manager
    protocol.encoding = "utf8"
    return protocol


@pytest.fixture
async def dialer(sqlite_store: Store) -> AsyncIterator[Dialer]:
    settings = Settings(database_url=sqlite_store.url, environment="test")
    config = AmiConfig("captured", "127.0.0.1", 9, "binalert", "s")
    dialer = Dialer(
        settings, sqlite_store, EventBus(), AmiConnection(config, lambda m: None), LabSoundsAudio()
    )
    yield dialer
    await dialer.stop(0)


def _live(dialer: Dialer, channel_id: str) -> LiveCall:
    call = LiveCall(channel_id, datetime.now(UTC) + timedelta(minutes=1))
    dialer.calls.add(call)
    return call


@pytest.mark.timeout(10)
async def test_captured_acknowledged_call_maps_to_answered(dialer: Dialer) -> None:
    call = _live(dialer, "ba0000000000000007")
    protocol = _protocol(dialer)
    future = protocol.send({"Action": "Originate", "ActionID": "o7", "Async": "true"}, None)
    protocol.data_received(QUEUED_7 + ANSWERED_7[:90])  # split mid-message, as TCP may
    protocol.data_received(ANSWERED_7[90:] + ACK_7 + HANGUP_7)
    final = (await asyncio.wait_for(future, 1))[-1]
    assert final.get("Reason") == "4"
    assert call.acknowledged and call.answered_at is not None
    assert call.ended.is_set() and call.hangup_cause == 16
    assert call.outcome_after_answer() is CallOutcome.ANSWERED


@pytest.mark.timeout(10)
async def test_captured_busy_originate_maps_to_busy(dialer: Dialer) -> None:
    call = _live(dialer, "ba0000000000000008")
    protocol = _protocol(dialer)
    future = protocol.send({"Action": "Originate", "ActionID": "o8", "Async": "true"}, None)
    protocol.data_received(BUSY_8)
    final = (await asyncio.wait_for(future, 1))[-1]
    assert outcome_of_failed_originate(final.get("Reason"), call.hangup_cause) is CallOutcome.BUSY
    assert not call.acknowledged and call.answered_at is None


def _claimed(phone: str) -> ClaimedCall:
    return ClaimedCall(
        1,
        "ba0000000000000001",
        1,
        1,
        phone,
        0,
        1,
        1,
        "nl",
        datetime.now(UTC) + timedelta(minutes=1),
    )


@pytest.fixture
async def lab_ami(pbx: LabPbx, sqlite_store: Store) -> AsyncIterator[AmiConnection]:
    settings = lab_settings(pbx, sqlite_store)
    ami = AmiConnection(
        AmiConfig(
            "lab",
            "127.0.0.1",
            settings.pbxes[0].ami_port,
            settings.pbxes[0].ami_username,
            settings.pbxes[0].ami_secret.get_secret_value(),
        ),
        lambda m: None,
    )
    ami.start()
    try:
        await asyncio.wait_for(ami.ready.wait(), 10)
        yield ami
    finally:
        await ami.close()


def _originate(pbx: LabPbx, store: Store, phone: str, audio: dict[str, str]) -> dict[str, Any]:
    settings = lab_settings(pbx, store)
    return originate_action(settings, settings.pbxes[0].dial_template, _claimed(phone), audio)


@pytest.mark.pbx
@pytest.mark.timeout(30)
@pytest.mark.parametrize("where", ["phone", "audio", "audio-comma"])
async def test_smuggling_through_a_stored_value_is_refused_and_nothing_is_dialled(
    pbx: LabPbx, sqlite_store: Store, lab_ami: AmiConnection, where: str
) -> None:
    audio = await LabSoundsAudio().variables(1, "nl")
    phone = SIM.hangs_up_after(1).e164(1)
    if where == "phone":
        phone += SMUGGLED
    else:
        evil = SMUGGLED if where == "audio" else ",BINALERT_AMD=1"
        audio = audio | {"BINALERT_FIRST_AUDIO": audio["BINALERT_FIRST_AUDIO"] + evil}
    with pytest.raises((UnsafeValue, InvalidPhone)):
        await lab_ami.action(_originate(pbx, sqlite_store, phone, audio))
    await asyncio.sleep(1.0)
    assert pbx.active_channels() == 0


@pytest.mark.pbx
@pytest.mark.timeout(30)
async def test_crlf_in_any_header_is_refused_before_the_wire(
    pbx: LabPbx, sqlite_store: Store, lab_ami: AmiConnection
) -> None:
    audio = await LabSoundsAudio().variables(1, "nl")
    action = _originate(pbx, sqlite_store, SIM.hangs_up_after(1).e164(1), audio)
    for key, value in (
        ("Channel", action["Channel"] + SMUGGLED),
        ("Variable", [*action["Variable"], "BINALERT_AMD=0" + SMUGGLED]),
    ):
        with pytest.raises(UnsafeValue):
            await lab_ami.action(action | {key: value})
    await asyncio.sleep(1.0)
    assert pbx.active_channels() == 0


def _smuggling_alert(store: Store) -> int:
    alert_id = seed_alert(store, [SIM.hangs_up_after(1).number(1)])
    with store.session() as s:
        s.execute(
            update(Delivery)
            .where(Delivery.alert_id == alert_id)
            .values(phones=[SIM.hangs_up_after(1).e164(1) + SMUGGLED])
        )
    return alert_id


def _attempt_rows(store: Store, alert_id: int) -> int:
    with store.session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(CallAttempt)
                .join(Delivery, Delivery.id == CallAttempt.delivery_id)
                .where(Delivery.alert_id == alert_id)
            )
            or 0
        )


@pytest.mark.pbx
@pytest.mark.timeout(60)
async def test_a_stored_phone_with_crlf_is_never_dialled_by_the_dispatcher(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    alert_id = _smuggling_alert(sqlite_store)
    async with running_dispatcher(lab_settings(pbx, sqlite_store), sqlite_store) as service:
        await asyncio.sleep(2.0)
        assert service.dialer is not None and service.dialer.originates_sent == 0
        assert pbx.active_channels() == 0
    assert _attempt_rows(sqlite_store, alert_id) >= 1  # it was claimed, refused, recorded


@pytest.mark.pbx
@pytest.mark.timeout(60)
async def test_an_unplaceable_delivery_ends_final(pbx: LabPbx, sqlite_store: Store) -> None:
    alert_id = _smuggling_alert(sqlite_store)
    async with running_dispatcher(lab_settings(pbx, sqlite_store), sqlite_store):
        [delivery] = await wait_until_final(sqlite_store, alert_id, 14)
    assert delivery.status == "unreachable"


@pytest.mark.pbx
@pytest.mark.timeout(30)
async def test_filtered_session_gets_only_its_events_and_hangs_up_a_call_by_its_id(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    """The dialer's session asks for OriginateResponse, Hangup and UserEvent of its own
    channels only, and its deadline hangs a call up by the channel id (Asterisk looks
    channels up by Uniqueid)."""
    settings = lab_settings(pbx, sqlite_store)
    seen: list[str] = []
    ami = AmiConnection(
        AmiConfig(
            "filtered",
            "127.0.0.1",
            settings.pbxes[0].ami_port,
            settings.pbxes[0].ami_username,
            settings.pbxes[0].ami_secret.get_secret_value(),
            events=AMI_EVENTS,
            excluded=AMI_EXCLUDED,
        ),
        lambda m: seen.append(m.event),
    )
    ami.start()
    try:
        await asyncio.wait_for(ami.ready.wait(), 10)
        audio = await LabSoundsAudio().variables(1, "nl")
        response = await ami.action(
            _originate(pbx, sqlite_store, SIM.hangs_up_after(30).e164(1), audio)
        )
        assert response[-1].get("Reason") == "4"  # a 30 s call, answered
        await asyncio.sleep(0.5)
        assert pbx.active_channels() == 2
        reply = await ami.action({"Action": "Hangup", "Channel": "ba0000000000000001"})
        assert reply.success
        for _ in range(50):
            if "Hangup" in seen and pbx.active_channels() == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        await ami.close()
    assert pbx.active_channels() == 0
    # (the OriginateResponse came back as the Originate's response, not as an event; the
    # Local pair's second half, Uniqueid bb..., raised no Hangup here)
    assert sorted(seen) == ["FullyBooted", "Hangup"]


@pytest.mark.pbx
@pytest.mark.timeout(30)
async def test_the_ami_user_has_no_command_right_and_the_pbx_check_needs_none(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    """binalert's AMI user has only the rights it uses (#13 point 13): a CLI command through
    the AMI is refused, and the channel-driver check works without it."""
    settings = lab_settings(pbx, sqlite_store).pbxes[0]
    ami = AmiConnection(
        AmiConfig(
            "rights",
            "127.0.0.1",
            settings.ami_port,
            settings.ami_username,
            settings.ami_secret.get_secret_value(),
        ),
        lambda _m: None,
    )
    ami.start()
    try:
        await asyncio.wait_for(ami.ready.wait(), 10)
        refused = await ami.action({"Action": "Command", "Command": "core show channeltypes"})
        reply = refused[0] if isinstance(refused, list) else refused
        assert (reply.get("Response"), reply.get("Message")) == ("Error", "Permission denied")
        # this lab PBX loads no SIP at all (the SIP network tests check a PBX that does)
        assert await missing_channel_type(ami, "PJSIP/{e164}@trunk") == "PJSIP"
        assert await missing_channel_type(ami, "Local/{e164}@binalert-sim-members") is None
    finally:
        await ami.close()
