"""Reconcile the store with the PBX whenever the AMI session (re)starts.

Open attempts in the store are compared with the channels Asterisk still has and with
the acknowledgements the dialplan wrote to AstDB, which survive a dispatcher outage:
- still up in Asterisk: adopt the call and follow it to its end;
- gone: close it with what is known (an acknowledgement in AstDB wins);
- acknowledged in AstDB: recorded, so that member is never called again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from binalert.clock import utcnow
from binalert.deliveries import attempts as attempt_store
from binalert.models import CallAttempt
from ivr import channelvars as cv
from ivr import keys, wire
from ivr.ami import AmiConnection, AmiError
from ivr.calls import LiveCall
from ivr.dialer import Dialer
from ivr.originate import forget_action

log = logging.getLogger(__name__)
STORE_WAIT_SECONDS = 1.0  # a reconcile that met the store away tries again after this


def _messages(response: Any) -> list[Any]:
    return response if isinstance(response, list) else [response]


async def live_channels(ami: AmiConnection) -> dict[str, str]:
    """Uniqueid -> channel state ('Up', 'Ringing', ...) of every channel on the PBX; a call
    back's channel also under its call id (ivr.wire.inbound_call_id)."""
    response = await ami.action({"Action": "CoreShowChannels"}, timeout=30)
    live = {
        m.get("Uniqueid"): m.get("ChannelStateDesc", "")
        for m in _messages(response)
        if m.event == "CoreShowChannel"
    }
    for uniqueid, state in list(live.items()):
        call_id = wire.inbound_call_id(uniqueid)
        if call_id is not None:
            live[call_id] = state
    return live


def call_back_uniqueids(live: dict[str, str]) -> dict[str, str]:
    """Call id -> Asterisk Uniqueid of the call backs among the live channels."""
    found = {}
    for uniqueid in live:
        call_id = wire.inbound_call_id(uniqueid)
        if call_id is not None:
            found[call_id] = uniqueid
    return found


async def acknowledged_in_astdb(
    ami: AmiConnection, channel_id: str, family: str = cv.ACK_DB_FAMILY
) -> bool:
    try:
        response = await ami.action({"Action": "DBGet", "Family": family, "Key": channel_id})
    except AmiError:
        return False
    return any(m.event == "DBGetResponse" and m.get("Val") for m in _messages(response))


async def acknowledgements_in_astdb(
    ami: AmiConnection, family: str = cv.ACK_DB_FAMILY
) -> list[str]:
    """The call ids whose press of 1 (of 3, with the transfer family) the dialplan wrote to
    AstDB and binalert has not yet forgotten (it deletes each key once it is stored)."""
    response = await ami.action({"Action": "DBGetTree", "Family": family}, timeout=30)
    prefix = f"/{family}/"
    keys = (m.get("Key", "") for m in _messages(response) if m.event == "DBGetTreeResponse")
    return [key.removeprefix(prefix) for key in keys if key.startswith(prefix)]


async def missing_channel_type(ami: AmiConnection, dial_template: str) -> str | None:
    """PJSIP, if the dial template needs it and the PBX has no PJSIP channel driver.

    ModuleCheck is no help here: it answers Success for a chan_pjsip that declined to load
    (as it does without res_pjsip_pubsub). PJSIP_PARSE_URI is a dialplan function that
    chan_pjsip itself registers, and Getvar needs no more than the `call` right the dialer
    already has (the AMI user has no `command` right to ask `core show channeltypes`)."""
    tech = dial_template.split("/", 1)[0]
    if tech.upper() != "PJSIP":
        return None
    response = _messages(await ami.action({"Action": "Getvar", "Variable": PJSIP_PROBE}))[0]
    if response.get("Response") != "Success":
        return None  # unknown: strikes on failed calls still catch it
    return None if response.get("Value") == PJSIP_PROBE_VALUE else tech


PJSIP_PROBE = "PJSIP_PARSE_URI(sip:binalert-probe@127.0.0.1,host)"
PJSIP_PROBE_VALUE = "127.0.0.1"


async def rejected_registrations(ami: AmiConnection) -> list[str]:
    """The outbound SIP registrations (trunks) the provider rejects."""
    response = await ami.action({"Action": "PJSIPShowRegistrationsOutbound"}, timeout=30)
    return [
        m.get("ObjectName", "?")
        for m in _messages(response)
        if m.event == "OutboundRegistrationDetail" and m.get("Status") == "Rejected"
    ]


class Recovery:
    """Brings one dialer back in step with its PBX (after a login) and takes over the calls
    of dead workers on that PBX (expired leases)."""

    def __init__(self, dialer: Dialer) -> None:
        self.dialer = dialer

    async def reconcile(self) -> None:
        """Run after every AMI login (the dialer places nothing new until this is done).

        The store may be away when the PBX comes back (both down together): the reconcile
        waits for it, round after round, while this session lasts. Giving up would leave the
        dialer held for ever (no other login comes to reconcile again)."""
        dialer = self.dialer
        dialer.hold_for_reconcile()
        session = dialer.ami.reconnects  # this login's session
        while True:
            try:
                await self._reconcile_open_calls()
                break
            except AmiError:
                log.exception(
                    "reconcile with PBX %s failed; the next login retries", dialer.pbx.name
                )
                return
            except SQLAlchemyError as error:
                log.warning(
                    "reconcile with PBX %s waits for the store (%s)",
                    dialer.pbx.name,
                    type(error).__name__,
                )
            await asyncio.sleep(STORE_WAIT_SECONDS)
            if not dialer.ami.ready.is_set() or dialer.ami.reconnects != session:
                return  # this session ended: the next login reconciles
        dialer.reconciled()

    async def _reconcile_open_calls(self) -> None:
        dialer = self.dialer
        live = await live_channels(dialer.ami)
        moment = utcnow()
        attempts = await dialer.db(
            attempt_store.open_attempts, dialer.settings.worker_id, dialer.pbx.name, moment
        )
        for attempt in attempts:
            await self._reconcile_one(attempt, live)
        log.info("reconciled %d open call(s) with PBX %s", len(attempts), dialer.pbx.name)
        await self.store_acknowledgements()
        await self.store_stops()
        await self.check_pbx()

    async def check_pbx(self) -> None:
        """Can this PBX place calls at all? Its channel driver, its trunk's registration."""
        dialer = self.dialer
        tech = await missing_channel_type(dialer.ami, dialer.pbx.dial_template)
        if tech is not None:
            dialer.mark_unhealthy(f"no {tech} channel type (its driver is not loaded)")
            return
        if dialer.pbx.dial_template.upper().startswith("PJSIP/"):
            rejected = await rejected_registrations(dialer.ami)
            if rejected:
                dialer.mark_unhealthy(f"the provider rejects the registration {rejected}")

    async def store_acknowledgements(self) -> None:
        """Every press of 1 (or of 3: put through to the police) still in AstDB is stored,
        whatever became of its call (closed, retried, taken over): a member who pressed 1 is
        never called again for that alert."""
        dialer = self.dialer
        record_of = {keys.ACK: dialer.record_ack, keys.TRANSFER: dialer.record_transfer}
        for key in keys.ACKNOWLEDGING:
            family, record = key.astdb_family, record_of[key]
            for channel_id in await acknowledgements_in_astdb(dialer.ami, family):
                if channel_id in dialer.calls:
                    continue  # its own call records it
                try:
                    channel_id = wire.channel_id(channel_id)
                except wire.UnsafeValue:
                    log.warning("ignoring a foreign AstDB key in %s", family)
                    continue
                await record(channel_id)
                log.info("%s of call %s stored from AstDB", family, channel_id)

    async def store_stops(self) -> None:
        """Every confirmed 9 still in AstDB: on binalert's own call, the member's stop is
        stored (a member who said stop is not called again, whatever became of the call);
        on a call in it was a request only (ivr.by_phone), forgotten here if its dispatcher
        did not forget it (the call's end sends the request, or it is lost with it)."""
        dialer = self.dialer
        family = keys.STOP.astdb_family
        for channel_id in await acknowledgements_in_astdb(dialer.ami, family):
            if channel_id in dialer.calls and not channel_id.startswith(wire.INBOUND_PREFIX):
                continue  # its own call records it
            try:
                channel_id = wire.channel_id(channel_id)
            except wire.UnsafeValue:
                log.warning("ignoring a foreign AstDB key in %s", family)
                continue
            if channel_id.startswith(wire.INBOUND_PREFIX):
                if channel_id not in dialer.calls:
                    with contextlib.suppress(AmiError):
                        await dialer.ami.action(forget_action(family, channel_id))
                continue
            await dialer.record_stop(channel_id)
            log.info("a 9 of call %s stored from AstDB", channel_id)

    async def sweep_expired_leases(self) -> None:
        """Take over the open calls of a worker that died (its lease ran out) on this PBX."""
        dialer = self.dialer
        moment = utcnow()
        attempts = await dialer.db(attempt_store.expired_lease_attempts, dialer.pbx.name, moment)
        attempts = [a for a in attempts if a.channel_id not in dialer.calls]
        if not attempts:
            return
        live = await live_channels(dialer.ami)
        for attempt in attempts:
            await self._reconcile_one(attempt, live)
        log.info("took over %d call(s) of a dead worker on PBX %s", len(attempts), dialer.pbx.name)

    async def _reconcile_one(self, attempt: CallAttempt, live: dict[str, str]) -> None:
        dialer = self.dialer
        call = dialer.calls.get(attempt.channel_id)
        adopted = call is None
        if call is None:
            call = LiveCall(
                channel_id=attempt.channel_id,
                deadline=attempt.deadline,
                answered_at=attempt.answered_at,
                uniqueid=call_back_uniqueids(live).get(attempt.channel_id),
            )
        if live.get(attempt.channel_id) == "Up":
            call.answered_at = call.answered_at or utcnow()
        transferred = cv.TRANSFER_DB_FAMILY
        if not call.transferred and await acknowledged_in_astdb(
            dialer.ami, attempt.channel_id, transferred
        ):
            call.transferred = call.acknowledged = True
            call.answered_at = call.answered_at or utcnow()
            await dialer.record_transfer(attempt.channel_id)
        if await acknowledged_in_astdb(dialer.ami, attempt.channel_id) and not call.acknowledged:
            call.acknowledged = True
            call.answered_at = call.answered_at or utcnow()
            await dialer.record_ack(attempt.channel_id)
        if attempt.channel_id not in live:
            call.ended.set()
        if adopted:
            dialer.follow(call)
