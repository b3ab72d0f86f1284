"""The store's side of buddy links and relays: the only statements on their tables."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from binalert.models import BuddyLink, BuddyRelay, Member, Membership


def add_link(session: Session, link: BuddyLink) -> BuddyLink:
    session.add(link)
    session.flush()
    return link


def link(session: Session, link_id: int) -> BuddyLink | None:
    return session.get(BuddyLink, link_id)


def live_links_of(session: Session, member_id: int) -> list[BuddyLink]:
    """Links not ended where the member is either side, oldest first."""
    query = (
        select(BuddyLink)
        .where(
            BuddyLink.ended_at.is_(None),
            or_(BuddyLink.buddy_id == member_id, BuddyLink.neighbour_id == member_id),
        )
        .order_by(BuddyLink.id)
    )
    return list(session.scalars(query))


def live_link_between(session: Session, buddy_id: int, neighbour_id: int) -> BuddyLink | None:
    query = select(BuddyLink).where(
        BuddyLink.ended_at.is_(None),
        BuddyLink.buddy_id == buddy_id,
        BuddyLink.neighbour_id == neighbour_id,
    )
    return session.scalars(query).first()


def confirmed_count(session: Session, member_id: int, as_buddy: bool) -> int:
    """Confirmed live links where the member is the buddy (or the neighbour)."""
    side = BuddyLink.buddy_id if as_buddy else BuddyLink.neighbour_id
    query = select(func.count(BuddyLink.id)).where(
        side == member_id,
        BuddyLink.ended_at.is_(None),
        BuddyLink.buddy_confirmed_at.is_not(None),
        BuddyLink.neighbour_confirmed_at.is_not(None),
    )
    return int(session.scalar(query) or 0)


def links_of_bin(session: Session, bin_id: int, include_ended: bool = False) -> list[BuddyLink]:
    query = select(BuddyLink).where(BuddyLink.bin_id == bin_id)
    if not include_ended:
        query = query.where(BuddyLink.ended_at.is_(None))
    return list(session.scalars(query.order_by(BuddyLink.id.desc()).limit(500)))


def end_link(session: Session, link_id: int, by: str, now: datetime) -> bool:
    """Guarded: False when it had ended already."""
    result = session.execute(
        update(BuddyLink)
        .where(BuddyLink.id == link_id, BuddyLink.ended_at.is_(None))
        .values(ended_at=now, ended_by=by)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def confirm_side(session: Session, link_id: int, as_buddy: bool, now: datetime) -> bool:
    """Guarded: False when ended, or that side had confirmed already."""
    column = BuddyLink.buddy_confirmed_at if as_buddy else BuddyLink.neighbour_confirmed_at
    result = session.execute(
        update(BuddyLink)
        .where(BuddyLink.id == link_id, BuddyLink.ended_at.is_(None), column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def members_with_phone_in_bins(
    session: Session, e164: str, bin_ids: Collection[int], not_id: int
) -> list[tuple[int, int]]:
    """(member id, BIN id) of active members of these BINs with this phone or second phone,
    other than `not_id`."""
    query = (
        select(Member.id, Membership.bin_id)
        .join(Membership, Membership.member_id == Member.id)
        .where(
            Member.active.is_(True),
            Member.id != not_id,
            Membership.bin_id.in_(list(bin_ids)),
            or_(Member.phone == e164, Member.second_phone == e164),
        )
        .order_by(Member.id, Membership.bin_id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def bins_of(session: Session, member_id: int) -> list[int]:
    query = select(Membership.bin_id).where(Membership.member_id == member_id)
    return sorted(session.scalars(query))


def members(session: Session, ids: Collection[int]) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(list(ids))))}


def add_relays(session: Session, rows: Sequence[BuddyRelay]) -> None:
    session.add_all(rows)
    session.flush()


def relayed_delivery_ids(session: Session, alert_id: int) -> set[int]:
    query = select(BuddyRelay.delivery_id).where(BuddyRelay.alert_id == alert_id)
    return set(session.scalars(query))
