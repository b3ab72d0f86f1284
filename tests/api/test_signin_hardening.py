"""Issue #21, sign-in points 1-3: the second step is kept on the server (a forged ticket signs
nobody in and enrols nobody's app), a stranger's wrong passwords never lock the owner out while
an address that guesses waits, password hashes are capped, sessions end when idle, the cookie
is `__Host-` and Secure on https, and TOTP secrets are encrypted at rest. On SQLite and
PostgreSQL, through the test client."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import MetaData, Table, insert, select, update

from api.app import create_app
from api.web.signing import sign
from binalert import migrate
from binalert.auth import accounts, passwords, signin, totpkeys
from binalert.auth.schemas import Caller
from binalert.clock import utcnow
from binalert.errors import TooMany
from binalert.models import Account, Role, SigninThrottle, WebSession
from binalert.runtime import Runtime
from boot.process import build_runtime
from store.db import Store
from tests.api.conftest import ZONE_1, World, api_settings
from tests.api.helpers import PASSWORD, csrf_of, make_account, page_sign_in

BINALERT = shutil.which("binalert") or str(Path(__file__).parents[2] / ".venv/bin/binalert")
OWNER = "owner@binalert.example"
POLICE = "dispatcher@politie.example"
STRANGER = "203.0.113.9"
HOME = "198.51.100.20"


def _signed_in(client: TestClient) -> bool:
    return client.get("/", follow_redirects=False).status_code == 200


def _ticket(html: str) -> str:
    found = re.search(r'name="ticket" value="([^"]+)"', html)
    assert found is not None, "no second step on the page"
    return found.group(1)


def _shown_secret(html: str) -> str:
    found = re.search(r'id="totp-secret" type="text" readonly value="([A-Z2-7]+)"', html)
    assert found is not None, "no key to enrol on the page"
    return found.group(1)


def _code(client: TestClient, step_html: str, code: str) -> int:
    form = {"csrf_token": csrf_of(step_html), "ticket": _ticket(step_html), "code": code}
    return client.post("/signin/code", data=form, follow_redirects=False).status_code


def _require_totp(store: Store, role: Role) -> None:
    with store.session() as s:
        accounts.require_totp(s, Caller.operator(), role, True)


# 1. The second step ---------------------------------------------------------------------------


def test_a_forged_second_step_signs_nobody_in_and_enrols_nothing(
    client: TestClient, store: Store, world: World, runtime: Runtime
) -> None:
    owner = make_account(store, OWNER, Role.ADMIN)
    csrf = csrf_of(client.get("/signin").text)
    mine = pyotp.random_base32()
    claims = {"a": owner, "e": OWNER, "n": "/", "s": mine, "c": csrf}
    forged = sign(runtime.settings, "signin-step", claims)  # the secret is known to the attacker
    form = {"csrf_token": csrf, "ticket": forged, "code": pyotp.TOTP(mine).now()}
    client.post("/signin/code", data=form, follow_redirects=False)
    assert not _signed_in(client)
    with store.session() as s:
        assert s.get(Account, owner).totp_secret is None  # the owner is not behind my app
    client.cookies.clear()
    assert page_sign_in(client, OWNER).status_code == 303  # and still signs in as before


def test_the_second_step_works_once_for_the_browser_that_passed_the_password(
    client: TestClient, store: Store, world: World, app: object
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    _require_totp(store, Role.POLICE)
    step = page_sign_in(client, POLICE)
    app_codes = pyotp.TOTP(_shown_secret(step.text))
    with TestClient(app) as other:  # another browser with the ticket (and its own cookie)
        other_csrf = csrf_of(other.get("/signin").text)
        form = {"csrf_token": other_csrf, "ticket": _ticket(step.text), "code": app_codes.now()}
        other.post("/signin/code", data=form, follow_redirects=False)
        assert not _signed_in(other)
    assert _code(client, step.text, "000000") == 401  # a wrong code: the step stays
    assert _code(client, step.text, app_codes.now()) == 303
    assert _signed_in(client)
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    later = app_codes.at(time.time() + 30)
    form = {"csrf_token": csrf_of(client.get("/signin").text), "ticket": _ticket(step.text)}
    again = client.post("/signin/code", data=form | {"code": later}, follow_redirects=False)
    assert again.headers["location"].endswith("/signin")  # used up: back to the password
    assert not _signed_in(client)


def test_a_pending_second_step_expires_and_wrong_codes_use_it_up(
    store: Store, world: World, runtime: Runtime
) -> None:
    keys = totpkeys.TotpKeys.from_settings(runtime.settings)
    secret = pyotp.random_base32()
    make_account(store, POLICE, Role.POLICE, totp_secret=secret, keys=keys, police_zone=ZONE_1)
    now = utcnow()

    def begin(at: timedelta) -> str:
        with store.session() as s:
            checked = signin.check_password(s, POLICE, PASSWORD, now + at, HOME)
            assert checked is not None and checked.next is signin.Next.TOTP
            return signin.begin_second_step(s, checked, "browser", now + at, keys).ticket

    def finish(ticket: str, code: str, at: timedelta, browser: str = "browser") -> bool:
        with store.session() as s:
            return signin.finish(s, ticket, browser, code, now + at, HOME, keys) is not None

    app = pyotp.TOTP(secret)
    ticket = begin(timedelta(0))
    late = timedelta(minutes=5, seconds=1)
    assert not finish(ticket, app.at(now + late), late)  # too late
    ticket = begin(timedelta(minutes=10))
    at = timedelta(minutes=10, seconds=1)
    for _ in range(signin.MAX_WRONG_CODES):
        assert not finish(ticket, "000000", at)
    assert not finish(ticket, app.at(now + at), at)  # spent by the wrong codes
    ticket = begin(timedelta(minutes=20))
    at = timedelta(minutes=20, seconds=1)
    assert not finish(ticket, app.at(now + at), at, browser="another browser")
    assert finish(ticket, app.at(now + at), at)


def test_only_a_role_that_requires_a_code_enrols_at_sign_in(
    client: TestClient, store: Store, world: World
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    assert page_sign_in(client, POLICE).status_code == 303  # no code, nothing to enrol
    with store.session() as s:
        assert s.scalars(select(Account.totp_secret).where(Account.email == POLICE)).one() is None


# 2. Lock-out and memory -----------------------------------------------------------------------


def _attempt(store: Store, email: str, password: str, at: object, source: str) -> bool:
    with store.session() as s:
        return signin.check_password(s, email, password, at, source) is not None  # type: ignore[arg-type]


def test_a_strangers_wrong_passwords_never_lock_the_owner_out(store: Store, world: World) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    now = utcnow()
    for i in range(5):
        assert not _attempt(store, POLICE, "wrong password!", now + timedelta(seconds=i), STRANGER)
    assert not _attempt(store, POLICE, PASSWORD, now + timedelta(seconds=6), STRANGER)  # waits
    assert _attempt(store, POLICE, PASSWORD, now + timedelta(seconds=6), HOME)  # the owner: in
    for quarter in range(1, 13):  # a wrong try every 15 minutes for three hours
        at = now + timedelta(minutes=15 * quarter)
        assert not _attempt(store, POLICE, "still wrong!", at, STRANGER)
        assert _attempt(store, POLICE, PASSWORD, at + timedelta(seconds=1), HOME)


def test_an_address_that_guesses_many_accounts_waits_for_all_of_them(
    store: Store, world: World
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    now = utcnow()
    for i in range(signin.ADDRESS_FREE_TRIES):
        assert not _attempt(store, f"guess{i}@x.example", "guess", now, STRANGER)
    assert not _attempt(store, POLICE, PASSWORD, now + timedelta(seconds=1), STRANGER)
    assert _attempt(store, POLICE, PASSWORD, now + timedelta(seconds=1), HOME)


def test_counters_of_long_ago_are_forgotten(store: Store, world: World) -> None:
    now = utcnow()
    assert not _attempt(store, "first@x.example", "guess", now, STRANGER)
    with store.session() as s:
        assert len(s.scalars(select(SigninThrottle)).all()) == 2  # the pair, the address
    assert not _attempt(store, "later@x.example", "guess", now + timedelta(days=2), HOME)
    with store.session() as s:
        left = s.scalars(select(SigninThrottle)).all()
    assert len(left) == 2 and all(row.last_failed_at > now for row in left)


def test_one_address_hashes_one_password_at_a_time_and_the_rest_are_refused_at_once(
    store: Store, world: World
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    with passwords.slot(STRANGER):  # a hash of this address under way
        started = time.monotonic()
        with pytest.raises(TooMany), store.session() as s:
            signin.check_password(s, POLICE, "wrong password!", utcnow(), STRANGER)
        assert time.monotonic() - started < 0.2  # refused without hashing
        assert _attempt(store, POLICE, PASSWORD, utcnow(), HOME)
    held = [passwords.slot(f"192.0.2.{i}") for i in range(passwords.HASH_SLOTS)]
    for each in held:
        each.__enter__()
    try:
        with pytest.raises(TooMany), store.session() as s:
            signin.check_password(s, POLICE, PASSWORD, utcnow(), HOME)
    finally:
        for each in held:
            each.__exit__(None, None, None)
    assert _attempt(store, POLICE, PASSWORD, utcnow(), HOME)


def test_concurrent_sign_ins_never_hash_more_than_the_slots_at_once(
    store: Store, world: World
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    results: list[str] = []

    def one(i: int) -> None:
        try:
            _attempt(store, POLICE, "wrong password!", utcnow(), f"192.0.2.{i}")
            results.append("hashed")
        except TooMany:
            results.append("refused")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 12 and passwords.peak_hashes() <= passwords.HASH_SLOTS


# 3. Sessions ----------------------------------------------------------------------------------


def test_a_session_left_idle_ends(client: TestClient, store: Store, world: World) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    assert page_sign_in(client, POLICE).status_code == 303
    with store.session() as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
    assert _signed_in(client)  # within the idle time; and seeing it counts as activity
    with store.session() as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert not _signed_in(client)
    assert client.get("/api/v1/bins").status_code == 401


def test_on_https_the_cookie_is_host_only_and_secure(
    store: Store, world: World, tmp_path: Path
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    settings = api_settings(store, tmp_path, public_url="https://binalert.example.be")
    app = create_app(Runtime(settings=settings, store=store))
    with TestClient(app, base_url="https://binalert.example.be") as client:
        csrf = csrf_of(client.get("/signin").text)
        form = {"csrf_token": csrf, "email": POLICE, "password": PASSWORD, "next": "/"}
        done = client.post("/signin", data=form, follow_redirects=False)
        cookie = done.headers["set-cookie"]
        assert cookie.startswith("__Host-binalert_session="), cookie
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes and "path=/" in attributes
        assert not any(part.startswith("domain") for part in attributes)
        assert _signed_in(client)


def test_on_plain_http_in_development_the_cookie_is_not_secure(
    client: TestClient, store: Store, world: World
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    cookie = page_sign_in(client, POLICE).headers["set-cookie"]
    assert cookie.startswith("binalert_session=") and "secure" not in cookie.lower()


def test_totp_secrets_are_encrypted_at_rest_and_survive_a_key_rotation(
    client: TestClient, store: Store, world: World, runtime: Runtime, tmp_path: Path
) -> None:
    make_account(store, POLICE, Role.POLICE, police_zone=ZONE_1)
    _require_totp(store, Role.POLICE)
    step = page_sign_in(client, POLICE)
    secret = _shown_secret(step.text)
    app_codes = pyotp.TOTP(secret)
    assert _code(client, step.text, app_codes.now()) == 303
    with store.session() as s:
        stored = s.scalars(select(Account.totp_secret).where(Account.email == POLICE)).one()
    assert stored is not None and secret not in stored
    assert totpkeys.TotpKeys.from_settings(runtime.settings).open(stored) == secret

    new = api_settings(
        store,
        tmp_path,
        session_secret=SecretStr("a new secret, " + "n" * 32),
        previous_session_secret=SecretStr(runtime.settings.server_secret()),
    )
    with store.session() as s:
        assert totpkeys.reseal_all(s, totpkeys.TotpKeys.from_settings(new)) == (1, 0)
    only_new = new.model_copy(update={"previous_session_secret": None})
    with store.session() as s:
        stored = s.scalars(select(Account.totp_secret).where(Account.email == POLICE)).one()
    assert totpkeys.TotpKeys.from_settings(only_new).open(stored) == secret
    assert totpkeys.TotpKeys.from_settings(runtime.settings).open(stored) is None


def test_migration_0008_marks_plain_totp_secrets_and_the_start_encrypts_them(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0007")
    store = Store(url)
    try:
        # The table as revision 0007 has it (reflected): the ORM model carries later columns.
        with store.engine.begin() as connection:
            accounts = Table("accounts", MetaData(), autoload_with=connection)
            connection.execute(
                insert(accounts).values(
                    email=POLICE,
                    display_name="An",
                    role="police",
                    police_zone=ZONE_1,
                    bin_ids=[],
                    password_hash=passwords.hash_password(PASSWORD),
                    totp_secret="JBSWY3DPEHPK3PXP",
                    failed_logins=0,
                    created_at=utcnow(),
                )
            )
        migrate.upgrade(url)
        with store.session() as s:
            marked = s.scalars(select(Account.totp_secret)).one()
        assert marked == "plain:JBSWY3DPEHPK3PXP"
        settings = api_settings(store, tmp_path)
        build_runtime(settings, with_dispatcher=False).store.dispose()  # as serve, worker do
        keys = totpkeys.TotpKeys.from_settings(settings)
        with store.session() as s:
            sealed = s.scalars(select(Account.totp_secret)).one()
        assert sealed is not None and "JBSWY3DPEHPK3PXP" not in sealed
        assert keys.open(sealed) == "JBSWY3DPEHPK3PXP"
    finally:
        store.dispose()


def test_the_cli_encrypts_totp_secrets_with_a_new_server_secret(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    store = Store(url)
    old, new = "the old server secret, " + "o" * 20, "the new server secret, " + "n" * 20
    old_keys = totpkeys.TotpKeys.from_settings(
        api_settings(store, tmp_path, session_secret=SecretStr(old))
    )
    secret = pyotp.random_base32()
    make_account(store, POLICE, Role.POLICE, totp_secret=secret, keys=old_keys, police_zone="Z")
    env = os.environ | {
        "BINALERT_DATABASE_URL": url,
        "BINALERT_ENVIRONMENT": "test",
        "BINALERT_SESSION_SECRET": new,
    }
    run = [BINALERT, "account", "rotate-totp-key"]
    try:
        refused = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and "1 TOTP secret(s) not readable" in refused.stderr
        env["BINALERT_PREVIOUS_SESSION_SECRET"] = old
        done = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "1 TOTP secret(s) encrypted" in done.stdout
        new_keys = totpkeys.TotpKeys.from_settings(
            api_settings(store, tmp_path, session_secret=SecretStr(new))
        )
        with store.session() as s:
            stored = s.scalars(select(Account.totp_secret)).one()
        assert stored is not None and new_keys.open(stored) == secret
        assert old_keys.open(stored) is None
    finally:
        store.dispose()
