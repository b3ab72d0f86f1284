"""All queries on members and memberships."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from binalert.models import Member, Membership


def add(session: Session, member: Member, bin_id: int) -> Member:
    session.add(member)
    session.flush()
    session.add(Membership(bin_id=bin_id, member_id=member.id))
    session.flush()
    return member


def get(session: Session, member_id: int) -> Member | None:
    return session.get(Member, member_id)


def bin_ids_of(session: Session, member_id: int) -> list[int]:
    query = select(Membership.bin_id).where(Membership.member_id == member_id)
    return sorted(session.scalars(query))


def page_in_bin(session: Session, bin_id: int, after_id: int, limit: int) -> Sequence[Member]:
    query = (
        select(Member)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.bin_id == bin_id, Member.id > after_id)
        .order_by(Member.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def all_in_bin(session: Session, bin_id: int) -> Sequence[Member]:
    return page_in_bin(session, bin_id, 0, 1_000_000)


def phones_in_bin(session: Session, bin_id: int) -> set[str]:
    query = (
        select(Member.phone)
        .join(Membership, Membership.member_id == Member.id)
        .where(Membership.bin_id == bin_id)
    )
    return set(session.scalars(query))


def active_members_of_bins(session: Session, bin_ids: Collection[int]) -> Sequence[Member]:
    """Active members of any of the BINs, each once, in id order."""
    query = (
        select(Member)
        .where(
            Member.active.is_(True),
            Member.id.in_(select(Membership.member_id).where(Membership.bin_id.in_(list(bin_ids)))),
        )
        .order_by(Member.id)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class PhoneHolder:
    member_id: int
    language: str


def with_phone(session: Session, e164: str) -> list[PhoneHolder]:
    """The active members whose phone or second phone is this number (an erased member has
    no row any more, an inactive one is not called and not recognised)."""
    query = (
        select(Member.id, Member.language)
        .where(Member.active.is_(True), or_(Member.phone == e164, Member.second_phone == e164))
        .order_by(Member.id)
    )
    return [PhoneHolder(row.id, row.language) for row in session.execute(query)]


def erase(session: Session, member_id: int) -> None:
    """Delete the person (their deliveries were made anonymous first: lifecycle.forget_member)."""
    session.execute(delete(Membership).where(Membership.member_id == member_id))
    session.execute(delete(Member).where(Member.id == member_id))
    session.expunge_all()


def stop_sms(session: Session, member_ids: Collection[int], now: datetime) -> list[int]:
    """These members replied STOP: never texted again until they say otherwise. Returns the
    ones this changed (a second STOP changes nothing)."""
    if not member_ids:
        return []
    query = (
        update(Member)
        .where(Member.id.in_(list(member_ids)), Member.sms_stopped_at.is_(None))
        .values(sms_stopped_at=now)
        .returning(Member.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(query))


def sms_stopped(session: Session, member_id: int) -> bool:
    """The member stopped SMS (a member who is gone is texted nothing either)."""
    found = session.execute(select(Member.sms_stopped_at).where(Member.id == member_id)).first()
    return found is None or found.sms_stopped_at is not None


@dataclass(frozen=True)
class SmsHolder:
    member_id: int
    language: str
    bin_id: int | None


def sms_holders(session: Session, e164: str) -> list[SmsHolder]:
    """Every member (active or not) whose phone or second phone is this number, with one of
    their BINs: whom a reply from it may be about."""
    first_bin = (
        select(Membership.bin_id)
        .where(Membership.member_id == Member.id)
        .order_by(Membership.bin_id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Member.id, Member.language, first_bin.label("bin_id"))
        .where(or_(Member.phone == e164, Member.second_phone == e164))
        .order_by(Member.id)
    )
    return [SmsHolder(row.id, row.language, row.bin_id) for row in session.execute(query)]


def sms_stopped_among(session: Session, member_ids: Collection[int]) -> set[int]:
    """Those of these members who stopped SMS."""
    if not member_ids:
        return set()
    query = select(Member.id).where(
        Member.id.in_(list(member_ids)), Member.sms_stopped_at.is_not(None)
    )
    return set(session.scalars(query))
