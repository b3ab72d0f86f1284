"""What the chaos tests need around the lab network: binalert's own processes (`binalert
worker`, `binalert serve`) started and killed like a supervisor would, and a watch on the
PBX's channels every 100 ms over its AMI (the truth about the channel limit, whatever the
store says)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from lab.cli import lab_environment
from lab.pbx import LabPbx, free_port

BINALERT = str(Path(sys.executable).parent / "binalert")


class ChannelWatch(threading.Thread):
    """Counts the channels up on one Asterisk every `every` s (AMI CoreShowChannels, its own
    login); `peak` is the most seen at once. While the PBX is down it has none, and the
    watch logs in again as soon as it is back."""

    def __init__(self, pbx: LabPbx, every: float = 0.1) -> None:
        super().__init__(name=f"channel-watch-{pbx.instance.name}", daemon=True)
        self.pbx = pbx
        self.every = every
        self.peak = 0
        self.samples = 0
        self.last = 0
        self.at_peak: list[str] = []  # the channels seen when the peak was (name, state, app)
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                with self._session() as ami:
                    while not self._halt.is_set():
                        self._count(self._show_channels(ami))
                        self._halt.wait(self.every)
            except OSError:
                self._count([])  # the PBX is down (or restarting): no channel is up
                self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join(10)

    def _count(self, channels: list[str]) -> None:
        self.samples += 1
        self.last = len(channels)
        if len(channels) > self.peak:
            self.peak, self.at_peak = len(channels), channels

    @contextlib.contextmanager
    def _session(self) -> Iterator[socket.socket]:
        instance = self.pbx.instance
        with socket.create_connection(("127.0.0.1", instance.ami_port), timeout=5) as ami:
            _read_line(ami)  # the banner
            login = (
                f"Action: Login\r\nUsername: {instance.ami_username}\r\n"
                f"Secret: {instance.ami_secret}\r\nEvents: off\r\n\r\n"
            )
            ami.sendall(login.encode())
            reply = _read_message(ami)
            if reply.get("Response") != "Success":
                raise OSError(f"AMI login refused: {reply}")
            yield ami

    def _show_channels(self, ami: socket.socket) -> list[str]:
        ami.sendall(b"Action: CoreShowChannels\r\n\r\n")
        found = []
        while True:
            message = _read_message(ami)
            # Only the trunk's channels are calls: binalert also runs short Local channels
            # on the PBX (forgetting a stored key press), which hold no line of the trunk.
            name = message.get("Channel", "")
            if message.get("Event") == "CoreShowChannel" and name.startswith("PJSIP/"):
                state = message.get("ChannelStateDesc", "")
                found.append(f"{name} {state} {message.get('Application', '')}")
            elif message.get("Event") == "CoreShowChannelsComplete":
                return found
            elif message.get("Response") == "Error":
                raise OSError(f"CoreShowChannels refused: {message}")


def _read_line(sock: socket.socket) -> str:
    data = bytearray()
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise OSError("AMI connection closed")
        data += chunk
    return data[:-2].decode(errors="replace")


def _read_message(sock: socket.socket) -> dict[str, str]:
    message: dict[str, str] = {}
    while line := _read_line(sock):
        key, _, value = line.partition(":")
        message[key.strip()] = value.strip()
    return message


class Processes:
    """binalert's processes for one test, each logging to its own file in `folder`; every
    one still running is killed at the end (stop_all), whatever happened."""

    def __init__(self, folder: Path, pbx: LabPbx, database_url: str, **settings: str) -> None:
        self.folder = folder
        self.env = _environment(pbx, database_url) | {
            f"BINALERT_{k.upper()}": v for k, v in settings.items()
        }
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.api_port = 0

    def start_worker(self, name: str) -> None:
        """A `binalert worker` with this worker id (a restarted one keeps its id, as a
        supervisor's does)."""
        self._start(name, [BINALERT, "worker"], {"BINALERT_WORKER_ID": name})

    def start_api(self) -> None:
        """`binalert serve` without a dispatcher, on a free port."""
        self.api_port = free_port()
        command = [BINALERT, "serve", "--no-dispatcher", "--port", str(self.api_port)]
        self._start("api", command, {})
        deadline = time.monotonic() + 60
        while self.ready()[0] == 0:
            if time.monotonic() > deadline or self.running["api"].poll() is not None:
                raise RuntimeError(f"binalert serve did not answer: {self.log_tail('api')}")
            time.sleep(0.2)

    def ready(self) -> tuple[int, dict[str, object]]:
        """GET /ready: (status, body); (0, {}) when nothing answers."""
        url = f"http://127.0.0.1:{self.api_port}/ready"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except (OSError, ValueError):
            return 0, {}

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash or the OOM killer would: no clean-up at all."""
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.running):
            process = self.running.pop(name)
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.folder / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _start(self, name: str, command: list[str], extra: dict[str, str]) -> None:
        with open(self.folder / f"{name}.log", "ab") as log:
            self.running[name] = subprocess.Popen(
                command,
                env=self.env | extra,
                cwd=self.folder,  # no .env of the checkout, var/ in the test's folder
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


def _environment(pbx: LabPbx, database_url: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("BINALERT_")}
    return (
        keep
        | lab_environment(pbx)
        | {
            "BINALERT_DATABASE_URL": database_url,
            "BINALERT_ENVIRONMENT": "test",
            "BINALERT_AMD_ENABLED": "false",
        }
    )
