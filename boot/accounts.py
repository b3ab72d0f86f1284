"""`binalert account ...` (people's accounts: invite, list, disable, enable, reset, the TOTP
policy per role, re-encrypting TOTP secrets after a new server secret) and the table
`binalert token list` prints."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from binalert import migrate
from binalert.auth import accounts
from binalert.auth.schemas import AccountInvite, Caller, IssuedLink, TokenOut
from binalert.auth.totpkeys import TotpKeys, reseal_all
from binalert.errors import DomainError, NotFound
from binalert.models import Role
from binalert.settings import get_settings
from binalert.tokens import list_tokens
from store.db import Store

account_app = typer.Typer(no_args_is_help=True, help="Accounts of people (the pages).")
T = TypeVar("T")


class OnOff(StrEnum):
    ON = "on"
    OFF = "off"


def current_store() -> Store:
    store = Store(get_settings().database_url)
    migrate.require_current_schema(store.engine)
    return store


@contextmanager
def _refusals() -> Iterator[None]:
    """A refusal is one line on stderr and exit status 2."""
    try:
        yield
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from error
    except ValidationError as error:
        first = error.errors()[0]
        typer.echo(f"error: {first['loc'][0]}: {first['msg']}", err=True)
        raise typer.Exit(2) from error


def _run(work: Callable[[Session], T]) -> T:
    store = current_store()
    try:
        with _refusals(), store.session() as session:
            return work(session)
    finally:
        store.dispose()


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value is not None else "-"


def _link(link: IssuedLink) -> str:
    return accounts.link_url(get_settings(), link)


def _print_link(link: IssuedLink) -> None:
    typer.echo(f"one-time link for {link.email}, valid until {_when(link.expires_at)}:", err=True)
    typer.echo(_link(link))


@account_app.command("invite")
def invite(
    email: str = typer.Option(..., help="the person's e-mail address (their sign-in name)"),
    role: Role = typer.Option(..., help="admin, police or coordinator"),
    name: str | None = typer.Option(None, help="how pages name them (default: the e-mail)"),
    zone: str | None = typer.Option(None, help="the police zone of a police account"),
    bin_id: list[int] = typer.Option([], "--bin", help="a BIN the coordinator manages"),
) -> None:
    """Create an account and print its one-time link (72 h) to set a password."""
    data: dict[str, object] = {"email": email, "display_name": name or email, "role": role}
    data |= {"police_zone": zone, "bin_ids": bin_id}
    with _refusals():
        invite = AccountInvite.model_validate(data)
    _print_link(_run(lambda s: accounts.invite(s, Caller.operator(), invite)))


@account_app.command("list")
def list_accounts() -> None:
    """Every account: e-mail, role, scope, state, TOTP, last sign-in."""
    for a in _run(lambda s: accounts.list_accounts(s, Caller.operator())):
        scope = a.police_zone or ",".join(map(str, a.bin_ids)) or "-"
        state = "disabled" if a.disabled_at else "active" if a.has_password else "invited"
        totp = "totp" if a.has_totp else "no-totp"
        typer.echo(
            f"{a.id}\t{a.email}\t{a.role}\t{scope}\t{state}\t{totp}\t{_when(a.last_signin_at)}"
        )


def _by_email(email: str, act: Callable[[Session, Caller, int], T]) -> T:
    def work(session: Session) -> T:
        caller = Caller.operator()
        return act(session, caller, accounts.id_of(session, caller, email))

    return _run(work)


@account_app.command("disable")
def disable(email: str) -> None:
    """Refuse the account's sign-ins and end its sessions now."""
    _by_email(email, accounts.disable)
    typer.echo(f"disabled {email}; its sessions ended")


@account_app.command("enable")
def enable(email: str) -> None:
    """Let a disabled account sign in again."""
    _by_email(email, accounts.enable)
    typer.echo(f"enabled {email}")


@account_app.command("reset")
def reset(email: str) -> None:
    """Forget the password (and TOTP), end the sessions, print a new one-time link."""
    _print_link(_by_email(email, accounts.reset))


@account_app.command("require-totp")
def require_totp(role: Role, state: OnOff) -> None:
    """Whether this role's accounts sign in with a code from an app (enrolled at next sign-in)."""
    _run(lambda s: accounts.require_totp(s, Caller.operator(), role, state is OnOff.ON))
    typer.echo(f"TOTP for {role.value}: {state.value}")


@account_app.command("rotate-totp-key")
def rotate_totp_key() -> None:
    """After a new BINALERT_SESSION_SECRET (the old one as BINALERT_PREVIOUS_SESSION_SECRET):
    encrypt every TOTP secret with the new key (each start does it too)."""
    keys = TotpKeys.from_settings(get_settings())
    done, unreadable = _run(lambda s: reseal_all(s, keys))
    typer.echo(f"{done} TOTP secret(s) encrypted with the current key")
    if unreadable:
        typer.echo(
            f"error: {unreadable} TOTP secret(s) not readable with the current or previous "
            "secret: set BINALERT_PREVIOUS_SESSION_SECRET, or reset those accounts",
            err=True,
        )
        raise typer.Exit(2)


def print_tokens(store: Store) -> None:
    with store.session() as session:
        rows = [TokenOut.model_validate(t) for t in list_tokens(session)]
    typer.echo("id\tname\trole\tscope\tcreated\tlast used\texpires\trevoked")
    for t in rows:
        scope = t.police_zone or ",".join(map(str, t.bin_ids)) or "-"
        times = (t.created_at, t.last_used_at, t.expires_at, t.revoked_at)
        typer.echo("\t".join([str(t.id), t.name, t.role, scope, *map(_when, times)]))


LAB_ADMIN = "admin@lab.invalid"


def lab_admin_link(session: Session, email: str) -> IssuedLink:
    """`make run`: a one-time link for the lab's admin account (invited, or reset if it exists)."""
    caller = Caller.operator()
    try:
        return accounts.reset(session, caller, accounts.id_of(session, caller, email))
    except NotFound:
        data = AccountInvite(email=email, display_name="Lab admin", role=Role.ADMIN)
        return accounts.invite(session, caller, data)
