"""Build (once) and cache the Debian unstable chroot that holds the lab Asterisk."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

PACKAGES = "asterisk,asterisk-modules,asterisk-core-sounds-en-gsm"
READY_MARK = ".binalert-ready"
APT_SOURCES = Path("/etc/apt")


class NoMirror(RuntimeError):
    pass


def debian_mirror(apt: Path = APT_SOURCES) -> str:
    """The Debian archive this machine's apt already uses (BINALERT_LAB_MIRROR overrides it):
    the chroot comes from the same place as every other package here."""
    if os.environ.get("BINALERT_LAB_MIRROR"):
        return os.environ["BINALERT_LAB_MIRROR"]
    for uri, suites in _apt_entries(apt):
        if uri.rstrip("/").endswith("/debian") and not all("security" in s for s in suites):
            return uri.rstrip("/")
    raise NoMirror(f"no Debian archive in {apt}/sources.list*; set BINALERT_LAB_MIRROR")


def _apt_entries(apt: Path) -> list[tuple[str, list[str]]]:
    """(URI, suites) of every enabled deb source, one-line and deb822 formats."""
    entries: list[tuple[str, list[str]]] = []
    for path in [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*.list"))]:
        if path.is_file():
            for line in path.read_text().splitlines():
                words = [w for w in line.split("#", 1)[0].split() if not w.startswith("[")]
                if len(words) >= 3 and words[0] == "deb":
                    entries.append((words[1], [words[2]]))
    for path in sorted((apt / "sources.list.d").glob("*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields = dict(_deb822_fields(stanza))
            if "deb" in fields.get("Types", "").split() and fields.get("Enabled", "yes") != "no":
                suites = fields.get("Suites", "").split()
                entries += [(uri, suites) for uri in fields.get("URIs", "").split()]
    return entries


def _deb822_fields(stanza: str) -> list[tuple[str, str]]:
    fields = []
    for line in stanza.splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith(("#", " ", "\t")):
            fields.append((key.strip(), value.strip()))
    return fields


def cache_root() -> Path:
    base = os.environ.get("BINALERT_LAB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "binalert"
    )
    return Path(base)


def chroot_dir() -> Path:
    return cache_root() / "asterisk-sid"


def _ensure_debootstrap() -> None:
    if shutil.which("debootstrap"):
        return
    subprocess.run(["apt-get", "update", "-q"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "debootstrap"], check=True)


def ensure_chroot(log: bool = True) -> Path:
    """Return the chroot, building it first if it is not cached yet (about a minute)."""
    root = chroot_dir()
    if (root / READY_MARK).exists():
        return root
    cache_root().mkdir(parents=True, exist_ok=True)
    with open(cache_root() / "chroot.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it right now
        if (root / READY_MARK).exists():
            return root
        _ensure_debootstrap()
        building = root.with_name(root.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        if log:
            print(f"binalert lab: building the Asterisk chroot in {root} (about a minute)")
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={PACKAGES}",
                "sid",
                str(building),
                debian_mirror(),
            ],
            check=True,
            stdout=subprocess.DEVNULL if not log else None,
        )
        (building / READY_MARK).write_text("ok\n")
        shutil.rmtree(root, ignore_errors=True)
        building.rename(root)
    return root
