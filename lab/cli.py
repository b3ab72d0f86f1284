"""`binalert lab ...`: the lab Asterisk (build, start, stop, status, rx); `lab run`, which
starts the whole service beside it, is added by the composition root (boot.cli)."""

from __future__ import annotations

import typer

from binalert.settings import SAMPLE_AMI_SECRET
from lab.chroot import ensure_chroot
from lab.config import LabInstance
from lab.network import TRUNK_NUMBER, ProductionInstance
from lab.pbx import LabPbx

lab_app = typer.Typer(no_args_is_help=True, help="The lab PBX: a real Asterisk in a chroot.")

SIM_CONTEXT = "binalert-sim-members"
LOCAL_DIAL_TEMPLATE = "Local/{national}@" + SIM_CONTEXT


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
    """Settings that point binalert at a lab instance and its simulated members: over the
    SIP trunk to the carrier for a PBX with the production configuration, else straight
    into the members' dialplan over Local channels."""
    over_sip = isinstance(pbx.instance, ProductionInstance)
    return {
        "BINALERT_AMI_HOST": "127.0.0.1",
        "BINALERT_AMI_PORT": str(pbx.instance.ami_port),
        "BINALERT_AMI_USERNAME": pbx.instance.ami_username,
        "BINALERT_AMI_SECRET": pbx.instance.ami_secret,
        "BINALERT_DIAL_TEMPLATE": "PJSIP/{e164}@trunk" if over_sip else LOCAL_DIAL_TEMPLATE,
        "BINALERT_CALLER_ID": f'"BIN" <{TRUNK_NUMBER}>',
        "BINALERT_SOUNDS_DIR": str(pbx.sounds_dir),
        "BINALERT_PBX_SOUNDS_DIR": pbx.instance.sounds,
    }
