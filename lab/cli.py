"""`binalert lab ...`: the lab phone network (build, start, stop, status, rx); `lab run`,
which starts the whole service beside it, is added by the composition root (boot.cli)."""

from __future__ import annotations

from typing import Any

import typer

from binalert.settings import SAMPLE_AMI_SECRET
from lab.chroot import cache_root, ensure_chroot
from lab.network import TRUNK_NUMBER, CarrierInstance, ProductionInstance
from lab.pbx import LabPbx
from lab.sim import CALLERS
from lab.smsc import MAKE_RUN_CONTROL_PORT, MAKE_RUN_PORT, LabSmsc, SmscError

lab_app = typer.Typer(
    no_args_is_help=True,
    help="The lab phone network: binalert's PBX (the production configuration) and a carrier "
    "with the simulated members, two real Asterisk processes in a chroot.",
)

SIM_CONTEXT = "binalert-sim-members"
LOCAL_DIAL_TEMPLATE = "Local/{national}@" + SIM_CONTEXT
LAB, CARRIER = "lab", "lab-carrier"


def lab_network() -> tuple[LabPbx, LabPbx]:
    """The network `make run` uses: binalert's PBX (AMI 5038, SIP 5160) and the carrier
    (SIP 5161), on the loopback."""
    carrier = LabPbx(CarrierInstance(CARRIER, 5039, "binalert", SAMPLE_AMI_SECRET, sip_port=5161))
    pbx = LabPbx(
        ProductionInstance(
            LAB, 5038, "binalert", SAMPLE_AMI_SECRET, sip_port=5160, carrier_port=5161
        )
    )
    return pbx, carrier


MAKE_RUN_SMSC: dict[str, Any] = {
    "mps": 20,
    "receipt_delay_ms": 1500,
    "reply_delay_ms": 4000,
    "late_reply_ms": 20000,
    "redeliver_ms": 5000,
}
"""The lab SMSC of `make run`: receipts and replies at a pace a person can follow on the page."""


def lab_smsc() -> LabSmsc:
    """The SMSC `make run` uses: SMPP on 127.0.0.1:2775, its control on 127.0.0.1:2776."""
    log = cache_root() / "instances" / "lab-smsc.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    return LabSmsc(MAKE_RUN_PORT, MAKE_RUN_CONTROL_PORT, log_file=log, **MAKE_RUN_SMSC)


def _running_smsc() -> LabSmsc:
    smsc = LabSmsc.attach(MAKE_RUN_CONTROL_PORT)
    try:
        smsc.status()
    except SmscError as error:
        raise typer.BadParameter(f"the lab SMSC of make run is not running ({error})") from error
    return smsc


def _instance(name: str) -> LabPbx:
    pbx, carrier = lab_network()
    if name not in (LAB, CARRIER):
        raise typer.BadParameter(f"the lab has {LAB!r} and {CARRIER!r}")
    return pbx if name == LAB else carrier


@lab_app.command("build")
def build() -> None:
    """Build the chroot with Asterisk once (cached under ~/.cache/binalert)."""
    typer.echo(f"lab chroot ready: {ensure_chroot()}")


@lab_app.command("start")
def start() -> None:
    """Start the carrier, then binalert's PBX (its trunk registers with the carrier)."""
    pbx, carrier = lab_network()
    carrier.start()
    pbx.start()
    typer.echo(
        f"lab running: PBX pid {pbx.pid()} (AMI 127.0.0.1:5038), carrier pid {carrier.pid()}"
    )


@lab_app.command("stop")
def stop() -> None:
    pbx, carrier = lab_network()
    pbx.stop()
    carrier.stop()
    typer.echo("lab stopped")


@lab_app.command("status")
def status() -> None:
    running = True
    for pbx in lab_network():
        pid = pbx.pid()
        running = running and pid is not None
        state = f"running, pid {pid}" if pid else "not running"
        typer.echo(f"{pbx.instance.name}: {state}")
    raise typer.Exit(0 if running else 1)


@lab_app.command("rx")
def rx(command: str, name: str = LAB) -> None:
    """Run an Asterisk CLI command on binalert's PBX (or --name lab-carrier)."""
    typer.echo(_instance(name).rx(command))


@lab_app.command("call-back")
def call_back(number: str, listen_only: bool = False) -> None:
    """A simulated member rings the BIN number from NUMBER (as dialled at home: 0...) over the
    carrier: they listen and press 1 (--listen-only: they press nothing)."""
    _, carrier = lab_network()
    caller = CALLERS.LISTENS if listen_only else CALLERS.PRESS_1
    typer.echo(carrier.rx(caller.command(number)) or f"calling the BIN number from {number}")


@lab_app.command("sms-reply")
def sms_reply(number: str, text: str) -> None:
    """A lab handset (NUMBER, +32470...) texts binalert now (make run's lab SMSC)."""
    _running_smsc().send_mo(number, text)
    typer.echo(f"{number} texts binalert: {text!r}")


@lab_app.command("sms-messages")
def sms_messages() -> None:
    """What make run's lab SMSC received: destination, parts, text."""
    for message in _running_smsc().messages():
        typer.echo(
            f"{message['received_at']}  +{message['destination']}  "
            f"{message['parts']} part(s)  {message['text']}"
        )


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
