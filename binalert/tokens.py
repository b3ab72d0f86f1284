"""API tokens: random, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import ApiToken, Bin, Role

TOKEN_PREFIX = "bna_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    role: Role,
    name: str,
    bin_ids: Sequence[int] = (),
    police_zone: str | None = None,
) -> str:
    """Store a new token and return it in clear: the only time anyone sees it."""
    if role is Role.POLICE and not police_zone:
        raise ValueError("a police token needs --zone (the police zone it acts for)")
    if role is Role.COORDINATOR and not bin_ids:
        raise ValueError("a coordinator token needs at least one --bin")
    existing = set(session.scalars(select(Bin.id).where(Bin.id.in_(list(bin_ids)))))
    missing = sorted(set(bin_ids) - existing)
    if missing:
        raise ValueError(f"no BIN {', '.join(map(str, missing))}: a token names existing BINs")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            role=role.value,
            token_hash=hash_token(token),
            police_zone=police_zone,
            bin_ids=list(bin_ids),
        )
    )
    session.flush()
    return token


def find_token(session: Session, token: str) -> ApiToken | None:
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if found is None or found.revoked_at is not None:
        return None
    return found
