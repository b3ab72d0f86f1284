"""Queries for authentication and BIN scoping."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import ApiToken, Bin
from binalert.tokens import find_token


def token(session: Session, raw: str) -> ApiToken | None:
    return find_token(session, raw)


def bin_ids_of_zone(session: Session, zone: str) -> set[int]:
    return set(session.scalars(select(Bin.id).where(Bin.police_zone == zone)))


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)
