"""All queries on BINs."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import Bin


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
