"""Build (once) and cache the Debian unstable chroot that holds the lab Asterisk."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

PACKAGES = "asterisk,asterisk-modules,asterisk-core-sounds-en-gsm"
MIRROR = "http://deb.debian.org/debian"
READY_MARK = ".binalert-ready"


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
                MIRROR,
            ],
            check=True,
            stdout=subprocess.DEVNULL if not log else None,
        )
        (building / READY_MARK).write_text("ok\n")
        shutil.rmtree(root, ignore_errors=True)
        building.rename(root)
    return root
