"""Bearer tokens and accounts to principals, role checks and the BINs a principal may see."""

from __future__ import annotations

from sqlalchemy.orm import Session

from binalert.auth import repository as repo
from binalert.auth.schemas import Principal
from binalert.clock import utcnow
from binalert.errors import Forbidden, Unauthorized
from binalert.models import Account, ApiToken, Role
from binalert.tokens import mark_used

MAX_TOKEN_LENGTH = 200


def authenticate(session: Session, raw: str | None) -> Principal:
    """The principal of a live bearer token (its use noted, at most once a minute)."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise Unauthorized("a valid bearer token is required")
    found = repo.token(session, raw)
    if found is None:
        raise Unauthorized("a valid bearer token is required")
    mark_used(found, utcnow())
    return token_principal(found)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as error:
        raise Unauthorized("this token or account has an unknown role") from error


def token_principal(found: ApiToken) -> Principal:
    return Principal(
        token_id=found.id,
        name=found.name,
        role=_role(found.role),
        police_zone=found.police_zone,
        bin_ids=frozenset(found.bin_ids or []),
        extra_zones=frozenset(found.extra_zones or []),
    )


def account_principal(found: Account) -> Principal:
    """The same shape as a token's principal, so every scope check works alike."""
    return Principal(
        token_id=None,
        name=found.display_name,
        role=_role(found.role),
        police_zone=found.police_zone,
        bin_ids=frozenset(found.bin_ids or []),
        account_id=found.id,
        email=found.email,
        extra_zones=frozenset(found.extra_zones or []),
    )


def require_role(principal: Principal, *roles: Role) -> None:
    if principal.role is Role.ADMIN or principal.role in roles:
        return
    raise Forbidden(f"the {principal.role.value} role may not do this")


def visible_bin_ids(session: Session, principal: Principal) -> set[int] | None:
    """The BINs this principal may see; None means every BIN (admin)."""
    if principal.role is Role.ADMIN:
        return None
    if principal.role is Role.POLICE:  # its zone, and a dispatch centre's (CIC) further zones
        return set().union(*(repo.bin_ids_of_zone(session, z) for z in principal.zones))
    return set(principal.bin_ids)


def can_see_bin(session: Session, principal: Principal, bin_id: int) -> bool:
    visible = visible_bin_ids(session, principal)
    return visible is None or bin_id in visible
