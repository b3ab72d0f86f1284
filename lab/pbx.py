"""Start, stop and query one lab Asterisk instance running in the cached chroot.

The lab touches only its chroot (under the binalert cache folder) and the processes it
started itself: a stop goes to the pid this module recorded, never to "any asterisk".
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from binalert.settings import SAMPLE_AMI_SECRET
from lab.chroot import cache_root, ensure_chroot
from lab.config import LabInstance
from lab.greetings import write_greetings
from lab.network import RTP_SPAN, CarrierInstance, ProductionInstance

PROJECT_DIALPLANS = Path(__file__).resolve().parents[1] / "dialplans"


class LabError(RuntimeError):
    pass


class LabPbx:
    def __init__(self, instance: LabInstance, root: Path | None = None) -> None:
        self.instance = instance
        self._root = root

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = ensure_chroot()
        return self._root

    @property
    def pid_file(self) -> Path:
        return cache_root() / "instances" / f"{self.instance.name}.pid"

    @property
    def log_file(self) -> Path:
        return cache_root() / "instances" / f"{self.instance.name}.log"

    def host_path(self, chroot_path: str) -> Path:
        return self.root / chroot_path.lstrip("/")

    @property
    def sounds_dir(self) -> Path:
        """Where binalert writes audio so that this PBX finds it at instance.sounds."""
        return self.host_path(self.instance.sounds)

    def write_config(self) -> None:
        etc = self.host_path(self.instance.etc)
        shutil.rmtree(etc / "dialplans", ignore_errors=True)
        etc.mkdir(parents=True, exist_ok=True)
        for name, text in self.instance.files().items():
            (etc / name).write_text(text)
        shutil.copytree(PROJECT_DIALPLANS, etc / "dialplans")
        for sub in ("spool", "log", "cache", "sounds", "heard"):
            (self.host_path(self.instance.var) / sub).mkdir(parents=True, exist_ok=True)
        self.host_path(self.instance.run).mkdir(parents=True, exist_ok=True)
        write_greetings(self.host_path(self.instance.greetings))

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) and self._is_ours(pid) else None

    def _is_ours(self, pid: int) -> bool:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return self._conf().encode() in cmdline

    def start(self, timeout: float = 60.0) -> int:
        """Start the instance (if it is not running) and wait until it is fully booted."""
        running = self.pid()
        if running:
            self.wait_booted(timeout)
            return running
        self.write_config()
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(
                ["chroot", str(self.root), "/usr/sbin/asterisk", "-f", "-C", self._conf()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{proc.pid}\n")
        self.wait_booted(timeout, proc)
        return proc.pid

    def wait_booted(self, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise LabError(
                    f"Asterisk exited at start (code {proc.returncode}): {self.log_file}"
                )
            if self._ctl_socket().exists():
                result = self.rx(
                    "core waitfullybooted", timeout=max(1.0, deadline - time.monotonic())
                )
                if "fully booted" in result.lower():
                    return
            time.sleep(0.1)
        raise LabError(f"lab Asterisk {self.instance.name} did not boot within {timeout:.0f} s")

    def rx(self, command: str, timeout: float = 10.0) -> str:
        """Run one Asterisk CLI command on this instance and return its output."""
        result = subprocess.run(
            ["chroot", str(self.root), "/usr/sbin/asterisk", "-C", self._conf(), "-rx", command],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return result.stdout + result.stderr

    def stop(self, timeout: float = 15.0) -> None:
        """Stop cleanly (core stop now), then by signal if it does not go."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.rx("core stop now", timeout=5)
        if not _wait_gone(pid, timeout):
            _signal(pid, signal.SIGTERM)
            if not _wait_gone(pid, 5):
                _signal(pid, signal.SIGKILL)
                _wait_gone(pid, 5)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL, as a crash would: Asterisk sends nothing to its AMI clients."""
        pid = self.pid()
        if pid is not None:
            _signal(pid, signal.SIGKILL)
            _wait_gone(pid, 5)
        self.pid_file.unlink(missing_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self._ctl_socket().unlink()

    def wait_registered(self, timeout: float = 15.0) -> None:
        """Until this PBX's trunk is registered with the carrier: before that, the carrier
        knows no address to put a call for the BIN number through to (a call back)."""
        deadline = time.monotonic() + timeout
        while "Registered " not in self.rx("pjsip show registrations"):
            if time.monotonic() > deadline:
                raise LabError(f"{self.instance.name}: the trunk did not register")
            time.sleep(0.1)

    def active_channels(self) -> int:
        out = self.rx("core show channels count")
        for line in out.splitlines():
            if "active channel" in line:
                return int(line.split()[0])
        raise LabError(f"unexpected answer from Asterisk: {out!r}")

    def _conf(self) -> str:
        return f"{self.instance.etc}/asterisk.conf"

    def _ctl_socket(self) -> Path:
        return self.host_path(self.instance.run) / "asterisk.ctl"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return not _alive(pid)


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def temporary_lab(name: str) -> Iterator[LabPbx]:
    """A lab Asterisk of its own (this name, a free AMI port) for tests and benches; stopped
    and its folders removed afterwards, so nothing is left behind."""
    pbx = LabPbx(LabInstance(name, free_port(), "binalert", SAMPLE_AMI_SECRET))
    with _removed_after(pbx):
        pbx.start()
        yield pbx


def free_udp_port() -> int:
    """A UDP port on the loopback that nothing is bound to right now (for SIP)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


RTP_SLOTS = 8


def _rtp_slot() -> int:
    """Which of eight RTP port ranges this process's lab network takes: parallel test workers
    (pytest-xdist's gw0, gw1, ...) each their own, else by process id. BINALERT_LAB_RTP_SLOT
    moves a whole test run to other ranges (two checkouts testing at once on one machine)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    chosen = os.environ.get("BINALERT_LAB_RTP_SLOT", "")
    base = int(chosen) if chosen.isdigit() else 0
    if worker[2:].isdigit():
        return (base + int(worker[2:])) % RTP_SLOTS
    return base % RTP_SLOTS if chosen.isdigit() else os.getpid() % RTP_SLOTS


@contextlib.contextmanager
def temporary_network(name: str, **pbx_options: Any) -> Iterator[tuple[LabPbx, LabPbx]]:
    """binalert's PBX with the shipped production configuration and a carrier holding the
    simulated members (lab.network), on free ports; both stopped and removed afterwards."""
    carrier_port, sip_port = free_udp_port(), free_udp_port()
    rtp = 30000 + _rtp_slot() * 2 * RTP_SPAN
    carrier = LabPbx(
        CarrierInstance(f"{name}c", free_port(), "binalert", SAMPLE_AMI_SECRET, carrier_port, rtp)
    )
    pbx = LabPbx(
        ProductionInstance(
            f"{name}p",
            free_port(),
            "binalert",
            SAMPLE_AMI_SECRET,
            sip_port=sip_port,
            rtp_start=rtp + RTP_SPAN,
            carrier_port=carrier_port,
            **pbx_options,
        )
    )
    with _removed_after(carrier), _removed_after(pbx):
        carrier.start()
        pbx.start()
        if not pbx_options.get("drop_modules"):  # a PBX made to fail may never register
            pbx.wait_registered()
        yield pbx, carrier


@contextlib.contextmanager
def _removed_after(pbx: LabPbx) -> Iterator[LabPbx]:
    try:
        yield pbx
    finally:
        pbx.stop()
        shutil.rmtree(pbx.host_path(pbx.instance.var), ignore_errors=True)
        shutil.rmtree(pbx.host_path(pbx.instance.etc), ignore_errors=True)
        pbx.log_file.unlink(missing_ok=True)


_OWNED = re.compile(r"^(?:test|bench|cb)(\d+)[a-z]*$")


def sweep_stale_labs() -> list[str]:
    """Stop and remove temporary lab instances whose owning process (the pid in their name)
    is gone, e.g. a test run that was killed before its clean-up ran."""
    swept = []
    for folder in sorted((cache_root() / "instances").glob("*.log")):
        match = _OWNED.match(folder.stem)
        if match is None or _alive(int(match.group(1))):
            continue
        pbx = LabPbx(LabInstance(folder.stem, 0, "binalert", SAMPLE_AMI_SECRET))
        pbx.stop()
        shutil.rmtree(pbx.host_path(pbx.instance.var), ignore_errors=True)
        shutil.rmtree(pbx.host_path(pbx.instance.etc), ignore_errors=True)
        folder.unlink(missing_ok=True)
        swept.append(folder.stem)
    return swept
