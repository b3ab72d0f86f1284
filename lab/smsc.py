"""The lab SMSC: a real SMPP 3.4 server (the npm package `smpp`, run by lab/smsc/smsc.js on
the machine's Node.js) with the lab's simulated handsets, for `make run`, the tests and the
bench. Started and stopped here; its control interface (HTTP on the loopback) read and driven
here.

The handsets are decided by the destination number, like the simulated members of calls
(lab/sim.py): Belgian mobiles +32 470 BB NNNN, BB the behaviour (lab/smsc/smsc.js is the
truth; a behaviour changed there is changed here too), NNNN telling members apart.

    HANDSET.REPLIES_1.e164(3)        "+32470020003"
    HANDSET.EXPIRED.numbers(2)       ["+32470080000", "+32470080001"]

    with running_smsc(mps=50) as smsc:
        smsc.settings()              # BINALERT_SMSC_* for binalert to bind to it
        smsc.messages()              # what it received: decoded text, parts put together
        smsc.send_mo("+32470010001", "1")
        smsc.drop_binds(); smsc.hold(5)
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from binalert.settings import SmscSettings
from lab.network import TRUNK_NUMBER

SMSC_DIR = Path(__file__).resolve().parent / "smsc"
SCRIPT = SMSC_DIR / "smsc.js"
LAB_SYSTEM_ID = "binalert"
LAB_PASSWORD = "lab-smsc"  # the lab's own, on the loopback (SMPP allows 8 characters)
LAB_SOURCE = TRUNK_NUMBER
"""binalert's number in the lab, as on the trunk: members' replies go to it."""
MAKE_RUN_PORT, MAKE_RUN_CONTROL_PORT = 2775, 2776


class SmscError(RuntimeError):
    pass


@dataclass(frozen=True)
class Handset:
    """The lab handsets whose numbers start with +32 470 `code`; `does` is what they do."""

    code: str
    does: str

    def e164(self, n: int) -> str:
        if not 0 <= n < 10_000:
            raise ValueError(f"handset {n} out of range (0..9999)")
        return f"+32470{self.code}{n:04d}"

    def numbers(self, count: int, start: int = 0) -> list[str]:
        return [self.e164(n) for n in range(start, start + count)]


class HANDSET:
    """The named behaviours of lab/smsc/smsc.js (a namespace, never made)."""

    DELIVERED = Handset("01", "delivered")
    REPLIES_1 = Handset("02", 'delivered, replies "1" after about a second')
    REPLIES_JA = Handset("03", 'delivered, replies "ja"')
    REPLIES_OUI = Handset("04", 'delivered, replies "oui"')
    REPLIES_STOP = Handset("05", 'delivered, replies "STOP"')
    REPLIES_NONSENSE = Handset("06", "delivered, replies nonsense")
    REPLIES_LATE = Handset("07", 'delivered, replies "1" late (20 s by default)')
    EXPIRED = Handset("08", "expired: the phone stayed off")
    UNDELIVERABLE = Handset("09", "undeliverable: no such subscriber")
    NO_RECEIPT = Handset("10", "no receipt ever")
    REJECTED = Handset("11", "refused at submit (invalid destination)")
    REPLIES_FRENCH = Handset("12", "delivered, replies in French (UCS-2)")


def node_modules_ready() -> bool:
    return (SMSC_DIR / "node_modules" / "smpp" / "package.json").exists()


def ensure_installed() -> None:
    """The SMSC's npm packages, from the committed lock with its integrity hashes (`npm ci`).
    `make` does this (scripts/system-deps.d/smsc.sh); here only for a run without make."""
    if node_modules_ready():
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise SmscError("the lab SMSC needs Node.js and npm: run `make system-deps`")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=SMSC_DIR, check=True, timeout=300
    )


class LabSmsc:
    """One lab SMSC process of our own: started on the given ports (0: free ones), stopped by
    its own pid. Options are the script's (mps, burst_ms, window, latency_ms, receipt_delay_ms,
    reply_delay_ms, late_reply_ms, redeliver_ms)."""

    def __init__(
        self,
        port: int = 0,
        control_port: int = 0,
        *,
        system_id: str = LAB_SYSTEM_ID,
        password: str = LAB_PASSWORD,
        log_file: Path | None = None,
        **options: int | float,
    ) -> None:
        self.system_id, self.password = system_id, password
        self._args = ["--port", str(port), "--control-port", str(control_port)]
        self._args += ["--system-id", system_id, "--password", password]
        for key, value in options.items():
            self._args += ["--" + key.replace("_", "-"), str(value)]
        self._log_file = log_file
        self._proc: subprocess.Popen[bytes] | None = None
        self.port = self.control_port = 0
        self._http: httpx.Client | None = None

    @classmethod
    def attach(cls, control_port: int) -> LabSmsc:
        """One that runs already (make run's, from another command): its control only."""
        smsc = cls(control_port=control_port)
        smsc.control_port = control_port
        smsc._http = httpx.Client(base_url=f"http://127.0.0.1:{control_port}", timeout=10)
        return smsc

    def start(self, timeout: float = 15.0) -> None:
        ensure_installed()
        node = shutil.which("node")
        if node is None:
            raise SmscError("the lab SMSC needs Node.js: run `make system-deps`")
        with contextlib.ExitStack() as stack:
            log: Any = subprocess.DEVNULL
            if self._log_file is not None:
                log = stack.enter_context(open(self._log_file, "ab"))
            self._proc = subprocess.Popen(
                [node, str(SCRIPT), *self._args],
                cwd=SMSC_DIR,
                stdin=subprocess.PIPE,  # closed when we go: the SMSC goes too
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        ready = self._read_ready(self._proc, timeout)
        self.port, self.control_port = int(ready["smpp_port"]), int(ready["control_port"])
        self._http = httpx.Client(base_url=f"http://127.0.0.1:{self.control_port}", timeout=10)

    def _read_ready(self, proc: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
        """Its first line on stdout: {"ready": true, "smpp_port": ..., "control_port": ...}."""
        stdout = proc.stdout
        assert stdout is not None
        lines: list[bytes] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not lines or not lines[0]:
            self.stop()
            raise SmscError(f"the lab SMSC did not start within {timeout:.0f} s")
        return dict(json.loads(lines[0]))

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM to our own process (it closes its sessions), SIGKILL if it does not go."""
        if self._http is not None:
            self._http.close()
            self._http = None
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    # -- binalert's side ---------------------------------------------------------------------

    def settings(self, **extra: str) -> dict[str, str]:
        """BINALERT_SMSC_* that make binalert bind to this SMSC."""
        return {
            "BINALERT_SMSC_HOST": "127.0.0.1",
            "BINALERT_SMSC_PORT": str(self.port),
            "BINALERT_SMSC_SYSTEM_ID": self.system_id,
            "BINALERT_SMSC_PASSWORD": self.password,
            "BINALERT_SMSC_SOURCE": LAB_SOURCE,
            **extra,
        }

    def smsc_settings(self, **overrides: Any) -> SmscSettings:
        """The settings of a link to this SMSC (what settings() makes binalert read)."""
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "system_id": self.system_id,
            "password": self.password,
            "source": LAB_SOURCE,
        }
        return SmscSettings(**(values | overrides))

    # -- control ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._http is None:
            raise SmscError("the lab SMSC is not running")
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as error:
            raise SmscError(f"the lab SMSC does not answer: {error}") from error
        if response.status_code != 200:
            raise SmscError(f"lab SMSC {path}: {response.json().get('error', response.text)}")
        return response.json()

    def status(self) -> dict[str, Any]:
        """Bound sessions, messages, parts waiting for the rest, outbox (receipts and replies
        not yet taken), answers (submit_sm answers by status, "0x58": throttled), config."""
        return dict(self._call("GET", "/status"))

    def messages(self) -> list[dict[str, Any]]:
        """Whole messages received: ids (one a part), source, destination (digits), text
        (decoded by the library, parts put together), data_coding (a part each), parts,
        received_at."""
        return list(self._call("GET", "/messages"))

    def deliveries(self) -> list[dict[str, Any]]:
        """Every deliver_sm offered (kind receipt|mo, id, attempt, status of the answer)."""
        return list(self._call("GET", "/deliveries"))

    def send_mo(self, handset: str, text: str, to: str = LAB_SOURCE) -> None:
        """A handset sends a message to binalert now."""
        self._call("POST", "/mo", {"from": handset.lstrip("+"), "text": text, "to": to.lstrip("+")})

    def drop_binds(self) -> int:
        """Every SMPP connection closed now, as an SMSC restart or a network cut would."""
        return int(self._call("POST", "/drop")["dropped"])

    def hold(self, seconds: float) -> None:
        """Submits received in the next `seconds` are accepted but answered only then."""
        self._call("POST", "/hold", {"seconds": seconds})

    def configure(self, **values: float) -> dict[str, Any]:
        """Change mps, burst_ms, window, latency_ms, receipt_delay_ms, reply_delay_ms,
        late_reply_ms, redeliver_ms while it runs."""
        return dict(self._call("POST", "/config", values))

    def reset(self) -> None:
        self._call("POST", "/reset", {})

    def wait_for(self, what: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Until `count` messages (what="messages") or deliveries are there."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages() if what == "messages" else self.deliveries()
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


@contextlib.contextmanager
def running_smsc(**options: Any) -> Iterator[LabSmsc]:
    """A lab SMSC of our own on free ports, stopped afterwards (tests, bench)."""
    smsc = LabSmsc(**options)
    smsc.start()
    try:
        yield smsc
    finally:
        smsc.stop()
