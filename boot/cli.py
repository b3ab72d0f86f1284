"""The `binalert` command: database, service, worker, tokens, retention, lab PBX and speech."""

from __future__ import annotations

import os

import typer
from sqlalchemy.orm import Session

from binalert import migrate
from binalert.audit.service import record
from binalert.auth import sessions
from binalert.auth.schemas import Caller
from binalert.clock import utcnow
from binalert.errors import DomainError
from binalert.members import records
from binalert.models import ApiToken, Role
from binalert.retention import cutoff, forget_signups, purge_call_details, purge_sounds
from binalert.settings import get_settings
from binalert.tokens import create_token, find_token, revoke_token
from binalert.workers import repository as heartbeats
from boot.accounts import LAB_ADMIN, account_app, current_store, lab_admin_link, print_tokens
from boot.process import run_worker
from lab.cli import lab_app, lab_environment, lab_network, lab_smsc
from lab.demo import seed_demo
from store.db import Store
from tts import SpeechService
from tts.cli import build_tts_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(account_app, name="account")
app.add_typer(lab_app, name="lab")


def _speech() -> SpeechService:
    return SpeechService(get_settings().speech_config())


app.add_typer(build_tts_app(_speech), name="tts")


_current_store = current_store


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version (Alembic head)."""
    migrate.upgrade(get_settings().database_url)
    typer.echo(f"database schema at {migrate.head_revision()}", err=True)


def _audit_token(session: Session, action: str, found: ApiToken | None) -> None:
    """Who made or revoked which token, and its scope (never the token, nor its hash)."""
    assert found is not None
    expires = found.expires_at.isoformat() if found.expires_at else None
    scope = {"police_zone": found.police_zone, "bin_ids": found.bin_ids, "expires_at": expires}
    target = f"token:{found.id}"
    record(session, Caller.operator(), action, target, name=found.name, role=found.role, **scope)


@token_app.command("create")
def token_create(
    role: Role = typer.Option(..., help="admin, police or coordinator"),
    name: str = typer.Option(..., help="who holds the token"),
    bin_id: list[int] = typer.Option([], "--bin", help="a BIN the coordinator manages"),
    zone: str | None = typer.Option(None, help="the police zone of a police token"),
    also_zone: list[str] = typer.Option(
        [], "--also-zone", help="a dispatch centre (CIC): a further zone it acts for"
    ),
    expires_in_days: int | None = typer.Option(
        None, "--expires-in-days", min=1, max=3650, help="refused after this many days"
    ),
) -> None:
    """Create a token and print it (only the token, on stdout; it is shown only once)."""
    store = _current_store()
    try:
        with store.session() as session:
            token = create_token(
                session, role, name, bin_id, zone, expires_in_days, extra_zones=also_zone
            )
            _audit_token(session, "token.create", find_token(session, token))
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from error
    finally:
        store.dispose()
    typer.echo(token)


@token_app.command("list")
def token_list() -> None:
    """Every token: id, name, role, scope, created, last used, expires, revoked (never the
    token itself, nor its hash)."""
    store = _current_store()
    try:
        print_tokens(store)
    finally:
        store.dispose()


@token_app.command("revoke")
def token_revoke(which: str = typer.Argument(..., metavar="ID|NAME")) -> None:
    """Revoke a token (by id, or by name when one live token has it): refused from now on,
    and its signed-in pages end."""
    store = _current_store()
    try:
        with store.session() as session:
            revoked = revoke_token(session, which)
            _audit_token(session, "token.revoke", revoked)
            typer.echo(f"revoked token {revoked.id} ({revoked.name})")
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from error
    finally:
        store.dispose()


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="address to listen on"),
    port: int | None = typer.Option(None, help="port to listen on"),
    dispatcher: bool = typer.Option(True, help="run the dispatcher in this process"),
) -> None:
    """Run the API and (by default) the dispatcher in one process."""
    from boot.serve import serve_forever  # here only: a worker never loads the web app

    serve_forever(get_settings(), host=host, port=port, with_dispatcher=dispatcher)


@app.command("worker")
def worker() -> None:
    """Run the dispatcher alone (the API runs elsewhere)."""
    run_worker(get_settings())


@app.command("alive")
def alive() -> None:
    """Exit 0 if this worker (BINALERT_WORKER_ID) wrote its heartbeat lately (within three
    of its intervals), else 1: a liveness check for compose or Kubernetes. Whether its PBX
    places calls is /ready's business (a PBX outage must not restart the workers)."""
    worker_id = get_settings().worker_id
    store = _current_store()
    try:
        with store.session() as session:
            mine = [r for r in heartbeats.reports(session) if r.worker_id == worker_id]
    finally:
        store.dispose()
    if not any(r.alive(utcnow()) for r in mine):
        typer.echo(f"no live heartbeat from worker {worker_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"worker {worker_id} is alive")


@app.command("purge")
def purge(
    days: int | None = typer.Option(
        None, "--days", min=1, help="keep this many days (default: BINALERT_RETENTION_DAYS)"
    ),
) -> None:
    """Summarise finished alerts older than the retention into alert_stats, delete their details,
    the cached sounds unused since then and the rows of page sessions ended before then; the
    names of members who left more than LEFT_NAME_DAYS ago are removed from their records."""
    settings = get_settings()
    older_than = cutoff(days if days is not None else settings.retention_days)
    store = _current_store()
    try:
        with store.session() as session:
            result = purge_call_details(session, older_than)
            ended_sessions = sessions.purge(session, older_than)
            signups = forget_signups(session, utcnow())
            left_names = records.forget_left_names(session, utcnow())
    finally:
        store.dispose()
    sounds = purge_sounds(settings.sounds_dir, older_than)
    typer.echo(
        f"purged {result.alerts} alert(s) finished before {older_than:%Y-%m-%d %H:%M} UTC: "
        f"{result.deliveries} deliveries, {result.call_attempts} call attempts, "
        f"{result.delivery_events} events, {result.sms} SMS, {result.sms_replies} SMS "
        f"replies; {result.summarised} summarised, "
        f"{result.skipped_open} skipped (deliveries still open); "
        f"{sounds} cached sound(s) unused since then deleted; "
        f"{ended_sessions} ended page session(s) deleted; "
        f"{signups} sign-up(s) nobody confirmed within 48 hours forgotten; "
        f"{left_names} leaver name(s) forgotten after {records.LEFT_NAME_DAYS} days"
    )


@lab_app.command("run")
def lab_run(port: int = 8000) -> None:
    """Start the lab network (PBX, carrier, SMSC), a demo BIN and the service on
    http://127.0.0.1:PORT (Ctrl-C stops all)."""
    pbx, carrier = lab_network()
    smsc = lab_smsc()
    carrier.start()
    pbx.start()
    try:
        smsc.start()
        os.environ.update(lab_environment(pbx) | smsc.settings())
        settings = get_settings()
        migrate.upgrade(settings.database_url)
        store = Store(settings.database_url)
        with store.session() as session:
            demo = seed_demo(session)
            token = create_token(session, Role.ADMIN, "make run")
            police = create_token(
                session, Role.POLICE, "make run police", police_zone=demo.police_zone
            )
            admin = lab_admin_link(session, LAB_ADMIN)
        store.dispose()
        typer.echo(
            f"\nbinalert lab: http://127.0.0.1:{port}  (API docs: http://127.0.0.1:{port}/docs)\n"
            f"  lab PBX pid {pbx.pid()}, AMI 127.0.0.1:{pbx.instance.ami_port}; its SIP trunk "
            f"reaches the members on the lab carrier (pid {carrier.pid()})\n"
            f"  lab SMSC pid {smsc.pid}, SMPP 127.0.0.1:{smsc.port} (control "
            f"http://127.0.0.1:{smsc.control_port}/status); a handset texts binalert: "
            "binalert lab sms-reply +32470010001 1\n"
            f"  demo BIN #{demo.id} '{demo.name}' (zone {demo.police_zone}) of simulated members\n"
            f"  sign in to the pages as {LAB_ADMIN}: set its password at "
            f"http://127.0.0.1:{port}/setup/{admin.token}\n"
            f"  admin token:  {token}\n"
            f"  police token: {police}\n"
            "  Ctrl-C stops the service and the lab network.\n"
        )
        from boot.serve import serve_forever  # here only: a worker never loads the web app

        serve_forever(settings, host="127.0.0.1", port=port, with_dispatcher=True)
    finally:
        smsc.stop()
        pbx.stop()
        carrier.stop()
        typer.echo("lab PBX, carrier and SMSC stopped")


def main() -> None:
    app()
