"""The `binalert` command: database, service, worker, tokens, lab PBX and speech."""

from __future__ import annotations

import typer

from binalert import migrate
from binalert.db import Store
from binalert.models import Role
from binalert.settings import get_settings
from binalert.tokens import create_token

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version (Alembic head)."""
    settings = get_settings()
    migrate.upgrade(settings.database_url)
    typer.echo(f"database schema at {migrate.head_revision()}", err=True)


@token_app.command("create")
def token_create(
    role: Role = typer.Option(..., help="admin, police or coordinator"),
    name: str = typer.Option(..., help="who holds the token"),
    bin_id: list[int] = typer.Option([], "--bin", help="a BIN the coordinator manages"),
    zone: str | None = typer.Option(None, help="the police zone of a police token"),
) -> None:
    """Create a token and print it (only the token, on stdout; it is shown only once)."""
    store = Store(get_settings().database_url)
    migrate.require_current_schema(store.engine)
    try:
        with store.session() as session:
            token = create_token(session, role, name, bin_id, zone)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(token)


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="address to listen on"),
    port: int | None = typer.Option(None, help="port to listen on"),
    dispatcher: bool = typer.Option(True, help="run the dispatcher in this process"),
) -> None:
    """Run the API and (by default) the dispatcher in one process."""
    from binalert.service import serve_forever

    serve_forever(get_settings(), host=host, port=port, with_dispatcher=dispatcher)


@app.command("worker")
def worker() -> None:
    """Run the dispatcher alone (the API runs elsewhere)."""
    from binalert.service import run_worker

    run_worker(get_settings())


def _register_optional() -> None:
    from binalert.lab.cli import lab_app
    from binalert.retention_cli import register as register_retention

    app.add_typer(lab_app, name="lab")
    register_retention(app)
    try:
        from tts.cli import tts_app
    except ImportError:
        return
    app.add_typer(tts_app, name="tts")


_register_optional()


def main() -> None:
    app()
