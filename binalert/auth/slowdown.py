"""Wrong sign-ins slow down the one who makes them, never the owner of the account.

Two counters, kept in the store (`signin_throttle`), each keyed by a hash:
- per e-mail address and client address: after FREE_TRIES wrong in a row, each further try
  from that address for that e-mail waits a delay that doubles up to MAX_DELAY (a right
  password clears it);
- per client address (IPv6: its /64): after ADDRESS_FREE_TRIES wrong tries, for any account,
  that address waits alike (one address guessing many accounts).
So a stranger's guesses never make the owner's right password fail from the owner's address:
a right password from an address without wrong tries always works. A counter whose last wrong
try is older than its FORGET_AFTER starts again from nothing. Every check comes before the
password is hashed: a waiting try costs no hash."""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from binalert.models import SigninThrottle
from store.db import on_postgres

FREE_TRIES = 5
ADDRESS_FREE_TRIES = 20
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
PAIR_FORGET_AFTER = timedelta(hours=24)
ADDRESS_FORGET_AFTER = timedelta(hours=1)
CLEAN_UP_ROWS = 100


def delay_after(failures: int, free: int = FREE_TRIES) -> timedelta:
    """How long the next try waits after this many wrong tries in a row."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 10)
    return min(FIRST_DELAY * (2**doublings), MAX_DELAY)


def client_address(source: str | None) -> str:
    """Who tries: the client address, an IPv6 one as its /64 (one subscriber has them all)."""
    try:
        address = ipaddress.ip_address(source or "")
    except ValueError:
        return (source or "unknown")[:100]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _keys(email: str, source: str | None) -> tuple[str, str]:
    """(the e-mail and client address pair's key, the client address's key)."""
    address = client_address(source)
    return "p:" + _hash(email, address), "a:" + _hash(address)


def is_waiting(session: Session, email: str, source: str | None, now: datetime) -> bool:
    """Whether this e-mail from this client address, or this client address, must wait."""
    keys = _keys(email, source)
    rows = session.scalars(select(SigninThrottle).where(SigninThrottle.key.in_(keys)))
    return any(row.waits_until is not None and now < row.waits_until for row in rows)


def _insert(session: Session) -> Any:
    dialect: Any = postgresql if on_postgres(session) else sqlite
    return dialect.insert(SigninThrottle)


def _count(session: Session, key: str, now: datetime, free: int, forget: timedelta) -> None:
    new = {"key": key, "failures": 0, "last_failed_at": now, "waits_until": None}
    session.execute(_insert(session).values(**new).on_conflict_do_nothing())
    row = session.scalars(
        select(SigninThrottle).where(SigninThrottle.key == key).with_for_update()
    ).one()
    if now - row.last_failed_at > forget:
        row.failures = 0
    row.failures += 1
    row.last_failed_at = now
    delay = delay_after(row.failures, free)
    row.waits_until = now + delay if delay else None


def failed(session: Session, email: str, source: str | None, now: datetime) -> None:
    """One more wrong try of this e-mail from this client address (known account or not)."""
    pair, address = _keys(email, source)
    _count(session, pair, now, FREE_TRIES, PAIR_FORGET_AFTER)
    _count(session, address, now, ADDRESS_FREE_TRIES, ADDRESS_FORGET_AFTER)
    _forget_old(session, now - PAIR_FORGET_AFTER - MAX_DELAY)


def _forget_old(session: Session, before: datetime) -> None:
    """Delete a few counters idle since before this time (rows another sign-in holds are
    left for the next one: no waiting, no deadlock)."""
    old = (
        select(SigninThrottle.key)
        .where(SigninThrottle.last_failed_at < before)
        .limit(CLEAN_UP_ROWS)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(SigninThrottle).where(SigninThrottle.key.in_(old.scalar_subquery())))


def succeeded(session: Session, email: str, source: str | None) -> None:
    """A right password: this pair starts again (the address keeps its count for its hour)."""
    session.execute(delete(SigninThrottle).where(SigninThrottle.key == _keys(email, source)[0]))
