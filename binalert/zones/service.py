"""Local settings: a police zone's dispatch line and approval rule (its police and admins set
them), a BIN's calling hours (its coordinator, its zone's police and admins). Audited."""

from __future__ import annotations

from collections.abc import Collection
from datetime import time
from typing import Any

from sqlalchemy.orm import Session

from binalert.audit.service import record
from binalert.auth import repository as auth_repo
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins.service import visible_bin
from binalert.calling_hours import CallingHours
from binalert.clock import utcnow
from binalert.errors import Forbidden, Invalid, NotFound
from binalert.models import Bin, Role, Zone
from binalert.phones import InvalidPhone, dispatch_line
from binalert.zones import repository as repo
from binalert.zones.schemas import (
    BinCallingHours,
    BinCallingHoursPatch,
    ZonePatch,
    ZoneSettings,
)


def dispatch_e164(text: str, allowed: Collection[str]) -> str:
    """A dispatch line members are put through to (binalert.phones.dispatch_line: an allow
    list, never a deny list), as E.164; a clear error otherwise."""
    try:
        return dispatch_line(text, allowed)
    except InvalidPhone as error:
        raise Invalid(str(error)) from error


def _settings(name: str, found: Zone | None) -> ZoneSettings:
    return ZoneSettings(
        name=name,
        dispatch_number=found.dispatch_number if found else None,
        approval_required=bool(found and found.approval_required),
        press3_on_messages=bool(found and found.press3_on_messages),
        updated_at=found.updated_at if found else None,
    )


def _zone_bins(session: Session, name: str) -> set[int]:
    found = auth_repo.bin_ids_of_zone(session, name)
    if not found:
        raise NotFound(f"zone {name!r} not found")
    return found


def get_zone(session: Session, caller: Caller, name: str) -> ZoneSettings:
    """Admins, the zone's police and the coordinators of its BINs read its settings."""
    principal = caller.principal
    bins = _zone_bins(session, name)
    allowed = (
        principal.role is Role.ADMIN
        or (principal.role is Role.POLICE and principal.police_zone == name)
        or (principal.role is Role.COORDINATOR and bool(principal.bin_ids & bins))
    )
    if not allowed:
        raise NotFound(f"zone {name!r} not found")
    return _settings(name, repo.get(session, name))


def may_edit_zone(caller: Caller, name: str) -> bool:
    principal = caller.principal
    return principal.role is Role.ADMIN or (
        principal.role is Role.POLICE and principal.police_zone == name
    )


def update_zone(
    session: Session, caller: Caller, name: str, data: ZonePatch, dispatch_allow: Collection[str]
) -> ZoneSettings:
    require_role(caller.principal, Role.POLICE)
    _zone_bins(session, name)
    if not may_edit_zone(caller, name):
        raise Forbidden("only the zone's own police (or an admin) change its settings")
    found = repo.get_or_create(session, name)
    changes: dict[str, Any] = {}
    if "dispatch_number" in data.model_fields_set:
        number = data.dispatch_number
        found.dispatch_number = dispatch_e164(number, dispatch_allow) if number else None
        changes["dispatch_number"] = found.dispatch_number
    if data.approval_required is not None:
        found.approval_required = data.approval_required
        changes["approval_required"] = data.approval_required
    if data.press3_on_messages is not None:
        found.press3_on_messages = data.press3_on_messages
        changes["press3_on_messages"] = data.press3_on_messages
    found.updated_at = utcnow()
    session.flush()
    record(session, caller, "zone.update", f"zone:{name}", **changes)
    return _settings(name, found)


def _hours(found: Bin) -> BinCallingHours:
    return BinCallingHours(
        bin_id=found.id,
        calling_start=found.calling_start,
        calling_end=found.calling_end,
        call_on_sundays=found.call_on_sundays,
        call_on_holidays=found.call_on_holidays,
    )


def get_bin_hours(session: Session, caller: Caller, bin_id: int) -> BinCallingHours:
    return _hours(visible_bin(session, caller, bin_id))


def update_bin_hours(
    session: Session, caller: Caller, bin_id: int, data: BinCallingHoursPatch
) -> BinCallingHours:
    """The BIN's coordinator, its zone's police and admins change its calling hours. Calls
    already planned keep their time, but none is placed outside the new hours."""
    require_role(caller.principal, Role.POLICE, Role.COORDINATOR)
    found = visible_bin(session, caller, bin_id)
    changes = data.model_dump(exclude_none=True)
    start = changes.get("calling_start", found.calling_start)
    end = changes.get("calling_end", found.calling_end)
    try:
        CallingHours(time.fromisoformat(start), time.fromisoformat(end))
    except ValueError as error:
        raise Invalid("calling hours must start before they end, within one day") from error
    for key, value in changes.items():
        setattr(found, key, value)
    session.flush()
    record(session, caller, "bin.calling_hours", f"bin:{bin_id}", **changes)
    return _hours(found)
