"""`binalert lab ...`: the lab Asterisk (build, start, stop, status, rx) and `lab run`."""

from __future__ import annotations

import os

import typer

from binalert.lab.chroot import ensure_chroot
from binalert.lab.config import LabInstance
from binalert.lab.pbx import LabPbx
from binalert.settings import SAMPLE_AMI_SECRET

lab_app = typer.Typer(no_args_is_help=True, help="The lab PBX: a real Asterisk in a chroot.")

SIM_CONTEXT = "binalert-sim-members"


def lab_pbx(name: str = "lab", ami_port: int = 5038) -> LabPbx:
    return LabPbx(LabInstance(name, ami_port, "binalert", SAMPLE_AMI_SECRET))


@lab_app.command("build")
def build() -> None:
    """Build the chroot with Asterisk once (cached under ~/.cache/binalert)."""
    typer.echo(f"lab chroot ready: {ensure_chroot()}")


@lab_app.command("start")
def start(name: str = "lab", ami_port: int = 5038) -> None:
    pid = lab_pbx(name, ami_port).start()
    typer.echo(f"lab Asterisk {name} running, pid {pid}, AMI 127.0.0.1:{ami_port}")


@lab_app.command("stop")
def stop(name: str = "lab") -> None:
    lab_pbx(name).stop()
    typer.echo(f"lab Asterisk {name} stopped")


@lab_app.command("status")
def status(name: str = "lab") -> None:
    pid = lab_pbx(name).pid()
    typer.echo(f"lab Asterisk {name}: " + (f"running, pid {pid}" if pid else "not running"))
    raise typer.Exit(0 if pid else 1)


@lab_app.command("rx")
def rx(command: str, name: str = "lab") -> None:
    """Run an Asterisk CLI command on a lab instance."""
    typer.echo(lab_pbx(name).rx(command))


def lab_environment(pbx: LabPbx) -> dict[str, str]:
    """Settings that point binalert at a lab instance and its simulated members."""
    return {
        "BINALERT_AMI_HOST": "127.0.0.1",
        "BINALERT_AMI_PORT": str(pbx.instance.ami_port),
        "BINALERT_AMI_USERNAME": pbx.instance.ami_username,
        "BINALERT_AMI_SECRET": pbx.instance.ami_secret,
        "BINALERT_DIAL_TEMPLATE": "Local/{national}@" + SIM_CONTEXT,
        "BINALERT_SOUNDS_DIR": str(pbx.sounds_dir),
        "BINALERT_PBX_SOUNDS_DIR": pbx.instance.sounds,
    }


@lab_app.command("run")
def run(port: int = 8000) -> None:
    """Start the lab PBX, a demo BIN and the service on http://127.0.0.1:PORT (Ctrl-C stops all)."""
    from binalert import migrate
    from binalert.db import Store
    from binalert.demo import seed_demo
    from binalert.models import Role
    from binalert.service import serve_forever
    from binalert.settings import get_settings
    from binalert.tokens import create_token

    pbx = lab_pbx()
    pbx.start()
    try:
        os.environ.update(lab_environment(pbx))
        settings = get_settings()
        migrate.upgrade(settings.database_url)
        store = Store(settings.database_url)
        with store.session() as session:
            demo = seed_demo(session)
            token = create_token(session, Role.ADMIN, "make run")
            police = create_token(
                session, Role.POLICE, "make run police", police_zone=demo.police_zone
            )
        store.dispose()
        typer.echo(
            f"\nbinalert lab: http://127.0.0.1:{port}  (API docs: http://127.0.0.1:{port}/docs)\n"
            f"  lab Asterisk pid {pbx.pid()}, AMI 127.0.0.1:{pbx.instance.ami_port}\n"
            f"  demo BIN #{demo.id} '{demo.name}' (zone {demo.police_zone}) of simulated members\n"
            f"  admin token:  {token}\n"
            f"  police token: {police}\n"
            "  Ctrl-C stops the service and the lab Asterisk.\n"
        )
        serve_forever(settings, host="127.0.0.1", port=port, with_dispatcher=True)
    finally:
        pbx.stop()
        typer.echo("lab Asterisk stopped")
