"""All queries on BINs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from binalert.models import Bin, Member, Membership


def add(session: Session, item: Bin) -> Bin:
    session.add(item)
    session.flush()
    return item


def get(session: Session, bin_id: int) -> Bin | None:
    return session.get(Bin, bin_id)


def page(
    session: Session, visible: Collection[int] | None, after_id: int, limit: int
) -> Sequence[Bin]:
    query = select(Bin).where(Bin.id > after_id)
    if visible is not None:
        query = query.where(Bin.id.in_(list(visible)))
    return list(session.scalars(query.order_by(Bin.id).limit(limit)))


def existing_ids(session: Session, ids: Collection[int]) -> set[int]:
    return set(session.scalars(select(Bin.id).where(Bin.id.in_(list(ids)))))


def by_ids(session: Session, ids: Collection[int]) -> list[Bin]:
    return list(session.scalars(select(Bin).where(Bin.id.in_(list(ids))).order_by(Bin.id)))


def area_candidates(
    session: Session, box: tuple[float, float, float, float]
) -> list[tuple[int, datetime]]:
    """(id, area version) of the BINs whose area's bounding box overlaps `box` (metres)."""
    x_min, y_min, x_max, y_max = box
    query = select(Bin.id, Bin.area_updated_at).where(
        Bin.area.is_not(None),
        Bin.area_x_min <= x_max,
        Bin.area_x_max >= x_min,
        Bin.area_y_min <= y_max,
        Bin.area_y_max >= y_min,
    )
    return [(row.id, row.area_updated_at) for row in session.execute(query)]


def area_texts(session: Session, ids: Collection[int]) -> dict[int, tuple[datetime, str]]:
    query = select(Bin.id, Bin.area_updated_at, Bin.area).where(
        Bin.id.in_(list(ids)), Bin.area.is_not(None)
    )
    return {row.id: (row.area_updated_at, row.area) for row in session.execute(query)}


def with_areas(session: Session, visible: Collection[int] | None) -> list[Bin]:
    query = select(Bin).where(Bin.area.is_not(None))
    if visible is not None:
        query = query.where(Bin.id.in_(list(visible)))
    return list(session.scalars(query.order_by(Bin.id)))


def active_member_counts(session: Session, ids: Collection[int]) -> dict[int, int]:
    query = (
        select(Membership.bin_id, func.count(Member.id))
        .join(Member, Member.id == Membership.member_id)
        .where(Membership.bin_id.in_(list(ids)), Member.active.is_(True))
        .group_by(Membership.bin_id)
    )
    return {bin_id: count for bin_id, count in session.execute(query)}


def active_member_total(session: Session, ids: Collection[int]) -> int:
    """Active members of any of the BINs, each counted once (a member of two is one call)."""
    query = (
        select(func.count(func.distinct(Member.id)))
        .join(Membership, Member.id == Membership.member_id)
        .where(Membership.bin_id.in_(list(ids)), Member.active.is_(True))
    )
    return int(session.scalar(query) or 0)
