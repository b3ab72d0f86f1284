"""Who is calling: the principal behind a bearer token, a signed-in account or the CLI, and
where the request came from; accounts and tokens as the pages and the CLI show them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator

from binalert.ids import Id
from binalert.models import Role
from binalert.text import Name

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str) -> str:
    """The one spelling of an e-mail address binalert stores and looks up."""
    return value.strip().lower()


@dataclass(frozen=True)
class Principal:
    token_id: int | None
    name: str
    role: Role
    police_zone: str | None = None
    bin_ids: frozenset[int] = field(default_factory=frozenset)
    account_id: int | None = None
    email: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this caller: the account, the token, or the CLI."""
        if self.account_id is not None:
            return f"{self.role.value}:{self.email}#account{self.account_id}"
        if self.token_id is not None:
            return f"{self.role.value}:{self.name}#{self.token_id}"
        return f"{self.role.value}:{self.name}"

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class Caller:
    """The principal and where the request came from."""

    principal: Principal
    source: str | None

    @classmethod
    def operator(cls) -> Caller:
        """Whoever runs the `binalert` command on the server (an administrator)."""
        return cls(Principal(token_id=None, name="cli", role=Role.ADMIN), source="cli")


class AccountInvite(BaseModel):
    """A new account, as an admin describes it (pages and CLI)."""

    model_config = ConfigDict(extra="forbid")

    email: str
    display_name: Name
    role: Role
    police_zone: str | None = None
    bin_ids: list[Id] = []

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = normalise_email(value)
        if len(value) > 254 or not EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value

    @field_validator("police_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return (value or "").strip()[:200] or None


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    role: str
    police_zone: str | None
    bin_ids: list[int]
    created_at: datetime
    last_signin_at: datetime | None
    disabled_at: datetime | None
    has_password: bool
    has_totp: bool
    slowed_until: datetime | None


class TokenOut(BaseModel):
    """A token as `binalert token list` shows it: never the token, never its hash."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str
    police_zone: str | None
    bin_ids: list[int]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedLink:
    """A one-time invitation or reset link: the token in clear, shown once."""

    account_id: int
    email: str
    token: str
    expires_at: datetime
