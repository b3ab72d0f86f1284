"""Members of a BIN, managed by its coordinator (or an admin).

A GDPR erase deletes the person; their calls stay only as anonymous outcomes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from binalert.audit.service import record
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role, visible_bin_ids
from binalert.bins.service import visible_bin
from binalert.buddies import service as buddies
from binalert.clock import utcnow
from binalert.errors import Conflict, NotFound
from binalert.members import csvio, records, selfservice
from binalert.members import repository as repo
from binalert.members.policy import MemberPolicy
from binalert.members.schemas import ImportResult, MemberCreate, MemberOut, MemberPatch
from binalert.models import Channels, Language, Member, MemberRecord, RecordChannel, Role
from binalert.paging import Page, PageRequest, make_page
from binalert.phones import parse_phone

CHANNEL_FIELDS = ("urgent_channels", "message_channels")


def _out(session: Session, member: Member) -> MemberOut:
    return MemberOut(
        id=member.id,
        name=member.name,
        phone=member.phone,
        phone_kind=member.phone_kind,
        second_phone=member.second_phone,
        language=Language(member.language),
        active=member.active,
        opt_in_at=member.opt_in_at,
        bin_ids=repo.bin_ids_of(session, member.id),
        urgent_channels=Channels(member.urgent_channels) if member.urgent_channels else None,
        message_channels=Channels(member.message_channels) if member.message_channels else None,
        sms_stopped_at=member.sms_stopped_at,
    )


def _new_member(data: MemberCreate) -> Member:
    now = utcnow()
    return Member(
        name=data.name,
        phone=data.phone,
        phone_kind=parse_phone(data.phone).kind,
        second_phone=data.second_phone,
        language=data.language.value,
        active=data.active,
        opt_in_at=data.opt_in_at or now,
        created_at=now,
        urgent_channels=data.urgent_channels.value if data.urgent_channels else None,
        message_channels=data.message_channels.value if data.message_channels else None,
    )


def _managed_bin(session: Session, caller: Caller, bin_id: int) -> None:
    require_role(caller.principal, Role.COORDINATOR)
    visible_bin(session, caller, bin_id)


def visible_member(session: Session, caller: Caller, member_id: int) -> Member:
    require_role(caller.principal, Role.COORDINATOR)
    member = repo.get(session, member_id)
    visible = visible_bin_ids(session, caller.principal)
    if member is None or (
        visible is not None and not visible & set(repo.bin_ids_of(session, member_id))
    ):
        raise NotFound(f"member {member_id} not found")
    return member


def create(
    session: Session, caller: Caller, bin_id: int, data: MemberCreate, policy: MemberPolicy
) -> MemberOut:
    _managed_bin(session, caller, bin_id)
    known = repo.phones_in_bin(session, bin_id)
    if data.phone in known:
        raise Conflict("a member with this phone is already in this BIN")
    policy.check_numbers([data.phone, data.second_phone])
    policy.check_growth(len(known), 1)
    member = repo.add(session, _new_member(data), bin_id)
    record(session, caller, "member.create", f"member:{member.id}", bin_id=bin_id)
    return _out(session, member)


def list_members(
    session: Session, caller: Caller, bin_id: int, request: PageRequest
) -> Page[MemberOut]:
    _managed_bin(session, caller, bin_id)
    rows = repo.page_in_bin(session, bin_id, request.after_id, request.fetch)
    return make_page(rows, request, lambda m: _out(session, m), lambda m: m.id)


def get(session: Session, caller: Caller, member_id: int) -> MemberOut:
    return _out(session, visible_member(session, caller, member_id))


def patch(
    session: Session, caller: Caller, member_id: int, data: MemberPatch, policy: MemberPolicy
) -> MemberOut:
    member = visible_member(session, caller, member_id)
    changes = data.model_dump(exclude_unset=True)
    policy.check_numbers([changes.get("phone"), changes.get("second_phone")])
    channels = {k: v for k, v in changes.items() if k in CHANNEL_FIELDS}
    before = {k: getattr(member, k) for k in channels}
    for key, value in changes.items():
        if key in ("name", "phone", "language", "active") and value is None:
            continue
        setattr(member, key, value.value if isinstance(value, Language | Channels) else value)
    _record_channels(session, caller, member, before)
    if changes.get("phone"):
        member.phone_kind = parse_phone(member.phone).kind
    session.flush()
    if changes.get("active") is False:  # no more alerts: nobody looks in on them, nor they
        buddies.end_all(session, member_id, RecordChannel.COORDINATOR, "stopped")
    record(session, caller, "member.update", f"member:{member_id}", fields=sorted(changes))
    return _out(session, member)


def _record_channels(
    session: Session, caller: Caller, member: Member, before: dict[str, str | None]
) -> None:
    """A coordinator's change of a member's channels, kept in their records (#24)."""
    after = {key: getattr(member, key) for key in before}
    if after != before:
        bin_ids = repo.bin_ids_of(session, member.id)
        records.record(
            session,
            member.id,
            bin_ids[0] if bin_ids else None,
            "channels_changed",
            RecordChannel.COORDINATOR,
            actor=caller.principal.actor,
            **after,
        )


def erase(session: Session, caller: Caller, member_id: int) -> None:
    """GDPR erasure: the person and their numbers are gone everywhere; nobody calls them
    again (waiting calls are cancelled now, a call in progress ends cancelled). The audit log
    keeps who erased which member id, not the person's data; the BIN's records keep that
    they left by the coordinator's hand (selfservice.leave)."""
    visible_member(session, caller, member_id)
    left = selfservice.leave(
        session,
        member_id,
        RecordChannel.COORDINATOR,
        actor=caller.principal.actor,
        source=caller.source,
    )
    record(session, caller, "member.erase", f"member:{member_id}", cancelled=left.cancelled)


def check_csv(
    session: Session, caller: Caller, bin_id: int, data: bytes, policy: MemberPolicy
) -> list[MemberCreate]:
    """The rows an import would add, without saving; Invalid lists every bad row."""
    _managed_bin(session, caller, bin_id)
    known = repo.phones_in_bin(session, bin_id)
    rows = csvio.parse(data, known)
    policy.check_growth(len(known), len(rows))
    policy.check_numbers(n for row in rows for n in (row.phone, row.second_phone))
    return rows


def import_csv(
    session: Session, caller: Caller, bin_id: int, data: bytes, policy: MemberPolicy
) -> ImportResult:
    rows = check_csv(session, caller, bin_id, data, policy)
    ids = [repo.add(session, _new_member(row), bin_id).id for row in rows]
    record(session, caller, "member.import", f"bin:{bin_id}", imported=len(ids))
    return ImportResult(imported=len(ids), member_ids=ids)


def export_csv(session: Session, caller: Caller, bin_id: int) -> str:
    _managed_bin(session, caller, bin_id)
    text = csvio.export(repo.all_in_bin(session, bin_id))
    record(session, caller, "member.export", f"bin:{bin_id}")
    return text


def records_of_member(session: Session, caller: Caller, member_id: int) -> list[MemberRecord]:
    """A member's consents, confirmations and changes, oldest first (#24), for the
    coordinator of one of their BINs."""
    visible_member(session, caller, member_id)
    return list(records.of_member(session, member_id))


def records_of_bin(
    session: Session, caller: Caller, bin_id: int, kinds: list[str] | None = None
) -> list[MemberRecord]:
    """A BIN's newest records (every member's, those who left too), newest first."""
    _managed_bin(session, caller, bin_id)
    return list(records.of_bins(session, [bin_id], kinds))
