"""The store (migrations, guarded transitions, claims) on SQLite and PostgreSQL, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from binalert import migrate
from binalert.auth import accounts
from binalert.deliveries import lifecycle as deliveries
from binalert.deliveries.machine import Event
from binalert.deliveries.policy import RetryPolicy
from binalert.deliveries.repository import transition
from binalert.errors import Conflict
from binalert.models import Account, Bin, CallOutcome, Delivery, DeliveryEvent
from binalert.tokens import find_token, hash_token
from ivr import wire
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store

BINALERT = str(Path(sys.executable).parent / "binalert")


def _alert_with(store: Store, members: int) -> int:
    """An alert with this many pending deliveries (members who press 1, if ever called)."""
    return seed_alert(store, SIM.PRESS_1.numbers(members), valid_minutes=60)


def test_migrations_build_every_table(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "bins",
        "members",
        "memberships",
        "alerts",
        "deliveries",
        "call_attempts",
        "api_tokens",
        "audit_log",
        "delivery_events",
        "accounts",
        "account_links",
        "web_sessions",
        "role_policies",
        "alembic_version",
    } <= tables
    assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_guarded_transition_refuses_a_wrong_state(store: Store) -> None:
    alert_id = _alert_with(store, 1)
    with store.session() as s:
        delivery_id = s.scalars(select(Delivery.id).where(Delivery.alert_id == alert_id)).one()
        transition(s, delivery_id, Event.ACKNOWLEDGE)
    with pytest.raises(Conflict), store.session() as s:
        transition(s, delivery_id, Event.CLAIM)


def test_claims_never_take_a_delivery_twice(store: Store) -> None:
    alert_id = _alert_with(store, 5)
    options = deliveries.ClaimOptions(worker_id="w", pbx="p", call_id=wire.call_id, call_seconds=60)
    now = datetime.now(UTC)
    with store.session() as s:
        first = deliveries.claim_due(s, now, 3, options)
    with store.session() as s:
        second = deliveries.claim_due(s, now, 10, options)
    ids = [c.delivery_id for c in first + second]
    assert len(ids) == 5 and len(set(ids)) == 5
    assert len({c.channel_id for c in first + second}) == 5
    with store.session() as s:
        kinds = list(
            s.scalars(select(DeliveryEvent.kind).where(DeliveryEvent.alert_id == alert_id))
        )
    assert kinds.count("call_started") == 5


@pytest.mark.postgres
def test_concurrent_claims_on_postgres_skip_locked_rows(pg_store: Store) -> None:
    """SKIP LOCKED is PostgreSQL's (SQLite runs one dispatcher process)."""
    store = pg_store
    _alert_with(store, 4)
    options = deliveries.ClaimOptions(worker_id="w", pbx="p", call_id=wire.call_id, call_seconds=60)
    now = datetime.now(UTC)
    with store.session() as holding:
        mine = deliveries.claim_due(holding, now, 2, options)  # rows locked, not committed
        with store.session() as other:
            theirs = deliveries.claim_due(other, now, 10, options)
    assert {c.delivery_id for c in mine}.isdisjoint({c.delivery_id for c in theirs})
    assert len(theirs) == 2


def test_acknowledgement_is_kept_and_counted_once(store: Store) -> None:
    _alert_with(store, 1)
    options = deliveries.ClaimOptions(worker_id="w", pbx="p", call_id=wire.call_id, call_seconds=60)
    now = datetime.now(UTC)
    with store.session() as s:
        [call] = deliveries.claim_due(s, now, 1, options)
    with store.session() as s:
        assert deliveries.acknowledge(s, call.channel_id, "1", now)
    with store.session() as s:
        assert not deliveries.acknowledge(s, call.channel_id, "1", now)  # replayed event
    with store.session() as s:
        deliveries.finish_call(s, call.channel_id, CallOutcome.ANSWERED, now, RetryPolicy())
        delivery = s.get(Delivery, call.delivery_id)
        assert delivery is not None and delivery.status == "acknowledged"
        acks = s.scalars(select(DeliveryEvent).where(DeliveryEvent.kind == "acknowledged")).all()
        assert len(acks) == 1


def _cli(*args: str, db: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"BINALERT_DATABASE_URL": db} | extra
    return subprocess.run([BINALERT, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.timeout(120)
def test_cli_upgrade_token_and_serve_refusing_an_old_schema(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    refused = _cli("serve", "--port", "1", db=db)
    assert refused.returncode != 0 and "binalert db upgrade" in refused.stderr
    assert _cli("db", "upgrade", db=db).returncode == 0
    created = _cli(
        "token", "create", "--role", "police", "--name", "Dispatch", "--zone", "Z", db=db
    )
    assert created.returncode == 0
    token = created.stdout.strip()
    assert created.stdout == token + "\n" and token.startswith("bna_")
    store = Store(db)
    with store.session() as s:
        found = find_token(s, token)
        assert (
            found is not None and found.role == "police" and found.token_hash == hash_token(token)
        )
    store.dispose()
    bad = _cli("token", "create", "--role", "coordinator", "--name", "C", db=db)
    assert bad.returncode == 2 and "--bin" in bad.stderr
    unknown = _cli("token", "create", "--role", "coordinator", "--name", "C", "--bin", "7", db=db)
    assert unknown.returncode == 2 and "no BIN 7" in unknown.stderr  # tokens name real BINs


def test_models_and_migrations_agree(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from binalert.models import Base

    def comparable(obj: object, name: str | None, kind: str, *_: object) -> bool:
        partial = name in PARTIAL_INDEXES or name in OTHER_PARTIAL_INDEXES
        return not (kind == "index" and partial)  # alembic can't reflect them

    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": comparable})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models differ from the migrations: {diff}"


PARTIAL_INDEXES = {
    "ix_deliveries_queue": ("urgent desc", "attempts", "next_attempt_at", "id"),
    "ix_deliveries_next": ("next_attempt_at",),
}
OTHER_PARTIAL_INDEXES = {
    "uq_buddy_links_live_pair",  # one live buddy link per pair (0018)
    "ix_sms_replies_unhandled",  # the replies not acted on yet (0019)
}


def _index_sql(store: Store, name: str) -> str:
    if store.is_postgres:
        query = text("SELECT indexdef FROM pg_indexes WHERE indexname = :n")
    else:
        query = text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n")
    with store.engine.connect() as conn:
        return " ".join(str(conn.scalar(query, {"n": name})).lower().replace('"', "").split())


def test_claim_queue_indexes_are_partial_and_in_dialling_order(store: Store) -> None:
    for name, columns in PARTIAL_INDEXES.items():
        sql = _index_sql(store, name)
        assert f"({', '.join(columns)})" in sql, sql
        assert "where" in sql and "pending" in sql and "waiting_retry" in sql, sql
        assert "calling" not in sql, sql


@pytest.mark.timeout(180)
def test_cli_tokens_expire_list_and_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli("db", "upgrade", db=db).returncode == 0
    made = _cli(
        "token", "create", "--role", "admin", "--name", "ci-bot", "--expires-in-days", "30", db=db
    )
    token = made.stdout.strip()
    listed = _cli("token", "list", db=db)
    assert listed.returncode == 0
    header, row = listed.stdout.splitlines()
    assert header.split("\t") == [
        "id",
        "name",
        "role",
        "scope",
        "created",
        "last used",
        "expires",
        "revoked",
    ]
    cells = row.split("\t")
    assert cells[1:4] == ["ci-bot", "admin", "-"] and cells[5] == "-" and cells[7] == "-"
    assert cells[6].endswith("UTC") and token not in listed.stdout
    assert hash_token(token) not in listed.stdout  # never the token, nor its hash
    revoked = _cli("token", "revoke", "ci-bot", db=db)
    assert revoked.returncode == 0, revoked.stderr
    assert _cli("token", "list", db=db).stdout.splitlines()[1].split("\t")[7].endswith("UTC")
    store = Store(db)
    with store.session() as s:
        assert find_token(s, token) is None
    store.dispose()
    again = _cli("token", "revoke", "ci-bot", db=db)
    assert again.returncode == 2 and "no live token" in again.stderr


@pytest.mark.timeout(180)
def test_cli_accounts_invite_list_disable_reset_and_require_totp(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli("db", "upgrade", db=db).returncode == 0
    store = Store(db)
    with store.session() as s:
        s.add(Bin(name="BIN A", municipality="Gent", police_zone="Gent"))
    store.dispose()
    bad = _cli(
        "account", "invite", "--email", "c@x.be", "--role", "coordinator", "--bin", "9", db=db
    )
    assert bad.returncode == 2 and "no BIN 9" in bad.stderr  # accounts name real BINs
    nozone = _cli("account", "invite", "--email", "p@x.be", "--role", "police", db=db)
    assert nozone.returncode == 2 and "--zone" in nozone.stderr
    env = {"BINALERT_PUBLIC_URL": "https://binalert.example.be"}
    invited = _cli(
        "account",
        "invite",
        "--email",
        "C@X.be",
        "--role",
        "coordinator",
        "--bin",
        "1",
        db=db,
        **env,
    )
    assert invited.returncode == 0, invited.stderr
    assert invited.stdout.startswith("https://binalert.example.be/setup/")
    listed = _cli("account", "list", db=db).stdout
    assert "c@x.be\tcoordinator\t1\tinvited\tno-totp" in listed
    assert _cli("account", "require-totp", "coordinator", "on", db=db).returncode == 0
    assert _cli("account", "disable", "c@x.be", db=db).returncode == 0
    assert "\tdisabled\t" in _cli("account", "list", db=db).stdout
    refused = _cli("account", "reset", "c@x.be", db=db)
    assert refused.returncode == 2 and "enable the account" in refused.stderr
    assert _cli("account", "enable", "c@x.be", db=db).returncode == 0
    reset = _cli("account", "reset", "c@x.be", db=db)
    assert reset.returncode == 0 and "/setup/" in reset.stdout
    assert reset.stdout != invited.stdout
    missing = _cli("account", "reset", "nobody@x.be", db=db)
    assert missing.returncode == 2 and "no account" in missing.stderr
    store = Store(db)
    with store.session() as s:
        assert accounts.totp_required(s, "coordinator")
        assert s.scalars(select(Account.disabled_at)).one() is None
    store.dispose()
