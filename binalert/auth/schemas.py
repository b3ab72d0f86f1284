"""Who is calling: the principal behind a bearer token, and where the request came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from binalert.models import Role


@dataclass(frozen=True)
class Principal:
    token_id: int
    name: str
    role: Role
    police_zone: str | None = None
    bin_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"{self.role.value}:{self.name}#{self.token_id}"

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class Caller:
    """The principal and where the request came from."""

    principal: Principal
    source: str | None
