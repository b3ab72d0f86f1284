"""`binalert purge`: the retention purge from the command line (run it daily from cron/systemd).

Register it in binalert/cli.py with:

    from binalert.retention_cli import register as register_retention
    register_retention(app)
"""

from __future__ import annotations

import typer

from binalert import migrate
from binalert.db import Store
from binalert.retention import cutoff, purge_call_details
from binalert.settings import get_settings


def purge(
    days: int | None = typer.Option(
        None, "--days", min=1, help="keep this many days (default: BINALERT_RETENTION_DAYS)"
    ),
) -> None:
    """Summarise finished alerts older than the retention into alert_stats, delete their details."""
    settings = get_settings()
    older_than = cutoff(days if days is not None else settings.retention_days)
    store = Store(settings.database_url)
    try:
        migrate.require_current_schema(store.engine)
        with store.session() as session:
            result = purge_call_details(session, older_than)
    finally:
        store.dispose()
    typer.echo(
        f"purged {result.alerts} alert(s) finished before {older_than:%Y-%m-%d %H:%M} UTC: "
        f"{result.deliveries} deliveries, {result.call_attempts} call attempts, "
        f"{result.delivery_events} events; {result.summarised} summarised, "
        f"{result.skipped_open} skipped (deliveries still open)"
    )


def register(app: typer.Typer) -> None:
    """Add `purge` to the main `binalert` command."""
    app.command("purge")(purge)


app = typer.Typer(add_completion=False, help=__doc__)
register(app)
