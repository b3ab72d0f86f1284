"""BINs: created and changed by admins, seen by the police of their zone and their coordinators."""

from __future__ import annotations

from sqlalchemy.orm import Session

from binalert.audit.service import record
from binalert.auth.schemas import Caller
from binalert.auth.service import can_see_bin, require_role, visible_bin_ids
from binalert.bins import repository as repo
from binalert.bins.schemas import BinChannels, BinCreate, BinOut, BinPatch
from binalert.clock import utcnow
from binalert.errors import NotFound
from binalert.models import Bin, Role
from binalert.paging import Page, PageRequest, make_page


def visible_bin(session: Session, caller: Caller, bin_id: int) -> Bin:
    """The BIN, or NotFound when it does not exist or is outside the caller's scope."""
    found = repo.get(session, bin_id)
    if found is None or not can_see_bin(session, caller.principal, bin_id):
        raise NotFound(f"BIN {bin_id} not found")
    return found


def create(session: Session, caller: Caller, data: BinCreate) -> BinOut:
    require_role(caller.principal, Role.ADMIN)
    created = repo.add(session, Bin(**data.model_dump(), created_at=utcnow()))
    record(session, caller, "bin.create", f"bin:{created.id}", **data.model_dump())
    return BinOut.model_validate(created)


def list_bins(session: Session, caller: Caller, request: PageRequest) -> Page[BinOut]:
    visible = visible_bin_ids(session, caller.principal)
    rows = repo.page(session, visible, request.after_id, request.fetch)
    return make_page(rows, request, BinOut.model_validate, lambda row: row.id)


def get(session: Session, caller: Caller, bin_id: int) -> BinOut:
    return BinOut.model_validate(visible_bin(session, caller, bin_id))


def patch(session: Session, caller: Caller, bin_id: int, data: BinPatch) -> BinOut:
    found = visible_bin(session, caller, bin_id)
    require_role(caller.principal, Role.ADMIN)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        setattr(found, key, value)
    session.flush()
    record(session, caller, "bin.update", f"bin:{bin_id}", **changes)
    return BinOut.model_validate(found)


def set_channels(session: Session, caller: Caller, bin_id: int, data: BinChannels) -> BinOut:
    """The BIN's default channels and SMS fallback (#22): its coordinator's choice (an
    admin's too). Deliveries already open keep the channels they opened with."""
    require_role(caller.principal, Role.COORDINATOR)
    found = visible_bin(session, caller, bin_id)
    changes = data.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        setattr(found, key, value)
    session.flush()
    record(session, caller, "bin.channels", f"bin:{bin_id}", **changes)
    return BinOut.model_validate(found)
