"""`binalert worker` processes for the SMS tests (#22): on the test's database, bound to the
lab SMSC, dialling a lab PBX when one is given (else a closed port: nobody is called); each
one still running is stopped at the end, its log printed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from lab.pbx import free_port
from lab.smsc import LabSmsc

BINALERT = str(Path(sys.executable).parent / "binalert")


class Workers:
    def __init__(
        self, folder: Path, database_url: str, smsc: LabSmsc, pbx_env: dict[str, str] | None
    ) -> None:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("BINALERT_")}
        self.env = (
            keep
            | smsc.settings()
            | {
                "BINALERT_DATABASE_URL": database_url,
                "BINALERT_ENVIRONMENT": "test",
                "BINALERT_AMI_PORT": str(free_port()),  # nothing listens: no PBX
                "BINALERT_SOUNDS_DIR": str(folder / "sounds"),
                "BINALERT_HEARTBEAT_SECONDS": "1",
                "BINALERT_SMS_SUBMIT_LEASE": "1",
                "BINALERT_SMS_REPLY_WINDOW": "1",
            }
            | (pbx_env or {})
        )
        self.folder = folder
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        with open(self.folder / f"{name}.log", "ab") as log:
            self.running[name] = subprocess.Popen(
                [BINALERT, "worker"],
                env=self.env | {"BINALERT_WORKER_ID": name},
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.running.items():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            print(f"--- {name}.log\n{(self.folder / f'{name}.log').read_text()[-3000:]}")
        self.running.clear()


@contextlib.contextmanager
def workers(
    folder: Path, database_url: str, smsc: LabSmsc, pbx_env: dict[str, str] | None = None
) -> Iterator[Workers]:
    running = Workers(folder, database_url, smsc, pbx_env)
    try:
        yield running
    finally:
        running.stop_all()
