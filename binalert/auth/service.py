"""Bearer tokens to principals, role checks and the BINs a principal may see."""

from __future__ import annotations

from sqlalchemy.orm import Session

from binalert.auth import repository as repo
from binalert.auth.schemas import Principal
from binalert.errors import Forbidden, Unauthorized
from binalert.models import ApiToken, Role

MAX_TOKEN_LENGTH = 200


def authenticate(session: Session, raw: str | None) -> Principal:
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise Unauthorized("a valid bearer token is required")
    found = repo.token(session, raw)
    if found is None:
        raise Unauthorized("a valid bearer token is required")
    return _principal(found)


def principal_for_token_id(session: Session, token_id: int) -> Principal:
    """The principal of a signed-in web session (which holds the token id, never the token)."""
    found = repo.token_by_id(session, token_id)
    if found is None or found.revoked_at is not None:
        raise Unauthorized("this session has ended; sign in again")
    return _principal(found)


def _principal(found: ApiToken) -> Principal:
    try:
        role = Role(found.role)
    except ValueError as error:
        raise Unauthorized("this token has an unknown role") from error
    return Principal(
        token_id=found.id,
        name=found.name,
        role=role,
        police_zone=found.police_zone,
        bin_ids=frozenset(found.bin_ids or []),
    )


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role is Role.ADMIN or principal.role in roles:
        return
    raise Forbidden(f"the {principal.role.value} role may not do this")


def visible_bin_ids(session: Session, principal: Principal) -> set[int] | None:
    """The BINs this principal may see; None means every BIN (admin)."""
    if principal.role is Role.ADMIN:
        return None
    if principal.role is Role.POLICE:
        return repo.bin_ids_of_zone(session, principal.police_zone or "")
    return set(principal.bin_ids)


def can_see_bin(session: Session, principal: Principal, bin_id: int) -> bool:
    visible = visible_bin_ids(session, principal)
    return visible is None or bin_id in visible
