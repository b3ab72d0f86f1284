"""A PostgreSQL server of a test's own: `initdb` into a temporary folder, started on a free
port, stopped and started again by the test (an outage disturbs no other test), and always
removed afterwards.

PostgreSQL refuses to run as root: as root, every server command runs as the `postgres`
system user (the Debian package creates it) through `runuser`, and the folder is theirs."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lab.pbx import free_port

SERVER_USER = "postgres"


class PgError(RuntimeError):
    pass


def server_bin() -> Path:
    """The newest installed PostgreSQL's server binaries (Debian: /usr/lib/postgresql/N/bin)."""
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    if not found:
        raise PgError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


class PgInstance:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = free_port()
        self.bin = server_bin()
        self.as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.folder
        )
        if result.returncode != 0:
            raise PgError(f"{args[0]} failed ({result.returncode}): {result.stderr[-2000:]}")

    def init(self) -> None:
        if self.as_root:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.folder, user.pw_uid, user.pw_gid)
        # No locale of the machine's (one not generated makes initdb fail); no fsync.
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-N",
            "--no-locale",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        """Start on this instance's port (TCP on the loopback only, its socket in its own
        folder) and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c shared_buffers=16MB -c max_connections=100"
        )
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.data))

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        return None

    def running(self) -> bool:
        return self.postmaster_pid() is not None

    def destroy(self) -> None:
        """Stop whatever runs (immediately) and remove the folder, whatever state it is in."""
        pid = self.postmaster_pid()
        if pid is not None:
            with contextlib.suppress(PgError, subprocess.TimeoutExpired):
                self.stop("immediate")
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)  # its children end with it
                _wait_gone(pid, 10)
        shutil.rmtree(self.folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


@contextlib.contextmanager
def own_postgres() -> Iterator[PgInstance]:
    """A started PostgreSQL of its own in a temporary folder; gone afterwards."""
    # As root, in /tmp: the postgres user must reach the folder (TMPDIR may be under /root).
    parent = "/tmp" if os.geteuid() == 0 else None
    instance = PgInstance(Path(tempfile.mkdtemp(prefix="binalert-chaos-pg-", dir=parent)))
    try:
        instance.init()
        instance.start()
        yield instance
    finally:
        instance.destroy()
