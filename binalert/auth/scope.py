"""What a token or an account may reach: police act for one zone, coordinators for BINs that
exist, admins for everything."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.errors import Invalid
from binalert.models import Bin, Role


def check_scope(
    session: Session, what: str, role: Role, police_zone: str | None, bin_ids: Sequence[int]
) -> None:
    """Refuse a police `what` (token, account) without a zone, a coordinator's without BINs
    or naming a BIN that does not exist."""
    if role is Role.POLICE and not police_zone:
        raise Invalid(f"a police {what} needs --zone (the police zone it acts for)")
    if role is Role.COORDINATOR and not bin_ids:
        raise Invalid(f"a coordinator {what} needs at least one --bin")
    existing = set(session.scalars(select(Bin.id).where(Bin.id.in_(list(bin_ids)))))
    missing = sorted(set(bin_ids) - existing)
    if missing:
        raise Invalid(f"no BIN {', '.join(map(str, missing))}: a {what} names existing BINs")


def check_extra_zones(
    session: Session, what: str, role: Role, police_zone: str | None, zones: Sequence[str]
) -> list[str]:
    """A dispatch centre's (CIC) further zones: police only, each a zone with BINs (a typo
    would silently reach nothing), none repeating its own zone; the zones, sorted."""
    if not zones:
        return []
    if role is not Role.POLICE:
        raise Invalid(f"only a police {what} acts for further zones")
    chosen = sorted(set(zones) - {police_zone or ""})
    known = set(session.scalars(select(Bin.police_zone).where(Bin.police_zone.in_(chosen))))
    unknown = [zone for zone in chosen if zone not in known]
    if unknown:
        raise Invalid(f"no BIN in zone {', '.join(unknown)}: further zones name zones with BINs")
    return chosen
