"""API tokens for machines: random, shown once, stored only as a SHA-256 hash; they may expire,
can be revoked, and remember (to the minute) when they were last used."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from binalert.auth.scope import check_extra_zones, check_scope
from binalert.clock import utcnow
from binalert.errors import Conflict, NotFound
from binalert.models import ApiToken, Role

TOKEN_PREFIX = "bna_"
LAST_USED_EVERY = timedelta(minutes=1)
"""last_used_at is written at most this often per token (not once per request)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    role: Role,
    name: str,
    bin_ids: Sequence[int] = (),
    police_zone: str | None = None,
    expires_in_days: int | None = None,
    extra_zones: Sequence[str] = (),
) -> str:
    """Store a new token and return it in clear: the only time anyone sees it."""
    check_scope(session, "token", role, police_zone, bin_ids)
    further = check_extra_zones(session, "token", role, police_zone, extra_zones)
    now = utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(days=expires_in_days) if expires_in_days is not None else None
    session.add(
        ApiToken(
            name=name,
            role=role.value,
            token_hash=hash_token(token),
            police_zone=police_zone,
            extra_zones=further,
            bin_ids=list(bin_ids),
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    return token


def is_live(found: ApiToken, now: datetime) -> bool:
    """Neither revoked nor past its expiry."""
    return found.revoked_at is None and (found.expires_at is None or found.expires_at > now)


def find_token(session: Session, token: str) -> ApiToken | None:
    """The live token with this value, or None (unknown, revoked or expired)."""
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if found is None or not is_live(found, utcnow()):
        return None
    return found


def mark_used(found: ApiToken, now: datetime) -> None:
    """Remember the use, at most once a minute per token."""
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_EVERY:
        found.last_used_at = now


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_token(session: Session, id_or_name: str) -> ApiToken:
    """Revoke the token with this id, or the one live token with this name."""
    query = select(ApiToken).where(ApiToken.name == id_or_name)
    if id_or_name.isdigit():
        query = select(ApiToken).where(
            or_(ApiToken.id == int(id_or_name), ApiToken.name == id_or_name)
        )
    found = [t for t in session.scalars(query) if t.revoked_at is None]
    if not found:
        raise NotFound(f"no live token {id_or_name!r}")
    if len(found) > 1:
        ids = ", ".join(str(t.id) for t in found)
        raise Conflict(f"{len(found)} live tokens match {id_or_name!r} (ids {ids}): give the id")
    found[0].revoked_at = utcnow()
    session.flush()
    return found[0]
